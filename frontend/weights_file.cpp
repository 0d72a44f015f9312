// The weights file (docs/spec.md, "The weights file"): little-endian,
// "KILNWTS1", a u32 count, then per tensor: u32 name length, name, u32 dtype
// (0: float32), u32 rank, rank x i64 dims, float32 data. Numbers are encoded
// byte by byte, so the file is the same whatever the host's byte order.
#include "frontend/weights_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "ir/errors.h"

namespace kiln::frontend {

namespace {

constexpr char kMagic[8] = {'K', 'I', 'L', 'N', 'W', 'T', 'S', '1'};
constexpr uint32_t kFloat32 = 0;
// Far above any real model; past them the file is damaged, not big.
constexpr uint32_t kMaxNameLength = 4096, kMaxRank = 8;

void put_le(std::string &out, uint64_t v, int bytes) {
  for (int k = 0; k < bytes; k++) out.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
}

uint64_t get_le(const unsigned char *p, int bytes) {
  uint64_t v = 0;
  for (int k = 0; k < bytes; k++) v |= static_cast<uint64_t>(p[k]) << (8 * k);
  return v;
}

uint32_t float_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

float bits_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// One tensor's record, ready to write.
std::string encode_tensor(const ir::Value &v) {
  if (!v.data || static_cast<int64_t>(v.data->size()) != v.type.numel())
    throw InternalError("parameter '" + v.name + "' has no data of its shape");
  std::string out;
  out.reserve(16 + v.name.size() + 8 * v.type.shape.size() + 4 * v.data->size());
  put_le(out, v.name.size(), 4);
  out += v.name;
  put_le(out, kFloat32, 4);
  put_le(out, static_cast<uint64_t>(v.type.rank()), 4);
  for (int64_t d : v.type.shape) put_le(out, static_cast<uint64_t>(d), 8);
  for (float f : *v.data) put_le(out, float_bits(f), 4);
  return out;
}

// Reads a weights file front to back; every read is checked against the
// bytes left, so a truncated or damaged file is an error, not an allocation
// of garbage size.
class Reader {
 public:
  explicit Reader(const std::string &path) : path_(path), in_(path, std::ios::binary) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) fail("no such weights file");
    left_ = std::filesystem::file_size(path, ec);
    if (!in_ || ec) fail("cannot open the weights file");
  }

  [[noreturn]] void fail(const std::string &message) const {
    throw UserError(path_ + ": " + message);
  }

  uint64_t left() const { return left_; }
  uint32_t u32(const std::string &what) { return static_cast<uint32_t>(number(4, what)); }
  int64_t i64(const std::string &what) { return static_cast<int64_t>(number(8, what)); }
  std::string bytes(size_t n, const std::string &what) {
    std::string s(n, '\0');
    read(s.data(), n, what);
    return s;
  }
  std::vector<float> floats(uint64_t n, const std::string &what) {
    if (n > left_ / 4) fail("the file is truncated: it ends inside " + what);
    std::vector<unsigned char> raw = raw_bytes(4 * n, what);
    std::vector<float> out(n);
    for (size_t k = 0; k < n; k++)
      out[k] = bits_float(static_cast<uint32_t>(get_le(&raw[4 * k], 4)));
    return out;
  }

 private:
  uint64_t number(int size, const std::string &what) {
    unsigned char b[8];
    read(b, size, what);
    return get_le(b, size);
  }
  std::vector<unsigned char> raw_bytes(size_t n, const std::string &what) {
    std::vector<unsigned char> raw(n);
    read(raw.data(), n, what);
    return raw;
  }
  void read(void *dst, size_t n, const std::string &what) {
    if (n > left_) fail("the file is truncated: it ends inside " + what);
    in_.read(static_cast<char *>(dst), static_cast<std::streamsize>(n));
    if (static_cast<size_t>(in_.gcount()) != n) fail("cannot read " + what);
    left_ -= n;
  }

  std::string path_;
  std::ifstream in_;
  uint64_t left_ = 0;
};

struct Stored {
  ir::Shape shape;
  std::vector<float> data;
};

// The next tensor record; `index` counts from 0.
std::pair<std::string, Stored> read_tensor(Reader &r, uint32_t index, uint32_t count) {
  const std::string tensor = "tensor " + std::to_string(index + 1) + " of " + std::to_string(count);
  uint32_t length = r.u32("the name length of " + tensor);
  if (length > kMaxNameLength)
    r.fail(tensor + " has a name of " + std::to_string(length) +
           " bytes, more than kiln's limit of " + std::to_string(kMaxNameLength) +
           " (is the file damaged?)");
  std::string name = r.bytes(length, "the name of " + tensor);
  const std::string param = "parameter '" + name + "' (" + tensor + ")";
  if (uint32_t dtype = r.u32("the dtype of " + param); dtype != kFloat32)
    r.fail(param + " has dtype " + std::to_string(dtype) + "; kiln reads float32 (0) only");
  uint32_t rank = r.u32("the rank of " + param);
  if (rank > kMaxRank)
    r.fail(param + " has rank " + std::to_string(rank) + ", more than kiln's limit of " +
           std::to_string(kMaxRank) + " (is the file damaged?)");
  Stored s;
  // The element count, saturating just past what the bytes left could hold.
  const uint64_t most = r.left() / 4 + 1;
  uint64_t n = 1;
  for (uint32_t d = 0; d < rank; d++) {
    int64_t dim = r.i64("the shape of " + param);
    if (dim < 0) r.fail(param + " has a negative dimension " + std::to_string(dim));
    s.shape.push_back(dim);
    uint64_t u = static_cast<uint64_t>(dim);
    n = (u != 0 && n > most / u) ? most : n * u;
  }
  s.data = r.floats(n, "the data of " + param);
  return {name, std::move(s)};
}

// A checkpoint of a training library (docs/training.md) also holds the
// training state: the step counter and constants ("train.*") and each
// parameter's optimizer state ("<parameter>.<state>"). Loading it as a
// model's weights skips them.
bool is_training_state(const ir::Graph &g, const std::string &name) {
  if (name.rfind("train.", 0) == 0) return true;
  const size_t dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  const int owner = g.find_value(name.substr(0, dot));
  return owner >= 0 && g.value(owner).kind == ir::ValueKind::Param;
}

}  // namespace

void write_weights(const ir::Graph &g, const std::string &path) {
  static std::atomic<unsigned> serial{0};
  // A unique name beside the target, renamed over it once complete.
  const std::string tmp =
      path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(serial++);
  try {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw UserError(path + ": cannot create the weights file: " + std::strerror(errno));
    std::vector<int> params = g.param_ids();
    std::string header(kMagic, sizeof kMagic);
    put_le(header, params.size(), 4);
    out.write(header.data(), static_cast<std::streamsize>(header.size()));
    for (int id : params) {
      std::string record = encode_tensor(g.value(id));
      out.write(record.data(), static_cast<std::streamsize>(record.size()));
    }
    out.close();  // flushes: a full disk shows here
    if (out.fail())
      throw UserError(path + ": writing the weights file failed: " + std::strerror(errno));
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) throw UserError(path + ": cannot write the weights file: " + ec.message());
  } catch (...) {
    std::remove(tmp.c_str());
    throw;
  }
}

void read_weights_into(ir::Graph &g, const std::string &path) {
  Reader r(path);
  if (r.bytes(sizeof kMagic, "the header") != std::string(kMagic, sizeof kMagic))
    r.fail("not a kiln weights file (it does not start with \"KILNWTS1\")");
  uint32_t count = r.u32("the tensor count");
  std::map<std::string, Stored> stored;
  for (uint32_t i = 0; i < count; i++) {
    auto [name, tensor] = read_tensor(r, i, count);
    if (!stored.emplace(name, std::move(tensor)).second)
      r.fail("parameter '" + name + "' appears twice");
  }
  if (r.left() != 0)
    r.fail(std::to_string(r.left()) + " unexpected bytes after the last of the " +
           std::to_string(count) + " tensors (is the file damaged?)");

  // Check everything before replacing anything.
  std::vector<int> params = g.param_ids();
  for (int id : params) {
    const ir::Value &v = g.value(id);
    auto it = stored.find(v.name);
    if (it == stored.end())
      r.fail("the model's parameter '" + v.name + "' is missing from the file");
    if (it->second.shape != v.type.shape)
      r.fail("parameter '" + v.name + "' has shape " + ir::shape_str(it->second.shape) +
             " in the file, the model expects " + ir::shape_str(v.type.shape));
  }
  if (stored.size() != params.size()) {
    for (const auto &[name, tensor] : stored)
      if ((g.find_value(name) < 0 || g.value(g.find_value(name)).kind != ir::ValueKind::Param) &&
          !is_training_state(g, name))
        r.fail("the file holds '" + name + "', which is not a parameter of the model");
  }
  for (int id : params) {
    auto node = stored.extract(g.values[id].name);
    g.values[id].data = std::make_shared<const std::vector<float>>(std::move(node.mapped().data));
  }
}

}  // namespace kiln::frontend
