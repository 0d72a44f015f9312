// The ONNX importer's own behaviour on the small models of tests/data/onnx
// (made by make_models.py there): error messages, --input-shape, external
// data, folding of shape arithmetic, the op table, and `kiln import`'s spec
// and weights loading back into the same graph. Numbers are checked against
// values computed here or against the reference interpreter.
#include "frontend/onnx/onnx_import.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "frontend/json/json_spec.h"
#include "frontend/load_model.h"
#include "frontend/onnx/unsupported.h"
#include "frontend/spec_writer.h"
#include "reference/interpreter.h"
#include "test_util.h"

namespace kiln {
namespace {

std::string model_path(const std::string &name) {
  return testing::source_path("tests/data/onnx/" + name);
}

// The message of the UserError `f` throws ("" if none).
template <typename F>
std::string error_of(F f) {
  try {
    f();
  } catch (const UserError &e) {
    return e.what();
  }
  return "";
}

TEST(OnnxImport, UnknownOperatorNamesOperatorNodeAndOpset) {
  std::string path = model_path("unsupported_op.onnx");
  std::string message = error_of([&] { frontend::load_model(path); });
  EXPECT_EQ(message,
            path + ": node 'my_abs' (Abs, opset 13): kiln does not support the ONNX operator Abs");
  EXPECT_THROW(frontend::load_onnx(path), frontend::onnx_import::Unsupported);
}

TEST(OnnxImport, UnsupportedAttributeValueIsAnError) {
  std::string path = model_path("unsupported_attr.onnx");
  std::string message = error_of([&] { frontend::load_model(path); });
  EXPECT_EQ(message, path +
                         ": node 'reverse_rnn' (RNN, opset 14): not supported: direction "
                         "\"reverse\" (kiln runs forward only)");
}

TEST(OnnxImport, SymbolicDimensionNeedsInputShape) {
  std::string path = model_path("symbolic_batch.onnx");
  std::string message = error_of([&] { frontend::load_model(path); });
  EXPECT_EQ(message, path +
                         ": input 'x' has a symbolic dimension (N x 3 x 8 x 8); fix it with "
                         "--input-shape x=1x3x8x8");

  frontend::LoadOptions options;
  options.input_shapes["x"] = {2, 3, 8, 8};
  ir::Graph g = frontend::load_model(path, options);
  ASSERT_EQ(g.inputs.size(), 1u);
  EXPECT_EQ(g.value(g.inputs[0]).name, "x");
  EXPECT_EQ(g.value(g.outputs[0]).name, "y");
  EXPECT_EQ(g.value(g.outputs[0]).type.shape, (ir::Shape{2, 4, 8, 8}));
  // The initializers keep their names as parameters.
  EXPECT_GE(g.find_value("w"), 0);
  EXPECT_GE(g.find_value("b"), 0);

  options.input_shapes["x"] = {2, 4, 8, 8};
  EXPECT_NE(error_of([&] {
              frontend::load_model(path, options);
            }).find("--input-shape x=2x4x8x8 does not fit the model's shape (N x 3 x 8 x 8)"),
            std::string::npos);
  options.input_shapes = {{"z", {1}}};
  EXPECT_NE(error_of([&] { frontend::load_model(path, options); }).find("input-shape"),
            std::string::npos);
}

TEST(OnnxImport, ExternalDataIsReadRelativeToTheModel) {
  ir::Graph g = frontend::load_model(model_path("external_data.onnx"));
  reference::Tensor x({2, 4}, {1, 0, 0, 0, 0, 1, 2, 3});
  std::vector<reference::Tensor> y = reference::run_graph(g, {x});
  // B[k][j] = (3k + j) / 10, C = [1, 2, 3].
  std::vector<float> want(6);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++) {
      double s = j + 1;
      for (int k = 0; k < 4; k++) s += x.data[i * 4 + k] * (3 * k + j) / 10.0;
      want[i * 3 + j] = static_cast<float>(s);
    }
  ASSERT_EQ(y[0].shape, (ir::Shape{2, 3}));
  for (int k = 0; k < 6; k++) EXPECT_NEAR(y[0].data[k], want[k], 1e-5) << k;
}

TEST(OnnxImport, ShapeArithmeticIsFoldedAtImport) {
  ir::Graph g = frontend::load_model(model_path("shape_chain.onnx"));
  ASSERT_EQ(g.nodes.size(), 1u);  // Shape, Gather, Unsqueeze, Concat, Cast: gone
  EXPECT_EQ(g.nodes[0].op, "reshape");
  EXPECT_EQ(g.value(g.outputs[0]).type.shape, (ir::Shape{2, 48}));
  EXPECT_TRUE(g.param_ids().empty());
}

TEST(OnnxImport, TheConverterTableCoversTheIssuesOperators) {
  std::vector<std::string> ops = frontend::onnx_supported_ops();
  for (const char *op : {"Conv",          "ConvTranspose", "BatchNormalization",
                         "Relu",          "LeakyRelu",     "PRelu",
                         "Elu",           "Selu",          "Sigmoid",
                         "Tanh",          "Softplus",      "Softsign",
                         "HardSigmoid",   "HardSwish",     "Clip",
                         "MaxPool",       "AveragePool",   "GlobalAveragePool",
                         "GlobalMaxPool", "LRN",           "Gemm",
                         "MatMul",        "Add",           "Sub",
                         "Mul",           "Div",           "Sum",
                         "Concat",        "Flatten",       "Reshape",
                         "Transpose",     "Squeeze",       "Unsqueeze",
                         "Softmax",       "LogSoftmax",    "Dropout",
                         "Identity",      "Pad",           "Constant",
                         "ReduceMean",    "LSTM",          "GRU",
                         "RNN",           "Shape",         "Gather",
                         "Cast",          "Slice",         "ConstantOfShape"})
    EXPECT_NE(std::find(ops.begin(), ops.end(), op), ops.end()) << op;
}

TEST(OnnxImport, SpecWriterRoundTripsTheGraph) {
  ir::Graph g = frontend::load_model(model_path("small_cnn.onnx"));
  // Clip(0, 6) became relu6; the Gemm a dense layer.
  std::vector<std::string> ops;
  for (const auto &n : g.nodes) ops.push_back(n.op);
  EXPECT_EQ(ops, (std::vector<std::string>{"conv2d", "batch_norm", "relu", "max_pool2d", "conv2d",
                                           "relu6", "global_avg_pool", "flatten", "dense"}));
  testing::TempDir dir;
  frontend::write_spec(g, dir / "small.json", dir / "small.weights", "test");
  ir::Graph back = frontend::load_json_spec(dir / "small.json");
  ASSERT_EQ(back.nodes.size(), g.nodes.size());
  reference::Tensor x({2, 3, 8, 8}, testing::random_floats(2 * 3 * 8 * 8, 3));
  std::vector<reference::Tensor> want = reference::run_graph(g, {x}),
                                 got = reference::run_graph(back, {x});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].shape, want[0].shape);
  EXPECT_EQ(got[0].data, want[0].data);  // the same graph: bit-identical
}

TEST(OnnxImport, KilnImportWritesSpecAndWeights) {
  testing::TempDir dir;
  testing::CommandResult r =
      testing::run_shell(testing::kiln_binary() + " import " + model_path("small_cnn.onnx") +
                         " -o " + (dir / "m.json"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir / "m.weights"));
  r = testing::run_shell(testing::kiln_binary() + " inspect " + (dir / "m.json"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = testing::run_shell(testing::kiln_binary() + " import " + model_path("symbolic_batch.onnx") +
                         " -o " + (dir / "s.json") + " --input-shape x=1x3x8x8");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  r = testing::run_shell(testing::kiln_binary() + " import " + model_path("unsupported_op.onnx") +
                         " -o " + (dir / "u.json"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("(Abs, opset 13): kiln does not support the ONNX operator Abs"),
            std::string::npos)
      << r.output;
}

}  // namespace
}  // namespace kiln
