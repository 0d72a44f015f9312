// The import driver: reads the ModelProto, creates inputs and constants,
// runs each node's converter in order and marks the outputs.
#include "frontend/onnx/onnx_import.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "frontend/onnx/converters.h"
#include "frontend/onnx/import_context.h"
#include "frontend/onnx/tensor_proto.h"

namespace kiln::frontend {

using onnx_import::ConstTensor;
using onnx_import::ImportContext;
using onnx_import::ImportedValue;
using onnx_import::NodeContext;
using onnx_import::Unsupported;

namespace {

template <typename Message>
Message read_proto(const std::string &path, const char *what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw UserError(path + ": cannot open the file");
  Message m;
  if (!m.ParseFromIstream(&in))
    throw UserError(path + ": not a valid " + what + " (the protobuf does not parse)");
  return m;
}

bool is_default_domain(const std::string &domain) { return domain.empty() || domain == "ai.onnx"; }

int default_opset(const onnx::ModelProto &model, const std::string &path) {
  for (const auto &o : model.opset_import())
    if (is_default_domain(o.domain())) return static_cast<int>(o.version());
  // IR version 2 models without opset_import use opset 1.
  throw Unsupported(path + ": the model imports no opset of the default ONNX domain", "");
}

// A C identifier from the file's stem (or the graph's name for the test
// data's model.onnx files).
std::string model_name(const std::string &path, const onnx::ModelProto &model) {
  std::string name = std::filesystem::path(path).stem().string();
  if (name == "model" && !model.graph().name().empty()) name = model.graph().name();
  for (char &ch : name)
    if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') ch = '_';
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "m_" + name;
  return name;
}

// The static shape of a graph input: its dimensions, with symbolic ones
// fixed by --input-shape.
ir::Shape input_shape(const onnx::ValueInfoProto &in, const LoadOptions &options,
                      const std::string &path) {
  const std::string &name = in.name();
  const auto &type = in.type().tensor_type();
  auto fixed = options.input_shapes.find(name);
  std::string dims_text;
  bool symbolic = false;
  ir::Shape shape;
  for (const auto &d : type.shape().dim()) {
    const bool known = d.has_dim_value() && d.dim_value() >= 0;  // 0: empty, a constant
    symbolic = symbolic || !known;
    shape.push_back(known ? d.dim_value() : -1);
    dims_text += (dims_text.empty() ? "" : " x ") + (known ? std::to_string(d.dim_value())
                                                     : d.dim_param().empty() ? std::string("?")
                                                                             : d.dim_param());
  }
  if (fixed != options.input_shapes.end()) {
    const ir::Shape &want = fixed->second;
    bool fits = !type.has_shape() || want.size() == shape.size();
    for (size_t k = 0; fits && k < shape.size(); k++) fits = shape[k] < 0 || shape[k] == want[k];
    if (!fits)
      throw UserError(path + ": --input-shape " + name + "=" + ir::shape_str(want) +
                      " does not fit the model's shape (" + dims_text + ")");
    return want;
  }
  if (!type.has_shape())
    throw UserError(path + ": input '" + name + "' has no shape; give it with --input-shape " +
                    name + "=DxDx...");
  if (symbolic) {
    std::string example;  // the symbolic dimensions as 1
    for (int64_t d : shape) example += (example.empty() ? "" : "x") + std::to_string(d < 0 ? 1 : d);
    throw UserError(path + ": input '" + name + "' has a symbolic dimension (" + dims_text +
                    "); fix it with --input-shape " + name + "=" + example);
  }
  return shape;
}

void add_graph_inputs(ImportContext &ctx, const onnx::GraphProto &graph,
                      const OnnxImportOptions &options) {
  for (const auto &in : graph.input()) {
    if (ctx.values.count(in.name())) continue;  // an initializer (IR < 4 lists them as inputs)
    auto bound = options.constant_inputs.find(in.name());
    if (bound != options.constant_inputs.end()) {
      ImportedValue v;
      v.constant = std::make_shared<const ConstTensor>(bound->second);
      v.dtype = bound->second.dtype;
      v.is_graph_input = true;
      ctx.values[in.name()] = v;
      continue;
    }
    if (!in.type().has_tensor_type())
      throw Unsupported(ctx.source + ": input '" + in.name() + "' is not a tensor", "");
    const int32_t dtype = in.type().tensor_type().elem_type();
    ImportedValue v;
    v.dtype = dtype;
    v.is_graph_input = true;
    if (dtype != onnx_import::kFloat && options.float32_inputs.count(in.name())) {
      v.dtype = onnx_import::kFloat;  // the caller converts the data
      v.declared_dtype = dtype;
    } else if (dtype != onnx_import::kFloat) {
      // Known only at run time, so usable only where kiln needs no value:
      // converters that need it report it (naming the input) as Unsupported.
      ctx.values[in.name()] = v;
      continue;
    }
    ir::Shape shape = input_shape(in, options.load, ctx.source);
    if (!shape.empty() && ir::numel(shape) == 0) {
      // No elements: its value is known (nothing), so it is a constant and
      // what is computed from it folds at import.
      ConstTensor empty;
      empty.dtype = v.dtype;
      empty.shape = shape;
      v.constant = std::make_shared<const ConstTensor>(std::move(empty));
    } else if (shape.empty())
      v.unavailable =
          "the input '" + in.name() + "' is a scalar; kiln's inputs have rank 1 or more";
    else
      v.id = ctx.graph.add_input(in.name(), {ir::DType::F32, shape});
    ctx.values[in.name()] = v;
  }
}

// A helper node's output that computes an ONNX value takes the value's name
// when it is free, so graph outputs and `kiln inspect` show ONNX's names.
void adopt_onnx_name(ir::Graph &g, int value_id, const std::string &onnx_name,
                     size_t first_new_node) {
  if (value_id < 0) return;
  ir::Value &v = g.values[value_id];
  if (v.kind != ir::ValueKind::Activation || v.name == onnx_name) return;
  if (v.producer < static_cast<int>(first_new_node)) return;
  ir::Node &n = g.nodes[v.producer];
  if (n.outputs.size() != 1 || g.find_value(onnx_name) >= 0 || g.find_node(onnx_name) >= 0) return;
  n.name = onnx_name;
  v.name = onnx_name;
}

void convert_node(ImportContext &ctx, const onnx::NodeProto &node) {
  NodeContext c(ctx, node);
  if (!is_default_domain(node.domain()))
    throw Unsupported(
        c.where() + ": kiln does not support operators of the domain '" + node.domain() + "'",
        node.op_type());
  onnx_import::Converter convert = onnx_import::find_converter(node.op_type());
  if (!convert)
    throw Unsupported(c.where() + ": kiln does not support the ONNX operator " + node.op_type(),
                      node.op_type());
  if (ctx.opset < kMinOnnxOpset || ctx.opset > kMaxOnnxOpset)
    throw Unsupported(c.where() + ": kiln imports opsets " + std::to_string(kMinOnnxOpset) +
                          " to " + std::to_string(kMaxOnnxOpset),
                      node.op_type());
  const size_t first_new_node = ctx.graph.nodes.size();
  convert(c);
  for (size_t k = 0; k < c.num_outputs(); k++) {
    const std::string &name = c.output_name(k);
    auto it = ctx.values.find(name);
    if (it == ctx.values.end()) {
      if (c.output_used(k))
        throw InternalError(c.where() + ": the converter did not produce output '" + name + "'");
      continue;
    }
    adopt_onnx_name(ctx.graph, it->second.id, name, first_new_node);
  }
}

// A graph output known at import (a Constant, or shape arithmetic folded
// entirely): a parameter holding it, which mark_outputs copies to the output
// with a kernel, so the library still writes it. Other numeric types than
// float32 only where the caller reads them as float32 (float32_outputs) and
// float32 holds every value exactly (integers within 2^24).
int constant_output(ImportContext &ctx, const std::string &name, const ConstTensor &t,
                    const OnnxImportOptions &options) {
  const std::string what = "the graph output '" + name + "' is a constant (computed at import)";
  // No elements, of any type: an empty tensor, which nothing writes.
  if (!t.shape.empty() && t.numel() == 0) {
    ir::Attrs a;
    a.set("shape", std::vector<int64_t>(t.shape));
    const int node = ctx.graph.add_node("empty", ctx.unique_name(name), {}, a);
    return ctx.graph.node(node).outputs[0];
  }
  if (t.dtype != onnx_import::kFloat && !options.float32_outputs.count(name))
    throw Unsupported(ctx.source + ": " + what + " of type " + onnx_import::dtype_name(t.dtype) +
                          "; kiln's outputs are float32",
                      "");
  if (!onnx_import::is_float_dtype(t.dtype) && !onnx_import::is_int_dtype(t.dtype))
    throw Unsupported(ctx.source + ": " + what + " of type " + onnx_import::dtype_name(t.dtype),
                      "");
  for (int64_t k = 0; k < t.numel() && !t.is_float(); k++)
    if (std::llabs(t.as_int(k)) > (int64_t{1} << 24))
      throw Unsupported(ctx.source + ": " + what + " of type " + onnx_import::dtype_name(t.dtype) +
                            " with values beyond 2^24 (not exact in float32)",
                        "");
  const ir::Shape shape = t.shape.empty() ? ir::Shape{1} : t.shape;  // scalars: one element
  return ctx.graph.add_param(ctx.unique_name(name + ":constant"), {ir::DType::F32, shape},
                             t.floats());
}

void mark_outputs(ImportContext &ctx, const onnx::GraphProto &graph,
                  const OnnxImportOptions &options) {
  for (const auto &out : graph.output()) {
    auto it = ctx.values.find(out.name());
    if (it == ctx.values.end())
      throw UserError(ctx.source + ": the graph output '" + out.name() + "' is never computed");
    const ImportedValue &v = it->second;
    if (v.id < 0 && !v.constant)
      throw Unsupported(ctx.source + ": the graph output '" + out.name() +
                            "' is an input kiln cannot read; kiln compiles computations on "
                            "float32 inputs",
                        "");
    int id = v.id >= 0 ? v.id : constant_output(ctx, out.name(), *v.constant, options);
    const bool taken = std::count(ctx.graph.outputs.begin(), ctx.graph.outputs.end(), id) > 0;
    if (ctx.graph.value(id).kind != ir::ValueKind::Activation || taken) {
      // An output that is an input, a parameter or another output: a copy.
      ir::Attrs a;
      a.set("shape", std::vector<int64_t>(ctx.graph.value(id).type.shape));
      int node = ctx.graph.add_node("reshape", ctx.unique_name(out.name()), {id}, a);
      id = ctx.graph.node(node).outputs[0];
    }
    ctx.graph.mark_output(id);
  }
}

}  // namespace

ir::Graph load_onnx(const std::string &path, const OnnxImportOptions &options) {
  const onnx::ModelProto model = read_proto<onnx::ModelProto>(path, "ONNX model");
  const onnx::GraphProto &graph = model.graph();
  ir::Graph g;
  g.name = model_name(path, model);
  ImportContext ctx(g, path, std::filesystem::path(path).parent_path().string(),
                    default_opset(model, path));
  for (const auto &node : graph.node())
    for (const auto &in : node.input()) ctx.consumed.insert(in);
  for (const auto &out : graph.output()) ctx.consumed.insert(out.name());

  if (graph.sparse_initializer_size()) throw Unsupported(path + ": sparse initializers", "");
  for (const auto &init : graph.initializer()) {
    ImportedValue v;
    v.constant = std::make_shared<const ConstTensor>(onnx_import::tensor_from_proto(
        init, ctx.base_dir, path + ": initializer '" + init.name() + "'"));
    v.dtype = v.constant->dtype;
    ctx.values[init.name()] = v;
  }
  add_graph_inputs(ctx, graph, options);
  for (const auto &[name, shape] : options.load.input_shapes)
    if ((g.find_value(name) < 0 || g.value(g.find_value(name)).kind != ir::ValueKind::Input) &&
        !(ctx.values.count(name) && ctx.values[name].is_graph_input))  // or empty: a constant
      throw UserError(path + ": --input-shape names '" + name +
                      "', which is not an input of the model");
  for (const auto &node : graph.node()) convert_node(ctx, node);
  mark_outputs(ctx, graph, options);
  if (g.outputs.empty()) throw UserError(path + ": the graph has no outputs");
  return g;
}

OnnxModelInfo read_onnx_info(const std::string &path) {
  const onnx::ModelProto model = read_proto<onnx::ModelProto>(path, "ONNX model");
  OnnxModelInfo info;
  for (const auto &o : model.opset_import())
    if (is_default_domain(o.domain())) info.opset = static_cast<int>(o.version());
  std::set<std::string> ops, initializers;
  for (const auto &node : model.graph().node())
    ops.insert(is_default_domain(node.domain()) ? node.op_type()
                                                : node.domain() + "." + node.op_type());
  info.op_types.assign(ops.begin(), ops.end());
  for (const auto &init : model.graph().initializer()) initializers.insert(init.name());
  for (const auto &in : model.graph().input()) {
    if (initializers.count(in.name())) continue;
    info.input_names.push_back(in.name());
    ir::Shape dims;
    for (const auto &d : in.type().tensor_type().shape().dim())
      dims.push_back(d.has_dim_value() ? d.dim_value() : -1);
    info.input_dims.push_back(dims);
    info.input_types.push_back(in.type().tensor_type().elem_type());
  }
  for (const auto &out : model.graph().output()) {
    info.output_names.push_back(out.name());
    info.output_types.push_back(out.type().tensor_type().elem_type());
  }
  for (const auto *list : {&model.graph().input(), &model.graph().output()})
    for (const auto &v : *list) {
      if (!info.unsupported_io.empty() || initializers.count(v.name())) continue;
      const char *what = list == &model.graph().input() ? "input" : "output";
      if (!v.type().has_tensor_type())
        info.unsupported_io = std::string("the ") + what + " '" + v.name() +
                              "' is not a tensor (a sequence, map or optional)";
      else if (v.type().tensor_type().elem_type() == onnx_import::kString)
        info.unsupported_io = std::string("the ") + what + " '" + v.name() + "' is a string tensor";
    }
  return info;
}

ConstTensor read_onnx_tensor(const std::string &path) {
  const onnx::TensorProto t = read_proto<onnx::TensorProto>(path, "ONNX TensorProto");
  return onnx_import::tensor_from_proto(t, std::filesystem::path(path).parent_path().string(),
                                        path);
}

std::vector<std::string> onnx_supported_ops() { return onnx_import::converter_names(); }

}  // namespace kiln::frontend
