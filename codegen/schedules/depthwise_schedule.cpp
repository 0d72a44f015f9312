#include "codegen/schedules/depthwise_schedule.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"

namespace kiln::codegen::schedules {

namespace {

double useful(int64_t extent, int64_t block) {
  return static_cast<double>(extent) / static_cast<double>(ceil_div(extent, block) * block);
}

// Estimated cycles per useful output lane of a register block (FMA and load
// throughput, FMA latency, work wasted by tails).
double block_cost(const ConvShape &s, const CpuInfo &cpu, int vw, int xv, int yb, bool phases) {
  double acc = xv * yb;
  // Input vectors per tap row: a loaded row serves up to kernel_h output
  // rows at stride 1; strided loads take about two loads each unless the
  // rows are buffered in column phases.
  double rows_read = s.stride_h == 1 ? (yb + s.kernel_h - 1) / static_cast<double>(s.kernel_h)
                                     : static_cast<double>(yb);
  double loads = xv * rows_read * (phases ? 1 : std::min<int64_t>(s.stride_w, 2));
  double cycles =
      std::max({acc / cpu.fma_units, loads / cpu.load_units, double(cpu.fma_latency)}) + 0.5;
  return cycles / (acc * vw * useful(s.out_w, vw * xv) * useful(s.out_h, yb));
}

int64_t macs_of(const ConvShape &s) {
  return s.batch * s.out_channels * s.out_h * s.out_w * s.kernel_h * s.kernel_w;
}

}  // namespace

std::string DepthwiseSchedule::describe() const {
  return "conv depthwise: block " + std::to_string(vector_width) + "x" + std::to_string(x_vectors) +
         " (x) * " + std::to_string(y_block) + " (y), " +
         (unroll_taps ? "taps unrolled" : "kx unrolled") + ", strips of " +
         std::to_string(strip_rows) + " rows, tasks of n*" + std::to_string(task_channels) + " c" +
         (split_rows ? "*strip" : "") + (parallel ? " in parallel" : ", serial") +
         (column_phases ? ", rows buffered in column phases" : "");
}

DepthwiseSchedule legalize(DepthwiseSchedule s, const ConvShape &shape) {
  s.vector_width = pow2_at_most(shape.out_w, std::max(1, s.vector_width));
  s.x_vectors = clamp_block(s.x_vectors, shape.out_w / s.vector_width);
  s.y_block = clamp_block(s.y_block, shape.out_h);
  // ShiftInwards strips need out_h >= strip >= y_block (a strip whose rows do
  // not divide into blocks shifts its last block inwards).
  s.strip_rows = static_cast<int>(std::clamp<int64_t>(s.strip_rows, s.y_block, shape.out_h));
  s.task_channels = clamp_block(s.task_channels, shape.out_channels);
  s.column_phases = s.column_phases && shape.stride_w > 1;
  return s;
}

namespace {

// The largest divisor of n that is at most `most` (at least 1): blocks of
// that size tile n exactly, so no two tasks share (and write) a channel or row.
int64_t divisor_at_most(int64_t n, int64_t most) {
  for (int64_t d = std::max<int64_t>(1, std::min(n, most)); d > 1; d--)
    if (n % d == 0) return d;
  return 1;
}

// Rows per strip: whole blocks that tile the image when they can, the
// buffered input rows (a row of vectors, plus the halo) within ~16 KiB of L1.
int strip_rows_for(const ConvShape &s, const DepthwiseSchedule &k) {
  int64_t row_bytes = 4 * (s.out_w * s.stride_w + s.kernel_w + k.vector_width);
  int64_t input_rows = 16 * 1024 / row_bytes;
  int64_t fit = std::max<int64_t>(1, (input_rows - (s.kernel_h - s.stride_h)) / s.stride_h);
  int64_t blocks = s.out_h / k.y_block;
  if (s.out_h % k.y_block != 0) return static_cast<int>(std::min<int64_t>(s.out_h, fit));
  return static_cast<int>(k.y_block *
                          divisor_at_most(blocks, std::max<int64_t>(1, fit / k.y_block)));
}

}  // namespace

DepthwiseSchedule default_depthwise_schedule(const ConvShape &s, const Halide::Target &target) {
  CpuInfo cpu = cpu_info(target);
  DepthwiseSchedule best;
  best.column_phases = s.stride_w > 1;
  double best_cost = 1e30;
  for (int vw = cpu.vector_width; vw >= 4; vw /= 2) {
    int v = pow2_at_most(s.out_w, vw);
    for (int xv = 1; xv <= 4 && v * xv <= s.out_w; xv++)
      for (int yb = 1; yb <= 8 && yb <= s.out_h; yb++) {
        // Accumulators, a row of input vectors and a weight broadcast.
        if (xv * yb + xv * 2 + 1 > cpu.vector_registers) continue;
        double cost = block_cost(s, cpu, v, xv, yb, best.column_phases);
        if (cost < best_cost * 0.99) {
          best_cost = cost;
          best.vector_width = v;
          best.x_vectors = xv;
          best.y_block = yb;
        }
      }
  }
  // Stride-1 rows between one and two native vectors wide (14 on AVX2):
  // half-width vectors, as many as fit the row, one row per block (the 9
  // weight vectors stay in registers). Measured on 512x14x14 (MobileNet's
  // conv_dw_7..11), one thread: 0.054 ms against 0.091 ms for 8 lanes x 7
  // rows; at stride 2 (conv_dw_6) it was slower, 0.069 against 0.039 ms.
  const int half = cpu.vector_width / 2;
  if (s.stride_w == 1 && half >= 4 && s.out_w > cpu.vector_width &&
      s.out_w < 2 * cpu.vector_width && s.out_w % cpu.vector_width != 0) {
    best.vector_width = half;
    best.x_vectors = static_cast<int>(std::min<int64_t>(4, s.out_w / half));
    best.y_block = 1;
  }
  best.unroll_taps = s.kernel_h * s.kernel_w <= 25;
  best.strip_rows = strip_rows_for(s, best);

  const int64_t macs = macs_of(s);
  best.parallel = macs >= kDepthwiseSerialBelowMacs;
  // Tasks of whole channels, about kDepthwiseTasks of them, none under
  // kDepthwiseTaskMacs; channel blocks that divide the channels, so no two
  // tasks compute (and write) the same channel. Strips become tasks only
  // when there are too few (n, channel) pairs for that.
  const int64_t planes = s.batch * s.out_channels;
  const int64_t per_channel = macs / planes;
  const int64_t least = ceil_div(kDepthwiseTaskMacs, per_channel);
  int64_t want = std::max<int64_t>(least, planes / kDepthwiseTasks);
  best.task_channels = static_cast<int>(divisor_at_most(s.out_channels, want));
  best.split_rows = best.parallel && planes < kDepthwiseTasks / 2 && s.out_h > best.strip_rows;
  if (!best.parallel) best.task_channels = static_cast<int>(s.out_channels);
  return legalize(best, s);
}

}  // namespace kiln::codegen::schedules
