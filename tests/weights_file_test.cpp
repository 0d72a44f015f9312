// The weights file (docs/spec.md, "The weights file"): the byte layout, the
// round trip, every way a file can fail to fit a model, and the atomic write.
#include "frontend/weights_file.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>

#include "frontend/json/json_spec.h"
#include "ir/errors.h"
#include "test_util.h"

namespace kiln {
namespace {

using testing::TempDir;

// A small model: conv2d (weight, bias), batch_norm (four), dense (weight only).
ir::Graph model(uint64_t seed, int filters = 3, bool extra_layer = false) {
  std::string layers = R"({"type": "conv2d", "name": "c", "filters": )" + std::to_string(filters) +
                       R"(, "kernel": 3}, {"type": "batch_norm", "name": "bn"}, {"type": "flatten"},
      {"type": "dense", "name": "d", "units": 5, "use_bias": false})";
  if (extra_layer) layers += R"(, {"type": "dense", "name": "e", "units": 2})";
  std::string spec = R"({"name": "m", "input": {"name": "x", "shape": [1, 2, 5, 5]},
      "weights": {"seed": )" +
                     std::to_string(seed) + R"(}, "layers": [)" + layers + "]}";
  return frontend::parse_json_spec(spec, "m.json", ".");
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_file(const std::string &path, const std::string &bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string error_of(const std::function<void()> &f) {
  try {
    f();
  } catch (const UserError &e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a UserError";
  return "";
}

std::string read_error(ir::Graph &g, const std::string &path) {
  return error_of([&] { frontend::read_weights_into(g, path); });
}

void expect_contains(const std::string &message, const std::vector<std::string> &fragments) {
  for (const auto &f : fragments)
    EXPECT_NE(message.find(f), std::string::npos) << "missing '" << f << "' in: " << message;
}

std::vector<std::vector<float>> all_data(const ir::Graph &g) {
  std::vector<std::vector<float>> data;
  for (int id : g.param_ids()) data.push_back(*g.value(id).data);
  return data;
}

uint32_t u32_at(const std::string &bytes, size_t at) {
  uint32_t v = 0;
  for (int k = 0; k < 4; k++)
    v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[at + k])) << (8 * k);
  return v;
}

TEST(WeightsFile, RoundTrip) {
  TempDir dir;
  ir::Graph trained = model(1), fresh = model(2);
  ASSERT_NE(all_data(trained), all_data(fresh));
  frontend::write_weights(trained, dir / "m.weights");
  frontend::read_weights_into(fresh, dir / "m.weights");
  EXPECT_EQ(all_data(trained), all_data(fresh));
  // Nothing else is left in the folder.
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), {}), 1);
}

TEST(WeightsFile, ByteLayout) {
  TempDir dir;
  ir::Graph g = model(1);
  frontend::write_weights(g, dir / "m.weights");
  std::string bytes = read_file(dir / "m.weights");
  ASSERT_GE(bytes.size(), 12u);
  EXPECT_EQ(bytes.substr(0, 8), "KILNWTS1");
  std::vector<int> params = g.param_ids();
  ASSERT_EQ(u32_at(bytes, 8),
            params.size());  // c.weight c.bias bn.gamma bn.beta bn.mean bn.var d.weight

  size_t at = 12;
  for (int id : params) {
    const ir::Value &v = g.value(id);
    ASSERT_EQ(u32_at(bytes, at), v.name.size());
    EXPECT_EQ(bytes.substr(at + 4, v.name.size()), v.name);
    at += 4 + v.name.size();
    EXPECT_EQ(u32_at(bytes, at), 0u) << "dtype of " << v.name;
    ASSERT_EQ(u32_at(bytes, at + 4), static_cast<uint32_t>(v.type.rank()));
    at += 8;
    for (int64_t d : v.type.shape) {
      EXPECT_EQ(u32_at(bytes, at), static_cast<uint32_t>(d));
      EXPECT_EQ(u32_at(bytes, at + 4), 0u);  // the high half of the i64
      at += 8;
    }
    for (float x : *v.data) {
      uint32_t bits;
      std::memcpy(&bits, &x, 4);
      ASSERT_EQ(u32_at(bytes, at), bits) << v.name;
      at += 4;
    }
  }
  EXPECT_EQ(at, bytes.size());
}

TEST(WeightsFile, ModelWithoutParameters) {
  TempDir dir;
  ir::Graph g = frontend::parse_json_spec(
      R"({"name": "m", "input": {"name": "x", "shape": [1, 4]}, "layers": [{"type": "relu"}]})",
      "m.json", ".");
  frontend::write_weights(g, dir / "none.weights");
  EXPECT_EQ(read_file(dir / "none.weights"), std::string("KILNWTS1\0\0\0\0", 12));
  frontend::read_weights_into(g, dir / "none.weights");
}

TEST(WeightsFile, MissingParameter) {
  TempDir dir;
  frontend::write_weights(model(1), dir / "m.weights");
  ir::Graph bigger = model(1, 3, true);
  expect_contains(read_error(bigger, dir / "m.weights"),
                  {dir / "m.weights", "the model's parameter 'e.weight' is missing"});
}

TEST(WeightsFile, ExtraParameter) {
  TempDir dir;
  frontend::write_weights(model(1, 3, true), dir / "m.weights");
  ir::Graph smaller = model(2);
  auto before = all_data(smaller);
  expect_contains(read_error(smaller, dir / "m.weights"),
                  {dir / "m.weights", "'e.", "not a parameter of the model"});
  EXPECT_EQ(all_data(smaller), before);  // nothing replaced
}

TEST(WeightsFile, MisShapedParameter) {
  TempDir dir;
  frontend::write_weights(model(1, 3), dir / "m.weights");
  ir::Graph wider = model(1, 4);
  auto before = all_data(wider);
  expect_contains(read_error(wider, dir / "m.weights"),
                  {dir / "m.weights", "parameter 'c.weight' has shape 3x2x3x3 in the file",
                   "the model expects 4x2x3x3"});
  EXPECT_EQ(all_data(wider), before);
}

TEST(WeightsFile, EveryTruncationIsAnError) {
  TempDir dir;
  auto small = [](uint64_t seed) {
    return frontend::parse_json_spec(
        R"({"name": "m", "input": {"name": "x", "shape": [1, 3]},
        "weights": {"seed": )" +
            std::to_string(seed) + R"(}, "layers": [{"type": "dense", "name": "d", "units": 2}]})",
        "m.json", ".");
  };
  frontend::write_weights(small(1), dir / "m.weights");
  std::string bytes = read_file(dir / "m.weights");
  ir::Graph g = small(2);
  auto before = all_data(g);
  for (size_t n = 0; n < bytes.size(); n++) {
    write_file(dir / "cut.weights", bytes.substr(0, n));
    std::string message = read_error(g, dir / "cut.weights");
    ASSERT_EQ(message.rfind(dir / "cut.weights: the file is truncated: it ends inside ", 0), 0u)
        << "at " << n << " bytes: " << message;
  }
  EXPECT_EQ(all_data(g), before);
  // The first record's data starts after 12 + 4 + 8 ("d.weight") + 4 + 4 + 2 x 8 bytes.
  write_file(dir / "cut.weights", bytes.substr(0, 50));
  expect_contains(read_error(g, dir / "cut.weights"),
                  {"the data of parameter 'd.weight' (tensor 1 of 2)"});
}

TEST(WeightsFile, TrailingBytes) {
  TempDir dir;
  frontend::write_weights(model(1), dir / "m.weights");
  write_file(dir / "long.weights", read_file(dir / "m.weights") + "xyz");
  ir::Graph g = model(2);
  expect_contains(read_error(g, dir / "long.weights"),
                  {"long.weights: 3 unexpected bytes after the last of the 7"});
}

TEST(WeightsFile, BadMagic) {
  TempDir dir;
  frontend::write_weights(model(1), dir / "m.weights");
  std::string bytes = read_file(dir / "m.weights");
  bytes[7] = '2';
  write_file(dir / "bad.weights", bytes);
  ir::Graph g = model(2);
  expect_contains(read_error(g, dir / "bad.weights"),
                  {"bad.weights: not a kiln weights file", "KILNWTS1"});
}

TEST(WeightsFile, DamagedHeaders) {
  TempDir dir;
  frontend::write_weights(model(1), dir / "m.weights");
  const std::string good = read_file(dir / "m.weights");
  ir::Graph g = model(2);
  auto damaged = [&](size_t at, uint32_t value) {
    std::string bytes = good;
    for (int k = 0; k < 4; k++) bytes[at + k] = static_cast<char>(value >> (8 * k));
    write_file(dir / "damaged.weights", bytes);
    return read_error(g, dir / "damaged.weights");
  };
  // The first record: name length at 12, "c.weight" (8 bytes), dtype at 24, rank at 28, dims
  // from 32.
  expect_contains(damaged(12, 1u << 30), {"tensor 1 of 7 has a name of 1073741824 bytes"});
  expect_contains(
      damaged(24, 1),
      {"parameter 'c.weight' (tensor 1 of 7) has dtype 1; kiln reads float32 (0) only"});
  expect_contains(damaged(28, 99), {"parameter 'c.weight' (tensor 1 of 7) has rank 99"});
  expect_contains(damaged(32, 0xffffffffu), {"the file is truncated"});  // a huge dimension
  expect_contains(damaged(36, 0xffffffffu),
                  {"parameter 'c.weight' (tensor 1 of 7) has a negative dimension"});
  expect_contains(damaged(8, 8), {"the file is truncated"});  // one tensor more than written
}

TEST(WeightsFile, DuplicateName) {
  TempDir dir;
  ir::Graph g = frontend::parse_json_spec(R"({"name": "m", "input": {"name": "x", "shape": [1, 4]},
      "layers": [{"type": "dense", "name": "a", "units": 2, "use_bias": false},
                 {"type": "dense", "name": "b", "units": 2, "use_bias": false}]})",
                                          "m.json", ".");
  frontend::write_weights(g, dir / "m.weights");
  std::string bytes = read_file(dir / "m.weights");
  size_t second = bytes.find("b.weight");
  ASSERT_NE(second, std::string::npos);
  bytes[second] = 'a';
  write_file(dir / "twice.weights", bytes);
  expect_contains(read_error(g, dir / "twice.weights"),
                  {"twice.weights: parameter 'a.weight' appears twice"});
}

TEST(WeightsFile, MissingFile) {
  TempDir dir;
  ir::Graph g = model(1);
  expect_contains(read_error(g, dir / "nope.weights"), {"nope.weights: no such weights file"});
}

TEST(WeightsFile, FailedWriteLeavesNothingBehind) {
  TempDir dir;
  ir::Graph g = model(1);
  // Into a missing folder: an error naming the file, and no file.
  expect_contains(error_of([&] { frontend::write_weights(g, dir / "no/such/folder/m.weights"); }),
                  {"m.weights: cannot create the weights file"});
  EXPECT_FALSE(std::filesystem::exists(dir / "no"));

  // Over an existing file, failing half-way: the old file stays as it was.
  frontend::write_weights(model(7), dir / "m.weights");
  const std::string old = read_file(dir / "m.weights");
  ir::Graph broken = model(1);
  int last = broken.param_ids().back();
  broken.values[last].data = std::make_shared<const std::vector<float>>(3, 0.0f);  // not its shape
  EXPECT_THROW(frontend::write_weights(broken, dir / "m.weights"), InternalError);
  EXPECT_EQ(read_file(dir / "m.weights"), old);

  // Over a folder: the rename fails, the folder stays.
  std::filesystem::create_directories(dir / "taken/inside");
  expect_contains(error_of([&] { frontend::write_weights(g, dir / "taken"); }),
                  {"taken: cannot write the weights file"});
  EXPECT_TRUE(std::filesystem::is_directory(dir / "taken/inside"));

  // No temporary file is left anywhere.
  std::vector<std::string> left;
  for (const auto &e : std::filesystem::directory_iterator(dir.path()))
    left.push_back(e.path().filename().string());
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left, (std::vector<std::string>{"m.weights", "taken"}));
}

}  // namespace
}  // namespace kiln
