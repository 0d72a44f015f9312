#include "codegen/schedules/conv_schedule.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"

namespace kiln::codegen::schedules {

namespace {

// Fraction of the computed points that are wanted when `extent` is covered
// by blocks of `block` with ShiftInwards (the last block overlaps).
double useful(int64_t extent, int block) {
  return static_cast<double>(extent) / static_cast<double>(ceil_div(extent, block) * block);
}

// Estimated cycles per useful multiply-accumulate of a register block of
// xv vectors of vw lanes x yb rows x cb channels.
double block_cost(const ConvShape &s, const CpuInfo &cpu, bool flat, int vw, int xv, int yb,
                  int cb) {
  double acc = xv * yb * cb;
  // Input vectors per reduction step: shared by the block's channels unless
  // they belong to different groups (depthwise: one input channel each).
  int64_t per_group = s.out_channels / s.groups;
  int64_t input_sets = std::min<int64_t>(cb, ceil_div(cb, per_group));
  double loads = xv * yb * static_cast<double>(input_sets) * std::min<int64_t>(s.stride_w, 2) + cb;
  // One step of the reduction: FMA throughput, load throughput or the FMA
  // latency of each accumulator's chain, plus about a cycle of loop overhead.
  double cycles = std::max({acc / cpu.fma_units, loads / cpu.load_units,
                            static_cast<double>(cpu.fma_latency)}) +
                  1;
  double work = useful(s.out_channels, cb);
  if (flat) {
    int64_t len = flat_row_length(s);
    work *= static_cast<double>(s.out_h * s.out_w) / (ceil_div(len, vw * xv) * vw * xv);
  } else {
    work *= useful(s.out_w, vw * xv) * useful(s.out_h, yb);
  }
  return cycles / (acc * vw * work);
}

}  // namespace

int64_t flat_row_length(const ConvShape &s) {
  int64_t pitch = s.out_w + (s.kernel_w - 1) * s.dilation_w;
  return (s.out_h - 1) * pitch + s.out_w;
}

std::string ConvSchedule::describe() const {
  return std::string(flat_rows ? "conv flat rows" : "conv direct") + ": block " +
         std::to_string(vector_width) + "x" + std::to_string(x_vectors) + " (x) * " +
         std::to_string(y_block) + " (y) * " + std::to_string(co_block) +
         " (co), reduction ci/ky/kx inside" + (unroll_kx ? " (kx unrolled)" : "") +
         (parallel ? flat_rows        ? ", parallel over n*co blocks"
                     : channels_inner ? ", parallel over n*y*co blocks (co inner)"
                                      : ", parallel over n*co*y blocks"
                   : ", serial");
}

ConvSchedule legalize(ConvSchedule s, const ConvShape &shape) {
  // Flat rows need stride 1, and gain nothing over one output row.
  s.flat_rows = s.flat_rows && shape.stride_h == 1 && shape.stride_w == 1 && shape.out_h > 1;
  int64_t row = s.flat_rows ? flat_row_length(shape) : shape.out_w;
  s.vector_width = pow2_at_most(row, std::max(1, s.vector_width));
  s.x_vectors = clamp_block(s.x_vectors, row / s.vector_width);
  s.y_block = s.flat_rows ? 1 : clamp_block(s.y_block, shape.out_h);
  s.co_block = clamp_block(s.co_block, shape.out_channels);
  return s;
}

ConvSchedule default_conv_schedule(const ConvShape &shape, const Halide::Target &target) {
  CpuInfo cpu = cpu_info(target);
  ConvSchedule best;
  double best_cost = 1e30;
  bool strided = shape.stride_h != 1 || shape.stride_w != 1;
  // Flat rows need a channel's flat row to stay in L1 across the block's
  // reduction: with larger maps (VGG-16's 224x224 and 112x112) each block
  // reads kernel_h rows of every input channel from far-apart planes, and
  // the direct form with row-band tasks measured 1.6-3.4x faster.
  bool flat_fits = flat_row_length(shape) * 4 <= 32 * 1024;
  for (bool flat : {false, true}) {
    if (flat && (strided || shape.out_h == 1 || !flat_fits)) continue;
    int64_t row = flat ? flat_row_length(shape) : shape.out_w;
    int64_t rows = flat ? 1 : shape.out_h;
    int vw = pow2_at_most(row, cpu.vector_width);
    for (int xv = 1; xv <= 4 && vw * xv <= row; xv++)
      for (int yb = 1; yb <= 8 && yb <= rows; yb++)
        // At most 8 channels: wider blocks trade vector loads for weight
        // broadcasts and measured slower (12 channels: -40% on AVX2).
        for (int cb = 1; cb <= 8 && cb <= shape.out_channels; cb++) {
          int acc = xv * yb * cb;
          // Accumulators, the block's input vectors (LLVM keeps them live
          // across the channels) and a weight broadcast must fit, or the
          // block spills.
          if (acc + xv * yb + 1 > cpu.vector_registers) continue;
          double cost = block_cost(shape, cpu, flat, vw, xv, yb, cb);
          // Flat rows measured 15-25% faster than the direct form at equal
          // blocks (contiguous loads, no re-read halo rows per row block).
          if (flat) cost *= 0.85;
          // Near ties (within 1%) go to more accumulators, then to fewer
          // weight broadcasts per step (smaller co blocks).
          int best_acc = best.x_vectors * best.y_block * best.co_block;
          bool tie = cost <= best_cost * 1.01 && cost >= best_cost * 0.99;
          bool better_tie = acc > best_acc || (acc == best_acc && cb < best.co_block);
          if (cost < best_cost * 0.99 || (tie && better_tie)) {
            best_cost = std::min(cost, best_cost);
            best = {vw, xv, yb, cb, true, true, flat};
          }
        }
  }
  best.unroll_kx = shape.kernel_w <= 5;
  // Row bands outer when the input outweighs the weights: each band is read
  // once (from L2) by every channel block, and the weights are re-read per band.
  int64_t input_bytes = 4 * shape.batch * shape.in_channels * shape.in_h * shape.in_w;
  int64_t weight_bytes =
      4 * shape.out_channels * (shape.in_channels / shape.groups) * shape.kernel_h * shape.kernel_w;
  best.channels_inner = !best.flat_rows && input_bytes > weight_bytes;
  int64_t macs = shape.batch * shape.out_channels * shape.out_h * shape.out_w *
                 (shape.in_channels / shape.groups) * shape.kernel_h * shape.kernel_w;
  best.parallel = macs >= (1 << 16);
  return legalize(best, shape);
}

}  // namespace kiln::codegen::schedules
