#include "bench/compiled_model.h"

#include <stdlib.h>

#include <filesystem>
#include <random>

#include "codegen/kernel_compiler.h"
#include "ir/errors.h"

namespace fs = std::filesystem;

namespace kiln::bench {

CompiledModel::CompiledModel(const ir::Graph &g,
                             std::function<void(const std::string &)> progress,
                             codegen::TunedLookup tuned) {
  dir_ = (fs::temp_directory_path() / "kiln-bench-XXXXXX").string();
  if (!mkdtemp(dir_.data())) throw UserError("cannot create a temporary folder for the library");
  try {
    codegen::CompileOptions options;
    options.out_dir = dir_;
    options.cache_dir = codegen::default_cache_dir();
    options.progress = std::move(progress);
    options.tuned = std::move(tuned);
    report_ = codegen::compile_library(g, options);
    library_ = std::make_unique<codegen::LoadedLibrary>(report_.shared_library, report_.name);
  } catch (...) {
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

CompiledModel::~CompiledModel() {
  library_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

ModelBuffers::ModelBuffers(const codegen::LoadedLibrary &lib, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (const auto &info : lib.inputs()) {
    inputs.emplace_back(static_cast<size_t>(info.size));
    for (float &v : inputs.back()) v = uniform(rng);
  }
  for (const auto &info : lib.outputs()) outputs.emplace_back(static_cast<size_t>(info.size));
  for (const auto &v : inputs) input_ptrs.push_back(v.data());
  for (auto &v : outputs) output_ptrs.push_back(v.data());
}

}  // namespace kiln::bench
