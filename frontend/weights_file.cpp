// The weights file (docs/spec.md): little-endian, "KILNWTS1", a u32 count,
// then per tensor: u32 name length, name, u32 dtype (0: float32), u32 rank,
// rank x i64 dims, float32 data.
#include "frontend/weights_file.h"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "ir/errors.h"

namespace kiln::frontend {

namespace {

constexpr char kMagic[8] = {'K', 'I', 'L', 'N', 'W', 'T', 'S', '1'};

template <typename T>
void put(std::ofstream &out, T v) {
  out.write(reinterpret_cast<const char *>(&v), sizeof v);
}

class Reader {
 public:
  Reader(const std::string &path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw UserError(path + ": cannot open the weights file");
  }
  template <typename T>
  T get(const std::string &what) {
    T v;
    bytes(&v, sizeof v, what);
    return v;
  }
  void bytes(void *dst, size_t n, const std::string &what) {
    in_.read(static_cast<char *>(dst), static_cast<std::streamsize>(n));
    if (static_cast<size_t>(in_.gcount()) != n)
      throw UserError(path_ + ": the weights file is truncated (while reading " + what + ")");
  }
  bool at_end() { return in_.peek() == EOF; }

 private:
  std::string path_;
  std::ifstream in_;
};

struct Stored {
  ir::Shape shape;
  std::vector<float> data;
};

}  // namespace

void write_weights(const ir::Graph &g, const std::string &path) {
  std::string tmp = path + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary);
    if (!out) throw UserError(path + ": cannot write the weights file");
    out.write(kMagic, sizeof kMagic);
    std::vector<int> params = g.param_ids();
    put<uint32_t>(out, static_cast<uint32_t>(params.size()));
    for (int id : params) {
      const ir::Value &v = g.value(id);
      put<uint32_t>(out, static_cast<uint32_t>(v.name.size()));
      out.write(v.name.data(), static_cast<std::streamsize>(v.name.size()));
      put<uint32_t>(out, 0);
      put<uint32_t>(out, static_cast<uint32_t>(v.type.rank()));
      for (int64_t d : v.type.shape) put<int64_t>(out, d);
      out.write(reinterpret_cast<const char *>(v.data->data()), static_cast<std::streamsize>(v.data->size() * 4));
    }
    if (!out) {
      out.close();
      std::remove(tmp.c_str());
      throw UserError(path + ": writing the weights file failed");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw UserError(path + ": cannot write the weights file: " + ec.message());
  }
}

void read_weights_into(ir::Graph &g, const std::string &path) {
  Reader r(path);
  char magic[8];
  r.bytes(magic, sizeof magic, "the header");
  if (std::memcmp(magic, kMagic, sizeof magic) != 0)
    throw UserError(path + ": not a kiln weights file (bad magic; expected KILNWTS1)");
  uint32_t count = r.get<uint32_t>("the tensor count");
  std::map<std::string, Stored> stored;
  for (uint32_t i = 0; i < count; i++) {
    uint32_t len = r.get<uint32_t>("a name length");
    if (len > 4096) throw UserError(path + ": tensor " + std::to_string(i) + " has an implausible name length");
    std::string name(len, '\0');
    r.bytes(name.data(), len, "a name");
    if (uint32_t dtype = r.get<uint32_t>("the dtype of '" + name + "'"); dtype != 0)
      throw UserError(path + ": parameter '" + name + "' has dtype " + std::to_string(dtype) + "; kiln reads float32 (0)");
    uint32_t rank = r.get<uint32_t>("the rank of '" + name + "'");
    if (rank > 8) throw UserError(path + ": parameter '" + name + "' has an implausible rank " + std::to_string(rank));
    Stored s;
    for (uint32_t d = 0; d < rank; d++) s.shape.push_back(r.get<int64_t>("the shape of '" + name + "'"));
    for (int64_t d : s.shape)
      if (d < 0 || d > (int64_t{1} << 34)) throw UserError(path + ": parameter '" + name + "' has a bad shape");
    s.data.resize(ir::numel(s.shape));
    r.bytes(s.data.data(), s.data.size() * 4, "the data of '" + name + "'");
    if (!stored.emplace(name, std::move(s)).second)
      throw UserError(path + ": parameter '" + name + "' appears twice");
  }
  if (!r.at_end()) throw UserError(path + ": unexpected bytes after the last tensor");
  for (int id : g.param_ids()) {
    ir::Value &v = g.values[id];
    auto it = stored.find(v.name);
    if (it == stored.end()) throw UserError(path + ": the model's parameter '" + v.name + "' is missing");
    if (it->second.shape != v.type.shape)
      throw UserError(path + ": parameter '" + v.name + "' has shape " + ir::shape_str(it->second.shape) +
                      ", the model expects " + ir::shape_str(v.type.shape));
    v.data = std::make_shared<const std::vector<float>>(std::move(it->second.data));
    stored.erase(it);
  }
  if (!stored.empty())
    throw UserError(path + ": parameter '" + stored.begin()->first + "' is not in the model");
}

}  // namespace kiln::frontend
