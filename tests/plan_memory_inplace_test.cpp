// plan-memory's in-place reuse: which elementwise outputs take their input's
// storage and which must not (the input read later, a graph input, parameter
// or output, a value inside an in-place concat), the lower bound with shared
// storage, and that the kernels stay right when their output buffer is an
// input buffer: every op the planner may run in place (found in the op
// table, so new ones are covered) and fused_elementwise, JIT-compiled and run
// aliased, and a compiled library whose plan aliases, against the reference.
//
// Tolerance: 1e-5 * (1 + |want|) for single kernels (as codegen_ops_test);
// 1e-4 * (1 + |want|) for the compiled library (a conv sums in float).
#include <gtest/gtest.h>

#include <algorithm>

#include "ir/ops/fused_elementwise.h"
#include "passes/eliminate_concat.h"
#include "passes/fuse_elementwise.h"
#include "passes/plan_memory.h"
#include "tests/codegen_test_util.h"
#include "tests/library_test_util.h"
#include "tests/plan_test_util.h"
#include "tests/test_util.h"

namespace kiln {
namespace {

struct Builder {
  ir::Graph g;

  int input(const std::string &name, ir::Shape shape) {
    return g.add_input(name, {ir::DType::F32, shape});
  }
  int node(const std::string &op, const std::string &name, std::vector<int> in,
           const ir::Attrs &a = {}) {
    return g.nodes[g.add_node(op, name, std::move(in), a)].outputs[0];
  }
  // A 1x1 conv keeping the channel count: a producer that is not elementwise.
  int conv(const std::string &name, int x) {
    int64_t c = g.value(x).type.shape[1];
    ir::Attrs a;
    a.set("filters", c);
    a.set("kernel", std::vector<int64_t>{1, 1});
    a.set("use_bias", int64_t{0});
    std::vector<float> w(c * c);
    for (size_t k = 0; k < w.size(); k++) w[k] = 0.25f * static_cast<float>(k % 5) - 0.5f;
    return node("conv2d", name, {x, g.add_param(name + ".w", {ir::DType::F32, {c, c, 1, 1}}, w)},
                a);
  }
  int id(const std::string &name) const { return g.find_value(name); }
};

const int64_t kTensor = 1 * 4 * 8 * 8 * 4;  // bytes of a [1, 4, 8, 8] tensor (a multiple of 64)

TEST(PlanMemoryInPlace, ChainReusesEachDeadInput) {
  Builder b;
  int x = b.input("x", {1, 4, 8, 8});
  int s = b.node("sigmoid", "s", {b.node("relu", "r", {b.conv("c", x)})});
  b.g.mark_output(b.node("global_avg_pool", "pool", {s}));
  passes::MemoryPlan plan = passes::plan_memory(b.g);
  testing::expect_valid_plan(b.g, plan);
  EXPECT_EQ(plan.in_place_of[b.id("r")], b.id("c"));
  EXPECT_EQ(plan.in_place_of[b.id("s")], b.id("r"));
  EXPECT_EQ(plan.root[b.id("s")], b.id("c"));
  EXPECT_EQ(plan.in_place_count(), 2);
  // One tensor's storage at a time: the bound counts c, r and s once.
  EXPECT_EQ(plan.lower_bound_bytes, kTensor);
  EXPECT_EQ(plan.arena_bytes, kTensor);
  // The naive total still gives every tensor its own buffer.
  EXPECT_EQ(plan.naive_bytes, 3 * kTensor);
}

TEST(PlanMemoryInPlace, InputReadLaterKeepsItsStorage) {
  Builder b;
  int x = b.input("x", {1, 4, 8, 8});
  int c = b.conv("c", x);
  int r = b.node("relu", "r", {c});
  int sum = b.node("add", "sum", {r, c});  // c is read again here
  b.g.mark_output(b.node("global_avg_pool", "pool", {sum}));
  passes::MemoryPlan plan = passes::plan_memory(b.g);
  testing::expect_valid_plan(b.g, plan);
  EXPECT_EQ(plan.in_place_of[r], -1);
  EXPECT_EQ(plan.in_place_of[sum], r);  // both addends die at the add: the first is taken
  EXPECT_EQ(plan.lower_bound_bytes, 2 * kTensor);
  EXPECT_EQ(plan.arena_bytes, 2 * kTensor);
}

TEST(PlanMemoryInPlace, NeverOverGraphInputsParamsOrOutputs) {
  Builder b;
  int x = b.input("x", {1, 4, 8, 8});
  int r = b.node("relu", "r", {x});  // x is the caller's buffer
  int bias = b.g.add_param("bias", {ir::DType::F32, {1, 4, 8, 8}}, std::vector<float>(256, 0.5f));
  int shifted = b.node("add", "shifted", {bias, r});  // r dies here: shifted takes it, not bias
  int out = b.node("tanh", "out", {shifted});         // a graph output lives in the caller's buffer
  b.g.mark_output(out);
  passes::MemoryPlan plan = passes::plan_memory(b.g);
  testing::expect_valid_plan(b.g, plan);
  EXPECT_EQ(plan.in_place_of[r], -1);
  EXPECT_EQ(plan.in_place_of[shifted], r);
  EXPECT_EQ(plan.in_place_of[out], -1);
  EXPECT_EQ(plan.offset[out], -1);
  // An output's input is no graph output either.
  Builder c;
  int y = c.conv("c", c.input("x", {1, 4, 8, 8}));
  c.g.mark_output(y);
  c.g.mark_output(c.node("relu", "r", {y}));
  plan = passes::plan_memory(c.g);
  EXPECT_EQ(plan.in_place_count(), 0);
}

// Batch 1, channel concat in place: cat = [a, r]. a is a member of cat that
// cat's readers still need; r, the output of a relu, is itself a member.
// After the concat, a relu over cat (which dies there) reuses cat's storage.
TEST(PlanMemoryInPlace, ConcatMembersAndRoots) {
  Builder b;
  int x = b.input("x", {1, 4, 8, 8});
  int a = b.conv("a", x);
  int early = b.node("sigmoid", "early", {a});  // reads a before the concat
  int c = b.conv("c", x);
  int r = b.node("relu", "r", {c});  // c dies here, but r lives inside cat
  int cat = b.node("concat", "cat", {a, r});
  int after = b.node("relu", "after", {cat});
  b.g.mark_output(b.node("global_avg_pool", "pool", {after}));
  b.g.mark_output(b.node("global_avg_pool", "pool_early", {early}));
  ir::Graph g = passes::eliminate_concat(b.g);
  ASSERT_TRUE(passes::is_elided(g.nodes[g.find_node("cat")]));
  passes::MemoryPlan plan = passes::plan_memory(g);
  testing::expect_valid_plan(g, plan);
  EXPECT_EQ(plan.in_place_of[early], -1);  // a is still needed inside cat
  EXPECT_EQ(plan.in_place_of[r], -1);      // r's place is fixed inside cat
  EXPECT_EQ(plan.root[r], cat);
  EXPECT_EQ(plan.in_place_of[after], cat);
  EXPECT_EQ(plan.root[after], cat);
  EXPECT_EQ(plan.offset[after], plan.offset[cat]);
}

// --- kernels with their output over their first input ---------------------

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

// Runs the node's kernel with the output written over input 0 and compares
// with the reference. 71121 elements: parallel chunks whose last one is
// partial, and a vector tail.
void expect_safe_in_place(const testing::OneNode &one) {
  std::vector<reference::Tensor> inputs = one.inputs;
  std::vector<const reference::Tensor *> ptrs;
  for (const auto &t : inputs) ptrs.push_back(&t);
  reference::Tensor want = reference::run_node(one.n(), ptrs)[0];
  codegen::LoweredKernel k = codegen::lower_node(testing::lower_request(one, host()));
  for (size_t i = 0; i < inputs.size(); i++)
    k.params[i].set(testing::view_buffer(inputs[i].data.data(), k.input_views[i]));
  std::vector<Halide::Buffer<>> out = {
      testing::view_buffer(inputs[0].data.data(), k.output_views[0])};
  k.pipeline.realize(Halide::Realization(out), host());
  EXPECT_EQ(testing::compare(inputs[0], want, 1e-5), "") << one.n().op << ": " << k.schedule;
}

const ir::Shape kOdd = {1, 3, 151, 157};

// Every op the planner may run in place (ir::ops::is_elementwise), found in
// the op table: a new elementwise op is covered as soon as it is added.
TEST(PlanMemoryInPlace, EveryElementwiseOpKernelIsSafeInPlace) {
  int tested = 0;
  for (const std::string &op : ir::op_names()) {
    ir::Node probe{"probe", op, {}, {}, {}};
    if (!ir::ops::is_elementwise(probe) || op == "fused_elementwise") continue;
    std::vector<ir::Shape> shapes(ir::get_op(op).inputs.size(), kOdd);
    if (op == "scale_channels") shapes[1] = {kOdd[0], kOdd[1]};
    SCOPED_TRACE(op);
    expect_safe_in_place(testing::one_node(op, shapes, {}, 7 + tested, -3.0f, 3.0f));
    tested++;
  }
  EXPECT_GE(tested, 4);
}

TEST(PlanMemoryInPlace, FusedKernelsAreSafeInPlace) {
  ir::Attrs flat, channels;
  flat.set("program", std::string("add(x0,x1); sigmoid(t0); tanh(t1)"));
  channels.set("program", std::string("scale_shift(x0,x1,x2); sigmoid(t0)"));
  expect_safe_in_place(testing::one_node("fused_elementwise", {kOdd, kOdd}, flat, 9));
  expect_safe_in_place(testing::one_node("fused_elementwise", {kOdd, {3}, {3}}, channels, 10));
  expect_safe_in_place(testing::one_node("fused_elementwise", {{5, 37}, {37}, {37}}, channels, 11));
}

// A compiled library whose plan aliases (standalone kernels at -O0 and a
// fused per-channel kernel) computes what the reference does.
TEST(PlanMemoryInPlace, CompiledLibraryWithAliasingMatchesReference) {
  Builder b;
  int x = b.input("x", kOdd);
  int c = b.conv("c", x);
  int t = b.node("tanh", "t", {b.node("sigmoid", "s", {c})});
  ir::Attrs eps;
  eps.set("epsilon", 1e-3);
  std::vector<int> bn_in = {t};
  for (const char *name : {"gamma", "beta", "mean", "var"})
    bn_in.push_back(b.g.add_param(name, {ir::DType::F32, {3}}, {0.5f, 1.0f, 1.5f}));
  int bn = b.node("batch_norm", "bn", bn_in, eps);
  int r = b.node("sigmoid", "r", {bn});
  b.g.mark_output(b.node("global_avg_pool", "pool", {b.node("add", "sum", {r, c})}));
  // c is read by the final add, so only the nodes after the first reuse storage.
  for (bool fuse : {false, true}) {
    ir::Graph g = fuse ? passes::fuse_elementwise(b.g) : b.g;
    passes::MemoryPlan plan = passes::plan_memory(g);
    testing::expect_valid_plan(g, plan);
    EXPECT_GE(plan.in_place_count(), fuse ? 1 : 3);

    reference::Tensor in = testing::random_tensor(kOdd, 5, -2.0f, 2.0f);
    reference::Tensor got = testing::run_compiled(g, {in})[0];
    reference::Tensor want = reference::run_graph(b.g, {in})[0];
    EXPECT_EQ(testing::compare(got, want, 1e-4), "") << (fuse ? "fused" : "-O0");
  }
}

}  // namespace
}  // namespace kiln
