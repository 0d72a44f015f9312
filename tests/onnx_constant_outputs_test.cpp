// Graph outputs the ONNX importer knows at import (a Constant, or shape
// arithmetic folded entirely: Shape, Size, Range, ConstantOfShape): the
// importer holds them as parameters that a copy kernel writes to the output,
// so the compiled library produces them. Integer outputs are written as
// float32 only where the caller asks (OnnxImportOptions::float32_outputs)
// and every value is within 2^24 (exact). Uses ONNX's own cases from
// Debian's libonnx-testdata (skipped where it is missing); the compiled
// library's outputs are compared exactly with the cases' expected outputs.
#include <gtest/gtest.h>

#include <filesystem>

#include "frontend/onnx/onnx_import.h"
#include "frontend/onnx/unsupported.h"
#include "tests/library_test_util.h"

namespace kiln {
namespace {

namespace fs = std::filesystem;
using frontend::onnx_import::ConstTensor;
using frontend::onnx_import::Unsupported;

const std::string kNode = "/usr/share/libonnx-testdata/data/node/";

std::string model(const std::string &name) { return kNode + name + "/model.onnx"; }

ConstTensor expected(const std::string &name, int k = 0) {
  return frontend::read_onnx_tensor(kNode + name + "/test_data_set_0/output_" + std::to_string(k) +
                                    ".pb");
}

std::vector<float> as_floats(const ConstTensor &t) {
  std::vector<float> v;
  for (int64_t i = 0; i < t.numel(); i++) v.push_back(static_cast<float>(t.as_double(i)));
  return v;
}

// The message of the Unsupported error importing throws ("" if none).
std::string unsupported_of(const std::string &path, const frontend::OnnxImportOptions &o = {}) {
  try {
    frontend::load_onnx(path, o);
  } catch (const Unsupported &e) {
    return e.what();
  }
  return "";
}

// The graph's outputs computed by the compiled library (-O2) on `inputs`.
std::vector<reference::Tensor> compiled(const ir::Graph &g,
                                        const std::vector<reference::Tensor> &inputs) {
  return testing::run_compiled(testing::optimized(g), inputs);
}

class OnnxConstantOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(kNode)) GTEST_SKIP() << kNode << " is missing (libonnx-testdata)";
  }
};

TEST_F(OnnxConstantOutputs, IntegerOutputNeedsTheCallerToReadFloat32) {
  EXPECT_NE(unsupported_of(model("test_shape"))
                .find("the graph output 'y' is a constant (computed at import) of type int64; "
                      "kiln's outputs are float32"),
            std::string::npos);
}

TEST_F(OnnxConstantOutputs, ShapeIsWrittenByTheLibrary) {
  frontend::OnnxImportOptions o;
  o.float32_outputs = {"y"};
  ir::Graph g = frontend::load_onnx(model("test_shape"), o);
  ASSERT_EQ(g.outputs.size(), 1u);
  // The output is a kernel's (a copy of the parameter), not the parameter.
  EXPECT_EQ(g.value(g.outputs[0]).kind, ir::ValueKind::Activation);
  ASSERT_EQ(g.inputs.size(), 1u);
  reference::Tensor x(g.value(g.inputs[0]).type.shape);
  std::vector<reference::Tensor> got = compiled(g, {x});
  EXPECT_EQ(got[0].shape, (ir::Shape{3}));
  EXPECT_EQ(got[0].data, as_floats(expected("test_shape")));
  EXPECT_EQ(got[0].data, (std::vector<float>{3, 4, 5}));
}

TEST_F(OnnxConstantOutputs, ModelWithoutInputsRuns) {
  ir::Graph g = frontend::load_onnx(model("test_constant"));
  EXPECT_TRUE(g.inputs.empty());
  std::vector<reference::Tensor> got = compiled(g, {});  // the library takes inputs NULL
  const ConstTensor want = expected("test_constant");
  EXPECT_EQ(got[0].shape, want.shape);
  EXPECT_EQ(got[0].data, as_floats(want));
  EXPECT_EQ(reference::run_graph(g, {})[0].data, as_floats(want));
}

TEST_F(OnnxConstantOutputs, RangeWithinTwoToThe24IsExactAndBeyondIsRefused) {
  const frontend::OnnxModelInfo info =
      frontend::read_onnx_info(model("test_range_int32_type_negative_delta"));
  ASSERT_EQ(info.input_names.size(), 3u);  // start, limit, delta
  auto options = [&](int64_t start, int64_t limit, int64_t delta) {
    frontend::OnnxImportOptions o;
    const int64_t v[3] = {start, limit, delta};
    for (int k = 0; k < 3; k++)
      o.constant_inputs[info.input_names[k]] =
          ConstTensor::of_ints({}, {v[k]}, frontend::onnx_import::kInt32);
    o.float32_outputs = {info.output_names.at(0)};
    return o;
  };
  const int64_t big = int64_t{1} << 24;
  ir::Graph g =
      frontend::load_onnx(model("test_range_int32_type_negative_delta"), options(big, big - 7, -3));
  std::vector<reference::Tensor> got = compiled(g, {});
  EXPECT_EQ(got[0].data, (std::vector<float>{16777216.0f, 16777213.0f, 16777210.0f}));
  EXPECT_NE(
      unsupported_of(model("test_range_int32_type_negative_delta"), options(big + 1, big + 3, 1))
          .find("with values beyond 2^24 (not exact in float32)"),
      std::string::npos);
}

// An empty output (no elements, of any type) is an `empty` node, which no
// kernel writes (tests/onnx_remaining_test.cpp runs the library).
TEST_F(OnnxConstantOutputs, EmptyConstantOutputIsAnEmptyNode) {
  const std::string name = "test_constantofshape_int_shape_zero";
  frontend::OnnxImportOptions o;
  o.constant_inputs[frontend::read_onnx_info(model(name)).input_names.at(0)] =
      frontend::read_onnx_tensor(kNode + name + "/test_data_set_0/input_0.pb");
  ir::Graph g = frontend::load_onnx(model(name), o);
  ASSERT_EQ(g.outputs.size(), 1u);
  const ir::Value &y = g.value(g.outputs[0]);
  EXPECT_EQ(y.type.shape, (ir::Shape{0}));
  ASSERT_GE(y.producer, 0);
  EXPECT_EQ(g.node(y.producer).op, "empty");
}

}  // namespace
}  // namespace kiln
