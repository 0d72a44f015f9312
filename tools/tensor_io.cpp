#include "tools/tensor_io.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "ir/errors.h"

namespace kiln::tools {

std::vector<float> read_raw_floats(const std::string &path, int64_t count) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw UserError(path + ": cannot open the input file");
  int64_t bytes = static_cast<int64_t>(in.tellg());
  if (bytes != count * 4)
    throw UserError(path + ": expected " + std::to_string(count * 4) + " bytes (" +
                    std::to_string(count) + " float32 values), the file has " +
                    std::to_string(bytes));
  std::vector<float> data(count);
  in.seekg(0);
  in.read(reinterpret_cast<char *>(data.data()), bytes);
  return data;
}

void write_raw_floats(const std::string &path, const std::vector<std::vector<float>> &arrays) {
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    for (const auto &a : arrays)
      out.write(reinterpret_cast<const char *>(a.data()), static_cast<std::streamsize>(a.size() * 4));
    if (!out) {
      std::remove(tmp.c_str());
      throw UserError(path + ": cannot write the output file");
    }
  }
  std::filesystem::rename(tmp, path);
}

std::vector<float> random_floats(int64_t count, uint64_t seed) {
  std::vector<float> data(count);
  uint64_t state = seed;
  for (auto &x : data) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    x = static_cast<float>(z >> 40) / 16777216.0f * 2.0f - 1.0f;
  }
  return data;
}

}  // namespace kiln::tools
