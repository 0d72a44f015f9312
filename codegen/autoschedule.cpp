#include "codegen/autoschedule.h"

#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "ir/errors.h"

namespace fs = std::filesystem;

namespace kiln::codegen {

namespace {

// "Mullapudi2016" -> "mullapudi2016"
std::string lower_case(std::string s) {
  for (char &c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string plugin_dir() {
  if (const char *d = std::getenv("KILN_HALIDE_PLUGIN_DIR"); d && *d) return d;
  Dl_info info{};
  if (::dladdr(reinterpret_cast<void *>(&Halide::load_plugin), &info) && info.dli_fname)
    return fs::path(info.dli_fname).parent_path().string();
  return "";
}

Halide::Region region_of(const ir::Shape &view) {
  Halide::Region r;
  for (auto it = view.rbegin(); it != view.rend(); ++it)
    r.push_back(Halide::Range(0, static_cast<int>(*it)));
  return r;
}

// Parameters each autoscheduler needs (the rest keep their defaults).
std::map<std::string, std::string> params_for(const std::string &name) {
  std::string threads = std::to_string(std::max(1u, std::thread::hardware_concurrency()));
  if (name == "Mullapudi2016")
    return {{"parallelism", threads}, {"last_level_cache_size", "16777216"}, {"balance", "40"}};
  if (name == "Adams2019" || name == "Li2018" || name == "Anderson2021")
    return {{"parallelism", threads}};
  return {};
}

}  // namespace

std::string autoscheduler_plugin(const std::string &name) {
  std::string dir = plugin_dir();
  if (dir.empty()) return "";
  fs::path p = fs::path(dir) / ("libautoschedule_" + lower_case(name) + ".so");
  return fs::exists(p) ? p.string() : "";
}

std::vector<std::string> autoschedulers_for(const Halide::Target &target) {
  std::vector<std::string> want =
      target.has_gpu_feature() ? std::vector<std::string>{"Anderson2021"}
                               : std::vector<std::string>{"Mullapudi2016", "Adams2019", "Li2018"};
  std::vector<std::string> out;
  for (const std::string &name : want)
    if (!autoscheduler_plugin(name).empty()) out.push_back(name);
  return out;
}

void autoschedule(LoweredKernel &k, const std::string &name, const Halide::Target &target) {
  if (!k.unscheduled) throw InternalError("autoscheduler " + name + " given a scheduled kernel");
  static std::mutex mutex;
  static std::set<std::string> loaded;
  {
    std::lock_guard<std::mutex> lock(mutex);
    if (!loaded.count(name)) {
      std::string path = autoscheduler_plugin(name);
      if (path.empty())
        throw UserError("Halide autoscheduler " + name + ": no libautoschedule_" +
                        lower_case(name) + ".so in '" + plugin_dir() +
                        "' (set KILN_HALIDE_PLUGIN_DIR)");
      Halide::load_plugin(path);
      loaded.insert(name);
    }
  }
  for (size_t i = 0; i < k.params.size(); i++)
    k.params[i].set_estimates(region_of(k.input_views[i]));
  std::vector<Halide::Func> outs = k.pipeline.outputs();
  for (size_t i = 0; i < outs.size(); i++) outs[i].set_estimates(region_of(k.output_views[i]));
  k.pipeline.apply_autoscheduler(target, Halide::AutoschedulerParams(name, params_for(name)));
  k.schedule = "autoscheduler " + name + " on: " + k.schedule;
}

}  // namespace kiln::codegen
