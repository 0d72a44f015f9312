// Helpers shared by the end-to-end and CLI tests.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace kiln::testing {

// A fresh folder under the system temp folder, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "kiln-test-XXXXXX").string();
    path_ = mkdtemp(templ.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path &path() const { return path_; }
  std::string operator/(const std::string &name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs a shell command line, capturing its output.
inline CommandResult run_shell(const std::string &command) {
  CommandResult r;
  std::string full = command + " 2>&1";
  FILE *p = popen(full.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline void write_floats(const std::string &path, const std::vector<std::vector<float>> &arrays) {
  std::ofstream out(path, std::ios::binary);
  for (const auto &a : arrays) out.write(reinterpret_cast<const char *>(a.data()), a.size() * 4);
}

inline std::vector<float> read_floats(const std::string &path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  std::vector<float> data(static_cast<size_t>(in.tellg()) / 4);
  in.seekg(0);
  in.read(reinterpret_cast<char *>(data.data()), data.size() * 4);
  return data;
}

// Uniform in [-1, 1), deterministic.
inline std::vector<float> random_floats(int64_t count, uint64_t seed) {
  std::vector<float> v(count);
  uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
  for (auto &x : v) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    x = static_cast<float>(s >> 40) / 16777216.0f * 2.0f - 1.0f;
  }
  return v;
}

inline std::string kiln_binary() { return std::string(KILN_BINARY_DIR) + "/tools/kiln"; }
inline std::string source_path(const std::string &rel) { return std::string(KILN_SOURCE_DIR) + "/" + rel; }

}  // namespace kiln::testing
