#include "codegen/compile_library.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "codegen/emit_c.h"
#include "codegen/kernel_compiler.h"
#include "codegen/subprocess.h"
#include "embedded_files.h"
#include "ir/errors.h"
#include "ir/ops/winograd.h"
#include "ir/verifier.h"
#include "passes/eliminate_concat.h"

namespace fs = std::filesystem;

namespace kiln::codegen {

namespace {

// A scratch folder inside the output folder (so renames stay on one file
// system), removed when it goes out of scope, success or not.
class ScratchDir {
 public:
  explicit ScratchDir(const fs::path &parent) {
    std::string templ = (parent / ".kiln-build-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw UserError("cannot create a scratch folder in " + parent.string());
    path_ = templ;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path &path() const { return path_; }

 private:
  fs::path path_;
};

void write_text(const fs::path &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw UserError("cannot write " + path.string());
}

void write_weights_blob(const ir::Graph &g, const WeightsLayout &layout, const fs::path &path) {
  std::vector<char> blob(static_cast<size_t>(layout.total_bytes) + 64, 0);
  for (int id : g.param_ids()) {
    const auto &data = *g.value(id).data;
    std::memcpy(blob.data() + layout.offset[id], data.data(), data.size() * sizeof(float));
  }
  std::ofstream out(path, std::ios::binary);
  out.write(blob.data(), static_cast<std::streamsize>(blob.size()));
  if (!out) throw UserError("cannot write " + path.string());
}

// The weights as read-only data in their own object, by .incbin: fast for
// hundreds of megabytes, where a C array literal would take minutes.
std::string weights_assembly() {
  return "  .section .rodata\n"
         "  .balign 64\n"
         "  .globl kiln_weights_data\n"
         "  .type kiln_weights_data, @object\n"
         "kiln_weights_data:\n"
         "  .incbin \"weights.bin\"\n"
         "  .section .note.GNU-stack,\"\",@progbits\n";
}

std::vector<std::string> api_symbols(const std::string &n, bool training) {
  std::vector<std::string> syms = {"create", "destroy", "run", "error_message", "status_string",
                                   "set_num_threads", "num_inputs", "num_outputs", "arena_bytes",
                                   "num_steps", "step_name", "run_profiled"};
  if (training)
    for (const char *s : {"labels_size", "train_step", "weights_bytes", "get_weights", "set_weights",
                          "save_checkpoint", "load_checkpoint", "evaluate", "confusion_add",
                          "classification_metrics"})
      syms.push_back(s);
  for (const char *kind : {"input", "output"})
    for (const char *what : {"name", "rank", "shape", "size"})
      syms.push_back(std::string(kind) + "_" + what);
  for (auto &s : syms) s = n + "_" + s;
  return syms;
}

// The training plan of `t`, checked against the model `g`: the model's
// inputs then one labels input, and every parameter of g in t by name.
std::unique_ptr<TrainingPlan> plan_training(const ir::Graph &g, const ir::Graph &t,
                                            std::vector<PlanStep> steps) {
  ir::verify_or_throw(t, "compile (training graph)");
  if (t.inputs.size() != g.inputs.size() + 1 || t.outputs.size() != 1)
    throw InternalError("the training graph must take the model's inputs and the labels and output the loss");
  for (size_t i = 0; i < g.inputs.size(); i++)
    if (t.value(t.inputs[i]).name != g.value(g.inputs[i]).name || t.value(t.inputs[i]).type != g.value(g.inputs[i]).type)
      throw InternalError("training input " + std::to_string(i) + " is not the model's input '" + g.value(g.inputs[i]).name + "'");
  for (int id : g.param_ids()) {
    int tid = t.find_value(g.value(id).name);
    if (tid < 0 || t.value(tid).kind != ir::ValueKind::Param || t.value(tid).type != g.value(id).type)
      throw InternalError("the training graph lacks the model's parameter '" + g.value(id).name + "'");
  }
  auto plan = std::make_unique<TrainingPlan>();
  plan->graph = &t;
  plan->steps = std::move(steps);
  plan->memory = passes::plan_memory(t);
  plan->weights = layout_weights(t);
  return plan;
}

// The model's parameters at their offsets in the training layout.
WeightsLayout weights_by_name(const ir::Graph &g, const TrainingPlan &train) {
  WeightsLayout w;
  w.offset.assign(g.values.size(), -1);
  for (int id : g.param_ids()) w.offset[id] = train.weights.offset[train.graph->find_value(g.value(id).name)];
  w.total_bytes = train.weights.total_bytes;
  return w;
}

void progress(const CompileOptions &o, const std::string &line) {
  if (o.progress) o.progress(line);
}

}  // namespace

bool is_c_identifier(const std::string &name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

namespace {
CompileReport compile_into(const ir::Graph &g, const CompileOptions &options);
}

CompileReport compile_library(const ir::Graph &g, const CompileOptions &options) {
  // A folder this compile created is removed again if the compile fails.
  bool created = !fs::exists(options.out_dir);
  try {
    return compile_into(g, options);
  } catch (...) {
    std::error_code ec;
    if (created && fs::is_empty(options.out_dir, ec)) fs::remove(options.out_dir, ec);
    throw;
  }
}

namespace {

CompileReport compile_into(const ir::Graph &g, const CompileOptions &options) {
  CompileReport report;
  report.name = options.name.empty() ? g.name : options.name;
  const std::string &n = report.name;
  if (!is_c_identifier(n))
    throw UserError("the library name '" + n + "' is not a C identifier ([A-Za-z_][A-Za-z0-9_]*)");
  ir::verify_or_throw(g, "compile");
  for (size_t i = 0; i < g.outputs.size(); i++) {
    if (g.value(g.outputs[i]).kind != ir::ValueKind::Activation)
      throw UserError("output '" + g.value(g.outputs[i]).name +
                      "' is not computed by any node (kiln compiles computations)");
    for (size_t j = 0; j < i; j++)
      if (g.outputs[i] == g.outputs[j])
        throw UserError("output '" + g.value(g.outputs[i]).name + "' is listed twice");
  }
  Halide::Target target = parse_target(options.target);

  fs::path out_dir = options.out_dir;
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  if (ec) throw UserError("cannot create the output folder " + out_dir.string() + ": " + ec.message());
  ScratchDir scratch(out_dir);
  const fs::path &dir = scratch.path();

  report.memory = passes::plan_memory(g);
  KernelCompiler compiler(target, options.cache_dir, dir.string());
  std::map<std::string, std::string> objects;  // fn name -> object path
  auto compile_steps = [&](const ir::Graph &graph, const std::string &label) {
    std::vector<PlanStep> steps;
    for (size_t i = 0; i < graph.nodes.size(); i++) {
      const ir::Node &node = graph.nodes[i];
      const std::string count = label + "[" + std::to_string(i + 1) + "/" + std::to_string(graph.nodes.size()) + "]";
      if (passes::is_elided(node)) {
        progress(options, count + " " + node.op + " " + node.name + ": in place, no kernel");
        continue;
      }
      // Outputs with no elements (an empty tensor): nothing to compute.
      if (std::all_of(node.outputs.begin(), node.outputs.end(),
                      [&](int v) { return graph.value(v).type.numel() == 0; })) {
        progress(options, count + " " + node.op + " " + node.name + ": no elements, no kernel");
        continue;
      }
      std::optional<TunedChoice> tuned;
      if (options.tuned) tuned = options.tuned(graph, node, target);
      // A conv reading its Winograd-transformed filter runs that Winograd
      // only: a record naming another algorithm (the graph was optimized
      // without the database's algorithms) is left unused.
      if (tuned && ir::ops::weights_pretransformed(node.attrs) && !tuned->algorithm.empty() &&
          tuned->algorithm != node.attrs.get_string("algorithm"))
        tuned.reset();
      ir::Node chosen = node;
      if (tuned && !tuned->algorithm.empty()) chosen.attrs.set("algorithm", tuned->algorithm);
      CompiledKernel k = compiler.compile(graph, chosen, tuned ? tuned->knobs : schedules::ScheduleKnobs{});
      char line[512];
      std::snprintf(line, sizeof line, "%s %-12s %-20s %s", count.c_str(), node.op.c_str(), node.name.c_str(),
                    (k.from_cache ? std::string("(cached)") : std::to_string(k.compile_seconds).substr(0, 4) + "s").append(tuned ? " tuned" : "").c_str());
      progress(options, line);
      objects[k.fn_name] = k.object_path;
      steps.push_back({static_cast<int>(i), k.fn_name, k.lowered.input_views, k.lowered.output_views});
      report.kernels.push_back({node.name, node.op, k.fn_name, k.lowered.schedule, k.from_cache,
                                k.compile_seconds, tuned.has_value()});
    }
    return steps;
  };
  std::vector<PlanStep> steps = compile_steps(g, "");
  std::unique_ptr<TrainingPlan> train;
  if (options.train_graph) train = plan_training(g, *options.train_graph, compile_steps(*options.train_graph, "train "));
  progress(options, "linking lib" + n + ".so and lib" + n + ".a");

  // A training library lays out the training graph's parameters (a superset
  // of the model's); the inference plan finds its parameters there by name.
  WeightsLayout weights = train ? weights_by_name(g, *train) : layout_weights(g);
  report.weights_bytes = train ? train->weights.total_bytes : weights.total_bytes;
  for (const auto &f : embedded_runtime_files()) write_text(dir / f.name, f.text);
  write_text(dir / (n + ".h"), emit_header(g, n, report.memory, train.get()));
  write_text(dir / (n + "_model.c"), emit_model_source(g, n, steps, report.memory, weights, train.get()));
  if (train)
    write_weights_blob(*train->graph, train->weights, dir / "weights.bin");
  else
    write_weights_blob(g, weights, dir / "weights.bin");
  write_text(dir / "weights.S", weights_assembly());
  std::string syms;
  for (const auto &s : api_symbols(n, train != nullptr)) syms += s + "\n";
  write_text(dir / "api.syms", syms);

  const std::string cc = c_compiler(), d = dir.string();
  run_command({cc, "-O2", "-fPIC", "-std=gnu11", "-c", n + "_model.c", "-o", "model.o"}, d);
  run_command({cc, "-c", "weights.S", "-o", "weights.o"}, d);
  std::vector<std::string> link = {"ld", "-r", "-o", "all.o", "model.o", "weights.o",
                                   compiler.runtime_object()};
  for (const auto &[fn, path] : objects) link.push_back(path);
  run_command(link, d);
  // Only the API stays global: two kiln libraries can live in one program.
  run_command({"objcopy", "--keep-global-symbols=api.syms", "all.o", n + ".o"}, d);
  run_command({cc, "-shared", "-o", "lib" + n + ".so", n + ".o", "-lpthread", "-ldl", "-lm"}, d);
  run_command({"ar", "rcs", "lib" + n + ".a", n + ".o"}, d);

  // Rename into place: each file appears whole or not at all.
  for (std::string f : {"lib" + n + ".so", "lib" + n + ".a", n + ".h"}) {
    fs::rename(dir / f, out_dir / f, ec);
    if (ec) throw UserError("cannot move " + f + " into " + out_dir.string() + ": " + ec.message());
  }
  report.shared_library = (out_dir / ("lib" + n + ".so")).string();
  report.static_library = (out_dir / ("lib" + n + ".a")).string();
  report.header = (out_dir / (n + ".h")).string();
  return report;
}

}  // namespace

}  // namespace kiln::codegen
