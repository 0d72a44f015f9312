// rnn, lstm and gru while training: the training form unrolls the layer over
// time into ordinary ops (ir/grads/recurrent.cpp), so backpropagation
// through time is autodiff over the unrolled graph. Checked here: the
// unrolled forward equals the layer's reference kernel (1e-12 in float64),
// every gradient (input, weights, biases) matches central finite
// differences in float64 (1e-6 relative, step 1e-5), and for two small
// cases every backward kernel compiled with Halide matches the reference
// (1e-4).
#include <gtest/gtest.h>

#include "tests/grad_test_util.h"

namespace kiln {
namespace {

using testing::GradProblem;
using testing::make_problem;

struct RecurrentCase {
  std::string name, op;
  int64_t T, N, I, H;
  ir::Attrs extra;  // beyond hidden_size
  bool compiled = false;
};

void PrintTo(const RecurrentCase &c, std::ostream *os) { *os << c.name; }

ir::Attrs layer_attrs(const RecurrentCase &c) {
  ir::Attrs a = c.extra;
  a.set("hidden_size", c.H);
  return a;
}

// The layer over input "x" [T, N, I] with its parameters "<op>.<input>".
int build_layer(ir::Graph &g, const RecurrentCase &c) {
  std::vector<int> ids = {g.add_input("x", {ir::DType::F32, {c.T, c.N, c.I}})};
  const ir::OpDef &def = ir::get_op(c.op);
  const ir::Attrs a = ir::normalize_attrs(def, layer_attrs(c), "test");
  for (const ir::ParamSpec &p : def.params(a, g.value(ids[0]).type))
    ids.push_back(g.add_param(c.op + "." + p.input, {ir::DType::F32, p.shape},
                              std::vector<float>(ir::numel(p.shape), 0.0f)));
  return g.node(g.add_node(c.op, c.op, ids, layer_attrs(c))).outputs[0];
}

class RecurrentGrad : public ::testing::TestWithParam<RecurrentCase> {};

TEST_P(RecurrentGrad, UnrolledFormMatchesTheLayerAndFiniteDifferences) {
  const RecurrentCase &c = GetParam();
  GradProblem p = make_problem([&](ir::Graph &g) { return build_layer(g, c); }, 81);
  EXPECT_EQ(p.g.find_node(c.op), -1) << "the layer should be unrolled";

  // The unrolled prediction against the layer's own reference kernel.
  ir::Graph layer;
  layer.mark_output(build_layer(layer, c));
  std::map<int, testing::Tensor64> given;
  for (const auto &[id, t] : p.given) {
    const int v = layer.find_value(p.g.value(id).name);
    if (v >= 0) given[v] = t;
  }
  const testing::Tensor64 want = reference::evaluate(layer, given)[layer.outputs[0]];
  const testing::Tensor64 got = reference::evaluate(p.g, p.given)[p.g.node(p.loss_node).inputs[0]];
  ASSERT_EQ(got.shape, want.shape);
  for (int64_t k = 0; k < want.numel(); k++)
    EXPECT_NEAR(got.data[k], want.data[k], 1e-12) << "output element " << k;

  // With one step the recurrent weight meets only the zero initial state:
  // no gradient reaches it.
  std::set<std::string> skip;
  if (c.T == 1) {
    skip.insert(c.op + ".weight_hh");
    EXPECT_EQ(p.gradients.count(p.g.find_value(c.op + ".weight_hh")), 0u);
  }
  testing::expect_gradients_match(p, 1e-6, 1e-5, 64, skip);
  if (c.compiled && !::testing::Test::HasFailure())
    EXPECT_GT(testing::expect_compiled_matches_reference(p, 1e-4, p.loss_node), 10);
}

ir::Attrs attrs(std::initializer_list<std::pair<const char *, ir::AttrValue>> kv) {
  ir::Attrs a;
  for (const auto &[k, v] : kv) a.set(k, v);
  return a;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RecurrentGrad,
    ::testing::Values(
        RecurrentCase{"rnn_tanh", "rnn", 3, 2, 3, 4, {}, true},
        RecurrentCase{
            "rnn_relu_last_step", "rnn", 3, 2, 2, 3,
            attrs({{"nonlinearity", std::string("relu")}, {"return_sequences", int64_t{0}}})},
        RecurrentCase{"lstm", "lstm", 3, 2, 3, 2, {}},
        RecurrentCase{"lstm_no_bias_last_step", "lstm", 2, 3, 2, 3,
                      attrs({{"use_bias", int64_t{0}}, {"return_sequences", int64_t{0}}})},
        RecurrentCase{"lstm_one_step", "lstm", 1, 2, 3, 2, {}},
        RecurrentCase{"gru", "gru", 3, 2, 3, 2, {}, true},
        RecurrentCase{"gru_reset_before_product", "gru", 3, 2, 2, 3,
                      attrs({{"linear_before_reset", int64_t{0}}})},
        RecurrentCase{"gru_no_bias_last_step", "gru", 2, 2, 3, 2,
                      attrs({{"use_bias", int64_t{0}}, {"return_sequences", int64_t{0}}})}),
    [](const auto &info) { return info.param.name; });

}  // namespace
}  // namespace kiln
