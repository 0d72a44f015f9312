// The ONNX conformance runner: runs one test case of ONNX's test data
// (Debian's libonnx-testdata: <case>/model.onnx with test_data_set_N/
// input_K.pb and output_K.pb) through kiln's importer, the reference
// interpreter and (optionally) a compiled library, and compares with the
// expected outputs using ONNX's backend-test tolerance:
// |got - want| <= atol + rtol * |want|, rtol = 1e-3, atol = 1e-7, NaN equal
// to NaN (numpy.testing.assert_allclose as onnx/backend/test/runner does).
// Whole models (OnnxModels) widen atol to 1e-4 of the output's largest
// magnitude: a logit near 0 is the difference of long float32 sums, which
// kiln and PyTorch add in different orders (VGG-16's 25088-long dot products
// leave about 1e-6 of the scale).
//
// A case is `unsupported` when the importer reports an onnx_import::
// Unsupported error (an operator, attribute or input form kiln lacks), and
// `failed` for any other error or mismatch. Graph inputs that kiln needs at
// compile time (a Reshape's shape, Clip's bounds, non-float inputs) are given
// the test's values as constants, as an application would make them
// initializers.
//
// Other numeric input types are given to kiln as float32 (the application
// converting its data) where float32 holds the case's computation:
//   float16, bfloat16: exact in float32;
//   double: rounded to float32, with atol widened by kDoubleAtolOfMax of the
//     largest expected |value| (float32 rounding of inputs that cancel);
//   integers: only for models whose every operator selects or moves values
//     (kExactOnIntegers: float32 computes those exactly) and every value
//     within 2^24; integer arithmetic (Add, Mul, Div: wraparound, truncating
//     division) stays unsupported, with that reason.
// Outputs of another type are read as float32 by the same rule (float16,
// bfloat16, bool, integers within 2^24: OnnxImportOptions::float32_outputs);
// the importer writes those it knows at import (Shape, Size, Range, ...)
// with a copy kernel from a parameter, so they too come from the library.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "codegen/loaded_library.h"
#include "frontend/onnx/onnx_import.h"
#include "frontend/onnx/unsupported.h"
#include "passes/pass_manager.h"
#include "reference/interpreter.h"
#include "test_util.h"

namespace kiln::onnx_conformance {

namespace fs = std::filesystem;
using frontend::onnx_import::ConstTensor;

constexpr double kRtol = 1e-3, kAtol = 1e-7;

// How outputs are compared: ONNX's tolerance, or for whole models atol
// relative to the output's scale.
struct Tolerance {
  double rtol = kRtol, atol = kAtol;
  double atol_of_max = 0;  // adds this fraction of max |want| to atol
};

// Double inputs rounded to float32 (2^-24 relative each) may cancel: atol
// grows by this fraction of the largest expected |value|.
constexpr double kDoubleAtolOfMax = 1e-6;

// Operators that only select, compare or move values: on integers held in
// float32 (|v| <= 2^24) they compute exactly what ONNX's integer kernels do.
inline const std::set<std::string> kExactOnIntegers = {
    "Clip", "Concat", "Dropout", "Flatten", "Gather", "GlobalMaxPool", "Identity",  "MaxPool",
    "Pad",  "Relu",   "Reshape", "Slice",   "Split",  "Squeeze",       "Transpose", "Unsqueeze"};

// The operators issue 6 lists, and the shape arithmetic exporters emit
// (folded at import): a case whose every operator is here is "in the list".
inline const std::set<std::string> kIssueOps = {
    "Conv", "ConvTranspose", "BatchNormalization", "Relu", "LeakyRelu", "PRelu", "Elu", "Selu",
    "Sigmoid", "Tanh", "Softplus", "Softsign", "HardSigmoid", "HardSwish", "Clip", "MaxPool",
    "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LRN", "Gemm", "MatMul", "Add", "Sub",
    "Mul", "Div", "Sum", "Concat", "Flatten", "Reshape", "Transpose", "Squeeze", "Unsqueeze",
    "Softmax", "LogSoftmax", "Dropout", "Identity", "Pad", "Constant", "ReduceMean", "LSTM", "GRU",
    "RNN",
    // shape arithmetic
    "Shape", "Size", "Gather", "Cast", "Slice", "Split", "ConstantOfShape", "Range", "Expand"};

inline bool in_issue_list(const std::vector<std::string> &op_types) {
  if (op_types.empty()) return false;
  for (const std::string &op : op_types)
    if (!kIssueOps.count(op)) return false;
  return true;
}
inline const char *kTestDataRoot = "/usr/share/libonnx-testdata/data";

enum class Status { Passed, Failed, Unsupported };

inline const char *status_name(Status s) {
  return s == Status::Passed ? "passed" : s == Status::Failed ? "FAILED" : "unsupported";
}

struct CaseResult {
  std::string suite, name;  // "node", "test_relu"
  Status status = Status::Passed;
  std::string detail;                 // why it failed or is unsupported
  std::vector<std::string> op_types;  // the operators of its model
  std::string blocking_op;            // the operator that made it unsupported
  bool reference_checked = false, compiled_checked = false;
  int data_sets = 0;
  double seconds = 0;
  std::string converted;  // inputs given as float32 from another type ("x: double")
};

struct DataSet {
  std::vector<ConstTensor> inputs, outputs;
};

inline std::vector<DataSet> read_data_sets(const fs::path &dir) {
  std::vector<fs::path> set_dirs;
  for (const auto &e : fs::directory_iterator(dir))
    if (e.is_directory() && e.path().filename().string().rfind("test_data_set_", 0) == 0)
      set_dirs.push_back(e.path());
  std::sort(set_dirs.begin(), set_dirs.end());
  std::vector<DataSet> sets;
  for (const fs::path &d : set_dirs) {
    DataSet s;
    for (int k = 0; fs::exists(d / ("input_" + std::to_string(k) + ".pb")); k++)
      s.inputs.push_back(
          frontend::read_onnx_tensor((d / ("input_" + std::to_string(k) + ".pb")).string()));
    for (int k = 0; fs::exists(d / ("output_" + std::to_string(k) + ".pb")); k++)
      s.outputs.push_back(
          frontend::read_onnx_tensor((d / ("output_" + std::to_string(k) + ".pb")).string()));
    sets.push_back(std::move(s));
  }
  return sets;
}

// ONNX 1.12's test data holds bfloat16 tensors as uint16 (numpy has no
// bfloat16): the bits, for an input or output the model declares bfloat16.
// Those become bfloat16 tensors of their values.
inline void read_bfloat16_bits(std::vector<DataSet> &sets, const frontend::OnnxModelInfo &info) {
  using namespace frontend::onnx_import;
  auto convert = [](ConstTensor &t) {
    if (t.dtype != kUint16) return;
    t.f.resize(t.i.size());
    for (size_t k = 0; k < t.i.size(); k++) {
      const uint32_t bits = static_cast<uint32_t>(t.i[k]) << 16;
      float v;
      std::memcpy(&v, &bits, sizeof v);
      t.f[k] = v;
    }
    t.i.clear();
    t.dtype = kBfloat16;
  };
  for (DataSet &s : sets) {
    for (size_t k = 0; k < s.inputs.size() && k < info.input_types.size(); k++)
      if (info.input_types[k] == kBfloat16) convert(s.inputs[k]);
    for (size_t k = 0; k < s.outputs.size() && k < info.output_types.size(); k++)
      if (info.output_types[k] == kBfloat16) convert(s.outputs[k]);
  }
}

// Empty when `got` matches `want` within ONNX's tolerance.
inline std::string compare(const reference::Tensor &got, const ConstTensor &want,
                           const Tolerance &tol = {}) {
  ir::Shape want_shape = want.shape.empty() ? ir::Shape{1} : want.shape;
  ir::Shape got_shape = got.shape;
  if (got_shape != want_shape)
    return "shape " + ir::shape_str(got.shape) + ", expected " + ir::shape_str(want.shape);
  int64_t bad = 0, worst = -1;
  double worst_excess = 0, scale = 0;
  for (int64_t i = 0; i < want.numel(); i++)
    if (std::isfinite(want.as_double(i))) scale = std::max(scale, std::fabs(want.as_double(i)));
  const double atol = tol.atol + tol.atol_of_max * scale;
  for (int64_t i = 0; i < want.numel(); i++) {
    const double g = got.data[i], w = want.as_double(i);
    if (std::isnan(g) && std::isnan(w)) continue;
    if (std::isinf(w) && g == w) continue;
    const double excess = std::fabs(g - w) - (atol + tol.rtol * std::fabs(w));
    if (!(excess <= 0)) {
      bad++;
      if (worst < 0 || !(excess <= worst_excess)) worst = i, worst_excess = excess;
    }
  }
  if (bad == 0) return "";
  std::ostringstream s;
  s << bad << " of " << want.numel() << " values differ; worst at " << worst << ": got "
    << got.data[worst] << ", expected " << want.as_double(worst);
  return s.str();
}

inline reference::Tensor to_tensor(const ConstTensor &t) {
  return reference::Tensor(t.shape.empty() ? ir::Shape{1} : t.shape, t.floats());
}

// Why the case's integer inputs cannot be given as float32 (an operator
// outside kExactOnIntegers), or "".
inline std::string narrowing_refusal(const frontend::OnnxModelInfo &info) {
  std::string ops;
  for (const std::string &op : info.op_types)
    if (!kExactOnIntegers.count(op)) ops += (ops.empty() ? "" : ", ") + op;
  if (ops.empty()) return "";
  return "the runner gives integer inputs as float32 only to operators that select or move "
         "values; here " +
         ops + " (integer arithmetic: wraparound, truncating division)";
}

// Whether input k is integral with every value exact in float32 in every set.
inline bool exact_in_float32(const std::vector<DataSet> &sets, size_t k) {
  for (const DataSet &s : sets) {
    if (k >= s.inputs.size() || !frontend::onnx_import::is_int_dtype(s.inputs[k].dtype) ||
        s.inputs[k].dtype == frontend::onnx_import::kBool)
      return false;
    for (int64_t i = 0; i < s.inputs[k].numel(); i++)
      if (std::llabs(s.inputs[k].as_int(i)) > (int64_t{1} << 24)) return false;
  }
  return true;
}

// Whether output k, of another type than float32, is read as float32: float16
// and bfloat16 (exact), bool (0 and 1), integers whose every expected value
// is within 2^24 and doubles whose every expected value is a float32 (exact),
// as for inputs. kiln writes such an output only when
// the importer knows it (a constant: Shape, Size, Range, ...).
inline bool output_exact_in_float32(const std::vector<DataSet> &sets, size_t k) {
  using namespace frontend::onnx_import;
  for (const DataSet &s : sets) {
    if (k >= s.outputs.size()) return false;
    const ConstTensor &t = s.outputs[k];
    if (t.dtype == kFloat16 || t.dtype == kBfloat16) continue;
    if (t.dtype == kDouble) {  // only when every value is a float32
      for (int64_t i = 0; i < t.numel(); i++)
        if (!std::isnan(t.as_double(i)) &&
            static_cast<double>(static_cast<float>(t.as_double(i))) != t.as_double(i))
          return false;
      continue;
    }
    if (!is_int_dtype(t.dtype)) return false;  // bool: 0 and 1
    for (int64_t i = 0; i < t.numel(); i++)
      if (std::llabs(t.as_int(i)) > (int64_t{1} << 24)) return false;
  }
  return true;
}

// Why input k (double) cannot be given as float32: a value of an input or
// expected output beyond float32's range; "" when it can.
inline std::string double_refusal(const std::vector<DataSet> &sets, size_t k) {
  double worst = 0;
  for (const DataSet &s : sets) {
    std::vector<const ConstTensor *> all = {k < s.inputs.size() ? &s.inputs[k] : nullptr};
    for (const ConstTensor &o : s.outputs) all.push_back(&o);
    for (const ConstTensor *t : all)
      for (int64_t i = 0; t && i < t->numel(); i++)
        if (std::isfinite(t->as_double(i))) worst = std::max(worst, std::fabs(t->as_double(i)));
  }
  if (worst <= std::numeric_limits<float>::max()) return "";
  std::ostringstream m;
  m << "double values up to " << worst << " in the test data, beyond the range of float32";
  return m.str();
}

// Imports the case: float32 inputs take the first data set's shapes (fixing
// symbolic dimensions, as --input-shape does); inputs that kiln needs at
// compile time (the importer says which) take its values as constants.
inline ir::Graph import_case(const fs::path &model, const frontend::OnnxModelInfo &info,
                             const std::vector<DataSet> &sets, Tolerance &tolerance,
                             CaseResult &r) {
  using frontend::onnx_import::kFloat;
  const DataSet &first = sets[0];
  const std::vector<std::string> &input_names = info.input_names;
  frontend::OnnxImportOptions options;
  const std::string arithmetic = narrowing_refusal(info);
  std::map<std::string, std::string> refused;       // input -> why it stays its type
  auto input_type = [&](const std::string &name) {  // the test data's type
    const size_t k = std::find(input_names.begin(), input_names.end(), name) - input_names.begin();
    return frontend::onnx_import::dtype_name(first.inputs[k].dtype);
  };
  for (size_t k = 0; k < input_names.size() && k < first.inputs.size(); k++) {
    const int32_t dtype = first.inputs[k].dtype;
    if (dtype == kFloat || first.inputs[k].shape.empty()) continue;  // scalars: constants
    if (dtype == frontend::onnx_import::kDouble) {
      refused[input_names[k]] = double_refusal(sets, k);
      if (!refused[input_names[k]].empty()) continue;
    } else if (dtype == frontend::onnx_import::kFloat16 ||
               dtype == frontend::onnx_import::kBfloat16) {
      // every value exact in float32
    } else if (frontend::onnx_import::is_int_dtype(dtype) &&
               dtype != frontend::onnx_import::kBool) {
      refused[input_names[k]] = !arithmetic.empty() ? arithmetic
                                : exact_in_float32(sets, k)
                                    ? ""
                                    : "the runner gives integer inputs as float32 only within 2^24";
      if (!refused[input_names[k]].empty()) continue;
    } else {
      continue;
    }
    options.float32_inputs.insert(input_names[k]);
    const ir::Shape &declared = info.input_dims[k];
    if (declared.empty() || std::count(declared.begin(), declared.end(), -1))
      options.load.input_shapes[input_names[k]] = first.inputs[k].shape;
    if (dtype == frontend::onnx_import::kDouble) tolerance.atol_of_max = kDoubleAtolOfMax;
  }
  std::string converted_outputs;
  for (size_t k = 0; k < info.output_names.size() && k < first.outputs.size(); k++)
    if (first.outputs[k].dtype != kFloat && output_exact_in_float32(sets, k)) {
      options.float32_outputs.insert(info.output_names[k]);
      converted_outputs += ", output " + info.output_names[k] + ": " +
                           frontend::onnx_import::dtype_name(first.outputs[k].dtype);
    }
  for (size_t k = 0; k < input_names.size() && k < first.inputs.size(); k++) {
    const ConstTensor &t = first.inputs[k];
    const ir::Shape &dims = info.input_dims[k];
    if (t.dtype == kFloat && std::count(dims.begin(), dims.end(), -1))
      options.load.input_shapes[input_names[k]] = t.shape;
  }
  for (size_t attempt = 0;; attempt++) {
    try {
      ir::Graph g = frontend::load_onnx(model.string(), options);
      for (const std::string &name : options.float32_inputs) {
        const size_t k =
            std::find(input_names.begin(), input_names.end(), name) - input_names.begin();
        r.converted += (r.converted.empty() ? "" : ", ") + name + ": " +
                       frontend::onnx_import::dtype_name(first.inputs[k].dtype);
      }
      if (!converted_outputs.empty())
        r.converted += r.converted.empty() ? converted_outputs.substr(2) : converted_outputs;
      return g;
    } catch (const frontend::onnx_import::Unsupported &e) {
      auto it = std::find(input_names.begin(), input_names.end(), e.constant_input);
      if (e.constant_input.empty() || it == input_names.end() || attempt > input_names.size() ||
          options.constant_inputs.count(e.constant_input)) {
        const std::string what = e.what();
        for (const auto &[name, why] : refused)
          if (!why.empty() &&
              what.find("'" + name + "' is " + input_type(name)) != std::string::npos &&
              what.find("; kiln computes in float32 only") != std::string::npos)
            throw frontend::onnx_import::Unsupported(what + " (" + why + ")", e.op_type);
        throw;
      }
      const size_t k = it - input_names.begin();
      const int32_t dtype = k < first.inputs.size() ? first.inputs[k].dtype : 0;
      if (dtype != kFloat && !frontend::onnx_import::is_int_dtype(dtype)) throw;
      options.load.input_shapes.erase(e.constant_input);
      options.float32_inputs.erase(e.constant_input);
      options.constant_inputs[e.constant_input] = first.inputs[k];
    }
  }
}

// The graph's inputs from a data set, in g.inputs order (by name). An input
// no node reads (CastLike's `like`, read for its type only) whose test data
// has another shape than the model declares gets zeros of its shape: its
// values do not matter.
inline std::vector<reference::Tensor> graph_inputs(const ir::Graph &g,
                                                   const std::vector<std::string> &input_names,
                                                   const DataSet &set) {
  std::vector<reference::Tensor> inputs;
  for (int id : g.inputs) {
    auto it = std::find(input_names.begin(), input_names.end(), g.value(id).name);
    if (it == input_names.end() ||
        static_cast<size_t>(it - input_names.begin()) >= set.inputs.size())
      throw std::runtime_error("no test data for input '" + g.value(id).name + "'");
    reference::Tensor t = to_tensor(set.inputs[it - input_names.begin()]);
    const ir::Shape &shape = g.value(id).type.shape;
    const bool read = std::any_of(g.nodes.begin(), g.nodes.end(), [&](const ir::Node &n) {
      return std::count(n.inputs.begin(), n.inputs.end(), id) > 0;
    });
    if (t.shape != shape && !read) t = reference::Tensor(shape);
    inputs.push_back(std::move(t));
  }
  return inputs;
}

inline std::string check_outputs(const std::vector<reference::Tensor> &got, const DataSet &set,
                                 const std::string &engine, const Tolerance &tol = {}) {
  if (got.size() != set.outputs.size())
    return engine + ": " + std::to_string(got.size()) + " outputs, the test has " +
           std::to_string(set.outputs.size());
  for (size_t k = 0; k < got.size(); k++) {
    std::string diff = compare(got[k], set.outputs[k], tol);
    if (!diff.empty()) return engine + " output " + std::to_string(k) + ": " + diff;
  }
  return "";
}

// A case imported and checked on the reference interpreter, waiting for
// its compiled check.
struct PreparedCase {
  CaseResult result;
  ir::Graph graph;
  frontend::OnnxModelInfo info;
  std::vector<DataSet> sets;
  Tolerance tolerance;
};

// Imports the case and checks it on the reference interpreter (unless
// `reference` is false: whole models at full size take minutes there).
inline PreparedCase prepare_case(const fs::path &dir, bool reference = true,
                                 const Tolerance &tolerance = {}) {
  PreparedCase p;
  p.tolerance = tolerance;
  CaseResult &r = p.result;
  r.suite = dir.parent_path().filename().string();
  r.name = dir.filename().string();
  const auto start = std::chrono::steady_clock::now();
  const fs::path model = dir / "model.onnx";
  try {
    p.info = frontend::read_onnx_info(model.string());
    r.op_types = p.info.op_types;
    if (!p.info.unsupported_io.empty())
      throw frontend::onnx_import::Unsupported(
          p.info.unsupported_io + "; kiln exchanges float32 tensors", "");
    p.sets = read_data_sets(dir);
    read_bfloat16_bits(p.sets, p.info);
    r.data_sets = static_cast<int>(p.sets.size());
    if (p.sets.empty()) throw std::runtime_error("no test data sets");
    p.graph = import_case(model, p.info, p.sets, p.tolerance, r);
    for (const DataSet &set : p.sets) {
      if (!reference) break;
      std::string diff = check_outputs(
          reference::run_graph(p.graph, graph_inputs(p.graph, p.info.input_names, set)), set,
          "reference", p.tolerance);
      if (!diff.empty()) throw std::runtime_error(diff);
    }
    r.reference_checked = reference;
    r.status = Status::Passed;
  } catch (const frontend::onnx_import::Unsupported &e) {
    r.status = Status::Unsupported;
    r.detail = e.what();
    r.blocking_op = e.op_type;
  } catch (const std::exception &e) {
    r.status = Status::Failed;
    r.detail = e.what();
  }
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return p;
}

// The graphs side by side in one graph (names prefixed "c<k>."): one
// library for many cases, since linking a library costs more than
// compiling a small case's kernels.
inline ir::Graph merge_graphs(const std::vector<const ir::Graph *> &graphs) {
  ir::Graph merged;
  merged.name = "cases";
  for (size_t k = 0; k < graphs.size(); k++) {
    const ir::Graph &g = *graphs[k];
    const int offset = static_cast<int>(merged.values.size());
    const int node_offset = static_cast<int>(merged.nodes.size());
    const std::string prefix = "c" + std::to_string(k) + ".";
    for (ir::Value v : g.values) {
      v.name = prefix + v.name;
      if (v.producer >= 0) v.producer += node_offset;
      merged.values.push_back(std::move(v));
    }
    for (ir::Node n : g.nodes) {
      n.name = prefix + n.name;
      for (int &v : n.inputs) v += offset;
      for (int &v : n.outputs) v += offset;
      merged.nodes.push_back(std::move(n));
    }
    for (int v : g.inputs) merged.inputs.push_back(v + offset);
    for (int v : g.outputs) merged.outputs.push_back(v + offset);
  }
  return merged;
}

inline void mark_failed(CaseResult &r, const std::string &why) {
  if (r.status == Status::Failed) return;
  r.status = Status::Failed;
  r.detail = why;
}

// Compiles the cases at -O2 into one library and runs every data set of
// each; a case whose outputs differ fails. When the batch does not compile
// or run, each case is tried alone to find the one at fault.
inline void check_compiled_batch(const std::vector<PreparedCase *> &cases) {
  if (cases.empty()) return;
  try {
    std::vector<const ir::Graph *> graphs;
    size_t max_sets = 0;
    for (PreparedCase *c : cases) {
      graphs.push_back(&c->graph);
      max_sets = std::max(max_sets, c->sets.size());
      c->result.compiled_checked = true;
    }
    ir::Graph merged = merge_graphs(graphs);
    testing::TempDir dir;
    codegen::CompileOptions options;
    options.out_dir = dir / "lib";
    options.cache_dir = codegen::default_cache_dir();
    passes::PassOptions o2;
    o2.passes = passes::passes_for_level(2);
    codegen::CompileReport report =
        codegen::compile_library(passes::run_passes(merged, o2), options);
    codegen::LoadedLibrary lib(report.shared_library, report.name);
    codegen::LoadedLibrary::Instance instance(lib);
    for (size_t s = 0; s < max_sets; s++) {
      std::vector<reference::Tensor> inputs, outputs;
      std::vector<size_t> first_output;
      for (PreparedCase *c : cases) {
        const DataSet &set = c->sets[std::min(s, c->sets.size() - 1)];
        for (auto &t : graph_inputs(c->graph, c->info.input_names, set))
          inputs.push_back(std::move(t));
        first_output.push_back(outputs.size());
        for (int id : c->graph.outputs) outputs.emplace_back(c->graph.value(id).type.shape);
      }
      std::vector<const float *> in;
      std::vector<float *> out;
      for (const auto &t : inputs) in.push_back(t.data.data());
      for (auto &t : outputs) out.push_back(t.data.data());
      instance.run(in, out);
      for (size_t k = 0; k < cases.size(); k++) {
        PreparedCase &c = *cases[k];
        if (s >= c.sets.size()) continue;
        std::vector<reference::Tensor> mine(
            outputs.begin() + first_output[k],
            outputs.begin() + first_output[k] + c.graph.outputs.size());
        std::string diff = check_outputs(mine, c.sets[s], "compiled", c.tolerance);
        if (!diff.empty()) mark_failed(c.result, diff);
      }
    }
  } catch (const std::exception &e) {
    if (cases.size() == 1)
      return mark_failed(cases[0]->result, std::string("compiled: ") + e.what());
    for (PreparedCase *c : cases) check_compiled_batch({c});
  }
}

// Every case folder of the given suites, sorted.
inline std::vector<fs::path> case_dirs(const std::vector<std::string> &suites,
                                       const std::string &root_dir = kTestDataRoot) {
  std::vector<fs::path> dirs;
  for (const std::string &suite : suites) {
    fs::path root = fs::path(root_dir) / suite;
    if (!fs::exists(root)) continue;
    std::vector<fs::path> cases;
    for (const auto &e : fs::directory_iterator(root))
      if (fs::exists(e.path() / "model.onnx")) cases.push_back(e.path());
    std::sort(cases.begin(), cases.end());
    dirs.insert(dirs.end(), cases.begin(), cases.end());
  }
  return dirs;
}

struct OpCounts {
  int passed = 0, failed = 0, unsupported = 0;
};

// Per operator: passed and failed cases count for every operator of their
// model; an unsupported case counts for the operator that blocked it (every
// operator of the model when no one operator did).
inline std::map<std::string, OpCounts> table_by_op(const std::vector<CaseResult> &results) {
  std::map<std::string, OpCounts> table;
  for (const CaseResult &r : results) {
    std::vector<std::string> ops = r.op_types;
    if (r.status == Status::Unsupported && !r.blocking_op.empty()) ops = {r.blocking_op};
    for (const std::string &op : ops) {
      OpCounts &c = table[op];
      (r.status == Status::Passed   ? c.passed
       : r.status == Status::Failed ? c.failed
                                    : c.unsupported)++;
    }
  }
  return table;
}

inline std::string format_line(const CaseResult &r) {
  std::ostringstream s;
  s << status_name(r.status) << " " << r.suite << "/" << r.name;
  if (r.status == Status::Passed)
    s << (r.compiled_checked && r.reference_checked ? " (reference, compiled)"
          : r.compiled_checked                      ? " (compiled)"
                                                    : " (reference)");
  if (!r.converted.empty()) s << " [as float32: " << r.converted << "]";
  if (!r.detail.empty()) {
    std::string d = r.detail;
    const std::string prefix =
        (fs::path(kTestDataRoot) / r.suite / r.name / "model.onnx").string() + ": ";
    if (d.rfind(prefix, 0) == 0) d = d.substr(prefix.size());
    s << ": " << d;
  }
  char t[32];
  std::snprintf(t, sizeof t, " [%.2fs]", r.seconds);
  return s.str() + t;
}

}  // namespace kiln::onnx_conformance
