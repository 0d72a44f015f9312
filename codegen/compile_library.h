// `kiln compile`: a graph in, libNAME.so, libNAME.a and NAME.h out.
//
// Every node is lowered to Halide and compiled ahead of time (through the
// kernel cache); the kernels, Halide's runtime, the weights and the
// generated plan are linked into one relocatable object whose only global
// symbols are the NAME_* API, and that object is packed as a shared and a
// static library. Everything is built in a scratch folder inside the output
// folder and renamed into place at the end: a failed compile leaves no
// library behind.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "Halide.h"
#include "codegen/schedules/schedule_knobs.h"
#include "ir/graph.h"
#include "passes/plan_memory.h"

namespace kiln::codegen {

// A tuned choice for one kernel (a tuning record, docs/tuning.md): the conv
// algorithm to set on the node ("" keeps the node's) and the schedule knobs.
struct TunedChoice {
  std::string algorithm;
  schedules::ScheduleKnobs knobs;
};
using TunedLookup = std::function<std::optional<TunedChoice>(
    const ir::Graph &, const ir::Node &, const Halide::Target &)>;

struct CompileOptions {
  std::string out_dir;
  std::string name;              // default: the graph's name
  std::string target = "host";   // or a Halide target string
  std::string cache_dir;         // "" disables the kernel cache
  std::function<void(const std::string &)> progress;  // one line per step; may be empty
  // A training graph of the model (passes/autodiff.h): the library also
  // gets NAME_train_step and the weights accessors (docs/training.md). Its
  // parameters include every parameter of the model, by name.
  const ir::Graph *train_graph = nullptr;
  // Tuned schedules by kernel (tune/tuning_db.h); empty or nullopt: defaults.
  TunedLookup tuned;
};

struct KernelReport {
  std::string node, op, fn_name, schedule;
  bool from_cache = false;
  double seconds = 0;
  bool tuned = false;  // compiled with a tuned choice (CompileOptions::tuned)
};

struct CompileReport {
  std::string name;
  std::vector<KernelReport> kernels;
  passes::MemoryPlan memory;
  int64_t weights_bytes = 0;
  std::string shared_library, static_library, header;
};

// Throws UserError (bad name, target, toolchain failure) or InternalError.
CompileReport compile_library(const ir::Graph &g, const CompileOptions &options);

// True when `name` is a C identifier ([A-Za-z_][A-Za-z0-9_]*).
bool is_c_identifier(const std::string &name);

}  // namespace kiln::codegen
