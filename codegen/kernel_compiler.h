// Compiling one graph node to an object file, ahead of time, with a cache.
//
// Objects are cached by a content hash of the node's op, attributes and
// types, the target, the Halide version and the codegen sources' fingerprint;
// the function name is derived from the same hash, so an object can be
// shared by every model that has the same kernel.
#pragma once

#include <string>

#include "codegen/lowering.h"
#include "ir/graph.h"

namespace kiln::codegen {

struct CompiledKernel {
  std::string fn_name;      // kiln_k_<hash>; the object defines fn_name and fn_name_argv
  std::string object_path;  // in the cache (or the scratch folder without a cache)
  LoweredKernel lowered;
  bool from_cache = false;
  double compile_seconds = 0;
};

// "host" or a Halide target string such as "x86-64-linux-avx2"; UserError if
// Halide does not know it.
Halide::Target parse_target(const std::string &spec);

// $KILN_CACHE_DIR, else $XDG_CACHE_HOME/kiln, else ~/.cache/kiln.
std::string default_cache_dir();

class KernelCompiler {
 public:
  // An empty cache_dir disables caching: objects go to scratch_dir.
  KernelCompiler(Halide::Target target, std::string cache_dir, std::string scratch_dir);

  // `tuned`: a tuned schedule for the node (docs/tuning.md), part of the key.
  CompiledKernel compile(const ir::Graph &g, const ir::Node &node,
                         const schedules::ScheduleKnobs &tuned = {});
  // Halide's runtime for the target, compiled once and cached like kernels.
  std::string runtime_object();
  const Halide::Target &target() const { return target_; }

 private:
  std::string object_path(const std::string &key) const;
  Halide::Target target_;
  std::string cache_dir_, scratch_dir_;
};

}  // namespace kiln::codegen
