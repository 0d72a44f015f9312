#include "codegen/kernel_compiler.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

#include "codegen/fingerprint.h"
#include "codegen/hash.h"
#include "ir/errors.h"

namespace fs = std::filesystem;

namespace kiln::codegen {

namespace {

std::string kernel_key(const ir::Graph &g, const ir::Node &n, const Halide::Target &t,
                       const schedules::ScheduleKnobs &tuned) {
  std::string key = "kiln-kernel 1\n";
  key += codegen_fingerprint();
  key += "\nhalide " + std::to_string(HALIDE_VERSION_MAJOR) + "." +
         std::to_string(HALIDE_VERSION_MINOR) + "." + std::to_string(HALIDE_VERSION_PATCH);
  key += "\ntarget " + t.to_string() + "\nop " + n.op + "\n";
  for (const auto &[name, v] : n.attrs.all()) key += "attr " + name + "=" + ir::attr_str(v) + "\n";
  for (int v : n.inputs) key += "in " + ir::type_str(g.value(v).type) + "\n";
  for (int v : n.outputs) key += "out " + ir::type_str(g.value(v).type) + "\n";
  if (!tuned.empty()) key += "tuned " + tuned.str() + "\n";
  return content_hash(key);
}

// Writes via a temp name and renames, so a concurrent reader of the cache
// never sees half an object.
template <typename Write>
void write_atomically(const std::string &path, Write write) {
  std::string tmp = path + "." + std::to_string(getpid()) + ".tmp.o";
  write(tmp);
  fs::rename(tmp, path);
}

}  // namespace

Halide::Target parse_target(const std::string &spec) {
  if (spec.empty() || spec == "host") return Halide::get_host_target();
  if (!Halide::Target::validate_target_string(spec))
    throw UserError("unknown target '" + spec +
                    "' (use 'host' or a Halide target string such as x86-64-linux-avx2)");
  return Halide::Target(spec);
}

std::string default_cache_dir() {
  if (const char *d = std::getenv("KILN_CACHE_DIR"); d && *d) return d;
  if (const char *d = std::getenv("XDG_CACHE_HOME"); d && *d) return std::string(d) + "/kiln";
  if (const char *d = std::getenv("HOME"); d && *d) return std::string(d) + "/.cache/kiln";
  return (fs::temp_directory_path() / "kiln-cache").string();
}

KernelCompiler::KernelCompiler(Halide::Target target, std::string cache_dir,
                               std::string scratch_dir)
    : target_(std::move(target)), cache_dir_(std::move(cache_dir)),
      scratch_dir_(std::move(scratch_dir)) {
  // Objects are linked from the scratch folder: keep every path absolute.
  if (!cache_dir_.empty()) cache_dir_ = fs::absolute(cache_dir_).string();
  scratch_dir_ = fs::absolute(scratch_dir_).string();
  if (!cache_dir_.empty()) {
    std::error_code ec;
    fs::create_directories(cache_dir_, ec);
    if (ec) throw UserError("cannot create the kernel cache " + cache_dir_ + ": " + ec.message());
  }
}

std::string KernelCompiler::object_path(const std::string &key) const {
  return (cache_dir_.empty() ? scratch_dir_ : cache_dir_) + "/" + key + ".o";
}

CompiledKernel KernelCompiler::compile(const ir::Graph &g, const ir::Node &node,
                                       const schedules::ScheduleKnobs &tuned) {
  CompiledKernel k;
  LowerRequest request{node, g.input_types(node), {}, target_, tuned};
  for (int v : node.outputs) request.outputs.push_back(g.value(v).type);
  // Halide's errors are not std::exceptions: keep their message.
  try {
    k.lowered = lower_node(request);
  } catch (const Halide::Error &e) {
    throw InternalError("lowering node '" + node.name + "' (" + node.op + "): " + e.what());
  }
  std::string key = kernel_key(g, node, target_, tuned);
  k.fn_name = "kiln_k_" + key;
  k.object_path = object_path(key);
  if (!cache_dir_.empty() && fs::exists(k.object_path)) {
    k.from_cache = true;
    return k;
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<Halide::Argument> args(k.lowered.params.begin(), k.lowered.params.end());
  try {
    write_atomically(k.object_path, [&](const std::string &tmp) {
      k.lowered.pipeline.compile_to_object(tmp, args, k.fn_name,
                                           target_.with_feature(Halide::Target::NoRuntime));
    });
  } catch (const Halide::Error &e) {
    throw InternalError("compiling node '" + node.name + "' (" + node.op + "): " + e.what());
  }
  k.compile_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return k;
}

std::string KernelCompiler::runtime_object() {
  std::string key = content_hash("kiln-halide-runtime 1\n" + target_.to_string() + "\n" +
                                 std::to_string(HALIDE_VERSION_MAJOR) + "." +
                                 std::to_string(HALIDE_VERSION_MINOR));
  std::string path = object_path("runtime_" + key);
  if (cache_dir_.empty() || !fs::exists(path))
    write_atomically(path, [&](const std::string &tmp) {
      Halide::compile_standalone_runtime(tmp, target_);
    });
  return path;
}

}  // namespace kiln::codegen
