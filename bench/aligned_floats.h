// 64-byte aligned float storage for the benchmark programs' inputs and
// outputs. kiln's runtime copies a caller's tensor that is not 64-byte
// aligned through an aligned staging buffer (runtime/kiln_runtime.c), and a
// large std::vector<float> sits 16 bytes past a page, so a benchmark with
// plain vectors would time that copy of the whole input and output too.
#pragma once

#include <cstdlib>
#include <new>
#include <vector>

namespace kiln::bench {

template <class T>
struct Aligned64 {
  using value_type = T;
  Aligned64() = default;
  template <class U>
  Aligned64(const Aligned64<U> &) {}
  T *allocate(size_t n) {
    void *p = std::aligned_alloc(64, (n * sizeof(T) + 63) / 64 * 64);
    if (!p) throw std::bad_alloc();
    return static_cast<T *>(p);
  }
  void deallocate(T *p, size_t) { std::free(p); }
  template <class U>
  bool operator==(const Aligned64<U> &) const {
    return true;
  }
  template <class U>
  bool operator!=(const Aligned64<U> &) const {
    return false;
  }
};

using AlignedFloats = std::vector<float, Aligned64<float>>;

}  // namespace kiln::bench
