// A generated library opened with dlopen, for `kiln run`, `kiln bench` and
// tests: the NAME_* API of one libNAME.so behind a small C++ class.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::codegen {

struct TensorInfo {
  std::string name;
  std::vector<int64_t> shape;
  int64_t size = 0;
};

class LoadedLibrary {
 public:
  // Opens `so_path` and binds the API of model `name`; throws UserError.
  LoadedLibrary(const std::string &so_path, const std::string &name);
  ~LoadedLibrary();
  LoadedLibrary(const LoadedLibrary &) = delete;
  LoadedLibrary &operator=(const LoadedLibrary &) = delete;

  const std::vector<TensorInfo> &inputs() const { return inputs_; }
  const std::vector<TensorInfo> &outputs() const { return outputs_; }
  size_t arena_bytes() const { return arena_bytes_(); }
  void set_num_threads(int n) const { set_num_threads_(n); }
  // The plan's kernel calls (graph node names, in run order), for profiling.
  const std::vector<std::string> &step_names() const { return step_names_; }

  // An instance of the model; run() throws UserError with the library's
  // message when the library reports an error.
  class Instance {
   public:
    explicit Instance(const LoadedLibrary &lib);
    ~Instance();
    Instance(const Instance &) = delete;
    Instance &operator=(const Instance &) = delete;
    void run(const std::vector<const float *> &inputs, const std::vector<float *> &outputs);
    // Calls the raw API and returns its status (for tests of error paths).
    int run_status(const float *const *inputs, float *const *outputs);
    // Like run(), and returns each step's wall time in seconds (step_names()
    // order).
    std::vector<double> run_profiled(const std::vector<const float *> &inputs,
                                     const std::vector<float *> &outputs);
    std::string error_message() const;

   private:
    const LoadedLibrary &lib_;
    void *model_ = nullptr;
  };

 private:
  void *sym(const std::string &name) const;
  std::vector<TensorInfo> read_infos(const char *kind) const;

  void *handle_ = nullptr;
  std::string name_;
  std::vector<TensorInfo> inputs_, outputs_;
  std::vector<std::string> step_names_;
  int (*create_)(void **) = nullptr;
  void (*destroy_)(void *) = nullptr;
  int (*run_)(void *, const float *const *, float *const *) = nullptr;
  const char *(*error_message_)(const void *) = nullptr;
  const char *(*status_string_)(int) = nullptr;
  size_t (*arena_bytes_)(void) = nullptr;
  void (*set_num_threads_)(int) = nullptr;
  int (*run_profiled_)(void *, const float *const *, float *const *, double *) = nullptr;
};

}  // namespace kiln::codegen
