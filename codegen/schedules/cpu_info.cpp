#include "codegen/schedules/cpu_info.h"

#include "codegen/lowering.h"

namespace kiln::codegen::schedules {

CpuInfo cpu_info(const Halide::Target &target) {
  CpuInfo c;
  c.vector_width = natural_vector_width(target);
  bool avx512 = target.has_feature(Halide::Target::AVX512);
  bool arm64 = target.arch == Halide::Target::ARM && target.bits == 64;
  c.vector_registers = (avx512 || arm64) ? 32 : 16;
  return c;
}

int pow2_at_most(int64_t n, int cap) {
  int p = 1;
  while (p * 2 <= cap && p * 2 <= n) p *= 2;
  return p;
}

}  // namespace kiln::codegen::schedules
