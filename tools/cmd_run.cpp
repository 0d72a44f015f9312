// kiln run: compile a model (through the kernel cache) and run it, or run it
// on the reference interpreter, or both and compare.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "codegen/compile_library.h"
#include "codegen/kernel_compiler.h"
#include "codegen/loaded_library.h"
#include "frontend/load_model.h"
#include "ir/errors.h"
#include "reference/interpreter.h"
#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/load_args.h"
#include "tools/optimize.h"
#include "tools/tensor_io.h"

namespace fs = std::filesystem;

namespace kiln::tools {

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Inputs from --input NAME=FILE / --input FILE, else random from --seed.
std::vector<reference::Tensor> load_inputs(const ir::Graph &g, const Args &args) {
  std::vector<std::string> files = args.all("input");
  if (!files.empty() && files.size() != g.inputs.size())
    throw UserError("the model has " + std::to_string(g.inputs.size()) + " inputs; give one --input each");
  std::vector<reference::Tensor> inputs;
  for (size_t i = 0; i < g.inputs.size(); i++) {
    const ir::Value &v = g.value(g.inputs[i]);
    if (files.empty()) {
      inputs.emplace_back(v.type.shape, random_floats(v.type.numel(), args.get_int("seed", 0) + i));
      continue;
    }
    std::string file = files[i];
    for (const auto &f : files)
      if (f.rfind(v.name + "=", 0) == 0) file = f.substr(v.name.size() + 1);
    inputs.emplace_back(v.type.shape, read_raw_floats(file, v.type.numel()));
  }
  return inputs;
}

struct Timed {
  std::vector<reference::Tensor> outputs;
  double median_ms = 0;
};

Timed run_compiled(const ir::Graph &g, const std::vector<reference::Tensor> &inputs, const Args &args) {
  std::string scratch = (fs::temp_directory_path() / "kiln-run-XXXXXX").string();
  if (!mkdtemp(scratch.data())) throw UserError("cannot create a temporary folder");
  struct Cleanup {
    std::string dir;
    ~Cleanup() { std::error_code ec; fs::remove_all(dir, ec); }
  } cleanup{scratch};

  codegen::CompileOptions options;
  options.out_dir = scratch;
  options.target = args.get_or("target", "host");
  options.cache_dir = codegen::default_cache_dir();
  options.progress = [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  codegen::CompileReport report = codegen::compile_library(g, options);

  codegen::LoadedLibrary lib(report.shared_library, report.name);
  if (args.get("threads")) lib.set_num_threads(args.get_int("threads", 0));
  codegen::LoadedLibrary::Instance instance(lib);
  Timed t;
  std::vector<const float *> in;
  for (const auto &x : inputs) in.push_back(x.data.data());
  std::vector<float *> out;
  for (const auto &info : lib.outputs()) {
    t.outputs.emplace_back(info.shape);
    out.push_back(t.outputs.back().data.data());
  }
  instance.run(in, out);  // warm-up
  std::vector<double> times;
  for (int r = 0; r < std::max(1, args.get_int("repeat", 20)); r++) {
    auto start = Clock::now();
    instance.run(in, out);
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  t.median_ms = median(times);
  return t;
}

Timed run_reference(const ir::Graph &g, const std::vector<reference::Tensor> &inputs, const Args &args) {
  Timed t;
  std::vector<double> times;
  int repeat = std::max(1, std::min(args.get_int("repeat", 20), 5));
  for (int r = 0; r < repeat; r++) {
    auto start = Clock::now();
    t.outputs = reference::run_graph(g, inputs);
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  t.median_ms = median(times);
  return t;
}

void print_outputs(const ir::Graph &g, const std::vector<reference::Tensor> &outputs) {
  for (size_t i = 0; i < outputs.size(); i++) {
    const auto &t = outputs[i];
    std::printf("output %s [%s]:", g.value(g.outputs[i]).name.c_str(), ir::shape_str(t.shape).c_str());
    int64_t shown = std::min<int64_t>(t.numel(), 16);
    for (int64_t k = 0; k < shown; k++) std::printf(" %.6g", t.data[k]);
    std::printf("%s\n", shown < t.numel() ? " ..." : "");
  }
}

std::vector<OptionSpec> with_optimize_options(std::vector<OptionSpec> options) {
  for (auto &o : optimize_options()) options.push_back(o);
  options.push_back(input_shape_option());
  return options;
}

}  // namespace

int cmd_run(int argc, char **argv) {
  Args args("kiln run MODEL [--input [NAME=]FILE]... [--seed N] [--engine E] [-o FILE]",
            "Runs MODEL on inputs read from raw float32 files (row-major, little-endian), or on\n"
            "seeded uniform [-1, 1) inputs, and prints the outputs and the median latency.\n"
            "The compiled engine builds the library in a temporary folder (kernels come from the\n"
            "cache when they can); 'both' also runs the reference interpreter and compares.",
            with_optimize_options({{"input", "[NAME=]FILE", "an input file (once per model input)", true},
             {"seed", "N", "seed of the random inputs (default 0)"},
             {"engine", "E", "compiled (default), reference, or both"},
             {"repeat", "N", "timed runs after one warm-up (default 20)"},
             {"threads", "N", "worker threads of the compiled library (default: all cores)"},
             {"target", "TARGET", "'host' (default) or a Halide target string"},
             {"o", "FILE", "write the outputs, one after another, as raw float32"}}),
            argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  args.expect_positional(1, "one MODEL");
  std::string engine = args.get_or("engine", "compiled");
  if (engine != "compiled" && engine != "reference" && engine != "both")
    throw UserError("--engine must be compiled, reference or both, got '" + engine + "'");
  ir::Graph g = frontend::load_model(args.positional()[0], load_options(args));
  std::vector<reference::Tensor> inputs = load_inputs(g, args);

  Timed compiled, ref;
  // The reference runs the graph as written; the library gets the optimized one.
  if (engine != "reference") compiled = run_compiled(optimize(g, args, nullptr), inputs, args);
  if (engine != "compiled") ref = run_reference(g, inputs, args);
  const Timed &shown = engine == "reference" ? ref : compiled;
  print_outputs(g, shown.outputs);
  if (engine != "reference") std::printf("latency (compiled library): %.4f ms (median)\n", compiled.median_ms);
  if (engine != "compiled") std::printf("latency (reference interpreter): %.4f ms (median)\n", ref.median_ms);
  if (engine == "both") {
    double max_diff = 0;
    for (size_t i = 0; i < ref.outputs.size(); i++)
      for (int64_t k = 0; k < ref.outputs[i].numel(); k++)
        max_diff = std::max(max_diff, (double)std::fabs(ref.outputs[i].data[k] - compiled.outputs[i].data[k]));
    std::printf("max |compiled - reference| = %.3g; speed-up %.1fx\n", max_diff, ref.median_ms / compiled.median_ms);
  }
  if (auto out = args.get("o")) {
    std::vector<std::vector<float>> arrays;
    for (const auto &t : shown.outputs) arrays.push_back(t.data);
    write_raw_floats(*out, arrays);
  }
  return 0;
}

}  // namespace kiln::tools
