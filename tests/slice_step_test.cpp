// slice with a step (ONNX Slice's steps on run-time data): the reference
// against entries written out here (forward and backward steps), the Halide
// lowering against the reference, and the shape rule's refusals. A slice
// copies: tolerance 0.
#include <gtest/gtest.h>

#include "ir/errors.h"
#include "ir/op.h"
#include "tests/codegen_test_util.h"

namespace kiln {
namespace {

const Halide::Target &host() {
  static const Halide::Target t = Halide::get_jit_target_from_environment();
  return t;
}

ir::Attrs slice_attrs(int64_t axis, int64_t start, int64_t length, int64_t step) {
  ir::Attrs a;
  a.set("axis", axis);
  a.set("start", start);
  a.set("length", length);
  a.set("step", step);
  return a;
}

std::vector<float> run_reference(const ir::Attrs &a, const reference::Tensor &x) {
  ir::Graph g;
  int in = g.add_input("x", {ir::DType::F32, x.shape});
  int n = g.add_node("slice", "s", {in}, a);
  return reference::run_node(g.node(n), {&x})[0].data;
}

TEST(SliceStep, ReferenceHandComputed) {
  reference::Tensor x({2, 5}, {0, 1, 2, 3, 4, 10, 11, 12, 13, 14});
  EXPECT_EQ(run_reference(slice_attrs(1, 0, 3, 2), x), (std::vector<float>{0, 2, 4, 10, 12, 14}));
  EXPECT_EQ(run_reference(slice_attrs(1, 4, 2, -3), x), (std::vector<float>{4, 1, 14, 11}));
  EXPECT_EQ(run_reference(slice_attrs(0, 1, 2, -1), x),
            (std::vector<float>{10, 11, 12, 13, 14, 0, 1, 2, 3, 4}));
}

TEST(SliceStep, ShapeRuleRefusesWhatDoesNotFit) {
  ir::Graph g;
  int in = g.add_input("x", {ir::DType::F32, {2, 5}});
  EXPECT_THROW(g.add_node("slice", "a", {in}, slice_attrs(1, 0, 3, 3)), UserError);   // 6 > 4
  EXPECT_THROW(g.add_node("slice", "b", {in}, slice_attrs(1, 1, 3, -1)), UserError);  // -1 < 0
  EXPECT_THROW(g.add_node("slice", "c", {in}, slice_attrs(1, 0, 1, 0)), UserError);
  int ok = g.add_node("slice", "d", {in}, slice_attrs(-1, 4, 5, -1));
  EXPECT_EQ(g.value(g.node(ok).outputs[0]).type.shape, (ir::Shape{2, 5}));
}

struct Case {
  std::string name;
  ir::Shape x;
  ir::Attrs attrs;
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

class SliceStepLowering : public ::testing::TestWithParam<Case> {};

TEST_P(SliceStepLowering, MatchesReference) {
  const Case &c = GetParam();
  testing::OneNode g = testing::one_node("slice", {c.x}, c.attrs, 5);
  codegen::LowerRequest req = testing::lower_request(g, host());
  codegen::LoweredKernel k = codegen::lower_node(req);
  reference::Tensor got = testing::run_lowered(k, g.inputs, {req.outputs[0].shape}, host())[0];
  std::vector<const reference::Tensor *> in = {&g.inputs[0]};
  EXPECT_EQ(got.data, reference::run_node(g.n(), in)[0].data) << c.name << ": " << k.schedule;
}

INSTANTIATE_TEST_SUITE_P(
    Ops, SliceStepLowering,
    ::testing::Values(Case{"backward_outer", {20, 10, 5}, slice_attrs(0, 19, 19, -1)},
                      Case{"backward_middle", {20, 10, 5}, slice_attrs(1, 9, 3, -3)},
                      Case{"forward_last", {3, 4, 37}, slice_attrs(2, 1, 12, 3)},
                      Case{"backward_last_wide", {2, 3, 50}, slice_attrs(-1, 48, 20, -2)}),
    [](const auto &info) { return info.param.name; });

}  // namespace
}  // namespace kiln
