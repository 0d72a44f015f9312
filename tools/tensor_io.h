// Reading and writing raw tensors for the CLI: little-endian float32, no
// header (the model fixes the shapes), and seeded random inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiln::tools {

// Reads exactly `count` floats from `path`; UserError naming the file and
// the expected size otherwise.
std::vector<float> read_raw_floats(const std::string &path, int64_t count);
// Writes the arrays one after another, atomically (temp file, rename).
void write_raw_floats(const std::string &path, const std::vector<std::vector<float>> &arrays);
// Uniform in [-1, 1) from splitmix64(seed), the same on every platform.
std::vector<float> random_floats(int64_t count, uint64_t seed);

}  // namespace kiln::tools
