#include "codegen/schedules/gemm_schedule.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"

namespace kiln::codegen::schedules {

namespace {
// L1 data cache of the x86 and ARM cores kiln targets (32 KiB or more).
constexpr int64_t kL1DataBytes = 32 * 1024;
}  // namespace

std::string GemmSchedule::describe() const {
  if (lanes_along_i)
    return "gemm: block " + std::to_string(vector_width) + "x" + std::to_string(i_vectors) +
           " (i, lanes) * " + std::to_string(j_block) + " (j), k in chunks of " +
           std::to_string(k_chunk) + ", B strip packed per task" + ", A packed once in j blocks" +
           (parallel ? ", parallel over i strips" : ", serial");
  return "gemm: block " + std::to_string(vector_width) + "x" + std::to_string(j_vectors) +
         " (j) * " + std::to_string(i_block) + " (i), k inside" +
         (strips_per_task > 1
              ? ", " + std::to_string(strips_per_task) + " strips per task, i blocks outside"
              : std::string()) +
         (pack_a ? ", A strip packed per task" : ", A read in place") +
         (parallel ? ", parallel over j strips" : ", serial");
}

GemmSchedule legalize(GemmSchedule s, const GemmShape &shape) {
  if (s.lanes_along_i) {
    s.vector_width = pow2_at_most(shape.cols, std::max(1, s.vector_width));
    s.i_vectors = clamp_block(s.i_vectors, shape.cols / s.vector_width);
    s.j_block = clamp_block(s.j_block, shape.rows);
    s.k_chunk = clamp_block(s.k_chunk, shape.depth);
    return s;
  }
  s.vector_width = pow2_at_most(shape.rows, std::max(1, s.vector_width));
  s.j_vectors = clamp_block(s.j_vectors, shape.rows / s.vector_width);
  s.i_block = clamp_block(s.i_block, shape.cols);
  s.strips_per_task =
      clamp_block(s.strips_per_task, shape.rows / (int64_t{s.vector_width} * s.j_vectors));
  return s;
}

GemmSchedule default_gemm_schedule(const GemmShape &shape, const Halide::Target &target,
                                   bool a_contiguous) {
  CpuInfo cpu = cpu_info(target);
  GemmSchedule best;
  best.vector_width = pow2_at_most(shape.rows, cpu.vector_width);
  // Most accumulators whose block fits: jv * ib accumulators + jv A vectors
  // + one broadcast. Ties go to more accumulators, then wider j; blocks
  // that waste much of a short extent on overlapping tails lose.
  double best_score = -1;
  for (int jv = 1; jv <= 4; jv++)
    for (int ib = 1; ib <= 16; ib++) {
      if (jv * ib + jv + 1 > cpu.vector_registers) continue;
      int64_t jw = static_cast<int64_t>(jv) * best.vector_width;
      if (jw > shape.rows || ib > shape.cols) continue;
      double useful_j = static_cast<double>(shape.rows) / (ceil_div(shape.rows, jw) * jw);
      double useful_i = static_cast<double>(shape.cols) / (ceil_div(shape.cols, ib) * ib);
      // FMAs per load (jv A vectors + ib broadcasts), capped where the two
      // FMA ports rather than the loads limit.
      double per_load = std::min(2.0, static_cast<double>(jv * ib) / (jv + ib));
      double latency =
          std::min(1.0, static_cast<double>(jv * ib) / (cpu.fma_units * cpu.fma_latency));
      double score = per_load * latency * useful_j * useful_i + 1e-3 * jv * ib + 1e-4 * jv;
      if (score > best_score) {
        best_score = score;
        best.j_vectors = jv;
        best.i_block = ib;
      }
    }
  // A panel of a strip is strip x depth floats. An A that is contiguous
  // along j is read in place while its strip (depth rows a whole row of A
  // apart) fits in half of L1; a deeper strip does not stay in L1 across the
  // i blocks (its rows, pages apart, also share L1 sets and TLB entries), so
  // it is packed. Measured (onednn_conv_bench --threads 1, AVX2, best runs,
  // kiln/oneDNN): ResNet-50's 1x1s with k 256-512 on 28x28 and 56x56 maps
  // went from 1.10-1.11 to 1.02-1.06; with k 64 and 128 packing gained
  // nothing (within noise), so those stay in place.
  const int64_t strip_bytes =
      static_cast<int64_t>(best.vector_width) * best.j_vectors * shape.depth * 4;
  best.pack_a = !a_contiguous || strip_bytes > kL1DataBytes / 2;
  best.parallel = shape.rows * shape.cols * shape.depth * shape.batches >= (1 << 16);
  return legalize(best, shape);
}

bool conv_prefers_lanes_along_i(const GemmShape &shape, const Halide::Target &target,
                                bool a_in_place) {
  CpuInfo cpu = cpu_info(target);
  // Measured on ResNet-50's layers (AVX2, 1 thread): 1x1 stride-1 maps up to
  // 14x14 and other convs' 7x7 maps gain; 14x14 3x3 and stride-2 1x1 lose.
  const int64_t most_rows = a_in_place ? 196 : 49;
  return cpu.vector_width > 1 && shape.cols >= 2 * cpu.vector_width && shape.rows <= most_rows;
}

GemmSchedule lanes_along_i_schedule(const GemmShape &shape, const Halide::Target &target) {
  CpuInfo cpu = cpu_info(target);
  GemmSchedule s;
  s.lanes_along_i = true;
  s.vector_width = cpu.vector_width;
  s.i_vectors = 2;
  // iv * jb accumulators + iv B vectors + one broadcast.
  s.j_block = std::max(1, (cpu.vector_registers - s.i_vectors - 1) / s.i_vectors);
  s.j_block = std::min(s.j_block, 6);
  s.parallel = shape.rows * shape.cols * shape.depth * shape.batches >= (1 << 16);
  return legalize(s, shape);
}

}  // namespace kiln::codegen::schedules
