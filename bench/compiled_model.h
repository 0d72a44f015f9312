// A graph compiled through kiln's ordinary path (passes already run by the
// caller, kernels through the kernel cache) into a temporary folder, and the
// library opened: what `kiln bench` and the baseline programs time.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench/aligned_floats.h"
#include "codegen/compile_library.h"
#include "codegen/loaded_library.h"
#include "ir/graph.h"

namespace kiln::bench {

class CompiledModel {
 public:
  // `progress` receives the compile's lines (may be empty).
  // `tuned`: tuned schedules (tune/tuning_db.h); empty: the defaults.
  CompiledModel(const ir::Graph &g, std::function<void(const std::string &)> progress,
                codegen::TunedLookup tuned = {});
  ~CompiledModel();
  CompiledModel(const CompiledModel &) = delete;
  CompiledModel &operator=(const CompiledModel &) = delete;

  const codegen::CompileReport &report() const { return report_; }
  const codegen::LoadedLibrary &library() const { return *library_; }

 private:
  std::string dir_;
  codegen::CompileReport report_;
  std::unique_ptr<codegen::LoadedLibrary> library_;
};

// Inputs (uniform in [-1, 1), from `seed`) and outputs sized for a library.
struct ModelBuffers {
  ModelBuffers(const codegen::LoadedLibrary &lib, uint64_t seed);
  std::vector<AlignedFloats> inputs, outputs;  // aligned: no staging copy
  std::vector<const float *> input_ptrs;
  std::vector<float *> output_ptrs;
};

}  // namespace kiln::bench
