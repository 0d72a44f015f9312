#include "codegen/loaded_library.h"

#include <dlfcn.h>

#include "ir/errors.h"

namespace kiln::codegen {

LoadedLibrary::LoadedLibrary(const std::string &so_path, const std::string &name) : name_(name) {
  // RTLD_LOCAL: several libraries with the same model name may be open.
  handle_ = dlopen(so_path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle_) throw UserError("cannot open " + so_path + ": " + dlerror());
  create_ = reinterpret_cast<int (*)(void **)>(sym("create"));
  destroy_ = reinterpret_cast<void (*)(void *)>(sym("destroy"));
  run_ = reinterpret_cast<int (*)(void *, const float *const *, float *const *)>(sym("run"));
  error_message_ = reinterpret_cast<const char *(*)(const void *)>(sym("error_message"));
  status_string_ = reinterpret_cast<const char *(*)(int)>(sym("status_string"));
  arena_bytes_ = reinterpret_cast<size_t (*)(void)>(sym("arena_bytes"));
  set_num_threads_ = reinterpret_cast<void (*)(int)>(sym("set_num_threads"));
  run_profiled_ = reinterpret_cast<int (*)(void *, const float *const *, float *const *, double *)>(
      sym("run_profiled"));
  inputs_ = read_infos("input");
  outputs_ = read_infos("output");
  auto num_steps = reinterpret_cast<int (*)(void)>(sym("num_steps"));
  auto step_name = reinterpret_cast<const char *(*)(int)>(sym("step_name"));
  for (int i = 0; i < num_steps(); i++) step_names_.push_back(step_name(i));
}

LoadedLibrary::~LoadedLibrary() {
  if (handle_) dlclose(handle_);
}

void *LoadedLibrary::sym(const std::string &what) const {
  std::string full = name_ + "_" + what;
  void *p = dlsym(handle_, full.c_str());
  if (!p) throw UserError("the library does not define " + full + " (is the model name right?)");
  return p;
}

std::vector<TensorInfo> LoadedLibrary::read_infos(const char *kind) const {
  std::string k = kind;
  auto count = reinterpret_cast<int (*)(void)>(sym("num_" + k + "s"));
  auto name = reinterpret_cast<const char *(*)(int)>(sym(k + "_name"));
  auto rank = reinterpret_cast<int (*)(int)>(sym(k + "_rank"));
  auto shape = reinterpret_cast<const int64_t *(*)(int)>(sym(k + "_shape"));
  auto size = reinterpret_cast<int64_t (*)(int)>(sym(k + "_size"));
  std::vector<TensorInfo> infos;
  for (int i = 0; i < count(); i++) {
    const int64_t *s = shape(i);
    infos.push_back({name(i), std::vector<int64_t>(s, s + rank(i)), size(i)});
  }
  return infos;
}

LoadedLibrary::Instance::Instance(const LoadedLibrary &lib) : lib_(lib) {
  int rc = lib_.create_(&model_);
  if (rc != 0) throw UserError(std::string("creating the model failed: ") + lib_.status_string_(rc));
}

LoadedLibrary::Instance::~Instance() { lib_.destroy_(model_); }

int LoadedLibrary::Instance::run_status(const float *const *inputs, float *const *outputs) {
  return lib_.run_(model_, inputs, outputs);
}

void LoadedLibrary::Instance::run(const std::vector<const float *> &inputs,
                                  const std::vector<float *> &outputs) {
  if (inputs.size() != lib_.inputs_.size() || outputs.size() != lib_.outputs_.size())
    throw UserError("the model takes " + std::to_string(lib_.inputs_.size()) + " inputs and " +
                    std::to_string(lib_.outputs_.size()) + " outputs");
  int rc = run_status(inputs.data(), outputs.data());
  if (rc != 0) throw UserError("running the model failed: " + error_message());
}

std::vector<double> LoadedLibrary::Instance::run_profiled(const std::vector<const float *> &inputs,
                                                          const std::vector<float *> &outputs) {
  if (inputs.size() != lib_.inputs_.size() || outputs.size() != lib_.outputs_.size())
    throw UserError("the model takes " + std::to_string(lib_.inputs_.size()) + " inputs and " +
                    std::to_string(lib_.outputs_.size()) + " outputs");
  // One spare slot: the library rejects a NULL array, even for zero steps.
  std::vector<double> seconds(lib_.step_names_.size() + 1);
  int rc = lib_.run_profiled_(model_, inputs.data(), outputs.data(), seconds.data());
  if (rc != 0) throw UserError("running the model failed: " + error_message());
  seconds.pop_back();
  return seconds;
}

std::string LoadedLibrary::Instance::error_message() const { return lib_.error_message_(model_); }

}  // namespace kiln::codegen
