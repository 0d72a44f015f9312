// Content hashes for cache keys: two independent 64-bit FNV-1a hashes, as 32
// hex digits. Not cryptographic; collisions between kernels are what matter.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace kiln::codegen {

inline uint64_t fnv1a64(const std::string &text, uint64_t basis) {
  uint64_t h = basis;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

inline std::string content_hash(const std::string &text) {
  char buf[33];
  std::snprintf(buf, sizeof buf, "%016llx%016llx",
                static_cast<unsigned long long>(fnv1a64(text, 0xcbf29ce484222325ull)),
                static_cast<unsigned long long>(fnv1a64(text, 0x84222325cbf29ce4ull)));
  return buf;
}

}  // namespace kiln::codegen
