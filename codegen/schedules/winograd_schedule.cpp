#include "codegen/schedules/winograd_schedule.h"

#include <algorithm>
#include <thread>

#include "codegen/schedules/cpu_info.h"

namespace kiln::codegen::schedules {

std::string WinogradSchedule::describe(int m) const {
  return "winograd F(" + std::to_string(m) + "x" + std::to_string(m) + ",3x3): tasks of " +
         std::to_string(tile_rows) + " tile rows x " + std::to_string(k_group) + " channels" +
         (parallel ? " in parallel" : ", serial") + ", GEMM blocks of " +
         std::to_string(vector_width) + "x" + std::to_string(tile_vectors) + " tiles x " +
         std::to_string(k_block) + " channels, input transform " +
         (shared_v ? "once for all channel groups" : "per task") + ", filter transform " +
         (pretransformed     ? "at compile time"
          : filter_per_block ? "per channel block"
                             : "once up front");
}

WinogradSchedule legalize(WinogradSchedule s, const ConvShape &shape, int m, bool pretransformed) {
  const int64_t nty = ceil_div(shape.out_h, m);
  s.pretransformed = pretransformed;
  // Tiles run along the round-up split of the tile index: any power of two works.
  s.vector_width = pow2_at_most(16, std::max(1, s.vector_width));
  s.tile_vectors = std::clamp(s.tile_vectors, 1, 4);
  s.k_block = clamp_block(s.k_block, shape.out_channels);
  s.tile_rows = clamp_block(s.tile_rows, nty);
  int64_t groups = std::max(1, s.k_groups);
  while (groups > 1 && shape.out_channels / groups < s.k_block) groups /= 2;
  s.k_groups = static_cast<int>(groups);
  int64_t group = ceil_div(ceil_div(shape.out_channels, groups), s.k_block) * s.k_block;
  s.k_group = static_cast<int>(std::min<int64_t>(group, shape.out_channels));
  int64_t spatial_tasks = shape.batch * ceil_div(nty, s.tile_rows);
  s.filter_per_block = spatial_tasks == 1 && !pretransformed;
  return s;
}

WinogradSchedule default_winograd_schedule(const ConvShape &s, int m, const Halide::Target &target,
                                           bool pretransformed) {
  WinogradSchedule k;
  CpuInfo cpu = cpu_info(target);
  k.vector_width = cpu.vector_width;
  int64_t ntx = ceil_div(s.out_w, m), nty = ceil_div(s.out_h, m);
  // Accumulators: 2 vectors of tiles x kb channels, leaving registers for
  // the 2 tile loads and a broadcast weight: 12 of 16 (AVX2), 24 of 32
  // (AVX-512). Each weight broadcast then feeds 2 FMAs, each tile load kb.
  k.tile_vectors = 2;
  int acc = std::min(12, std::max(2, cpu.vector_registers - 4) / k.tile_vectors / 2 * 2);
  k.k_block = std::max(1, std::min<int>(acc, static_cast<int>(s.out_channels)));
  // About 4 GEMM blocks of tiles per task: the input transform's V for the
  // task's tiles stays in cache across the task's channel blocks.
  int64_t want_tiles = 4 * k.vector_width * k.tile_vectors;
  k.tile_rows =
      static_cast<int>(std::min<int64_t>(nty, std::max<int64_t>(1, ceil_div(want_tiles, ntx))));
  int64_t spatial_tasks = s.batch * ceil_div(nty, k.tile_rows);
  // About one task per core of the compiling machine (at least 2): split
  // the output channels into groups when there are fewer tile-row tasks.
  // More, smaller tasks measured slower on the 14x14 and 28x28 VGG layers
  // (8 tasks: 1.3-1.6x slower than 2 on 2 cores, docs/winograd.md).
  int64_t want_tasks = std::max(2u, std::thread::hardware_concurrency());
  int64_t groups = 1;
  while (spatial_tasks * groups < want_tasks && s.out_channels / (groups * 2) >= k.k_block)
    groups *= 2;
  k.k_groups = static_cast<int>(groups);
  // With several channel groups per image, each task would repeat the input
  // transform (gathers of strided windows, as costly as a fifth or more of
  // the GEMMs at 14x14): make V once, in parallel over channels, instead.
  k.shared_v = groups > 1;
  int64_t macs = s.batch * s.out_h * s.out_w * s.out_channels * s.in_channels * 9;
  k.parallel = macs >= (1 << 16);
  return legalize(k, s, m, pretransformed);
}

}  // namespace kiln::codegen::schedules
