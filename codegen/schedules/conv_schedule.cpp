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
enum class Form { kDirect, kFlat, kShifted };

double block_cost(const ConvShape &s, const CpuInfo &cpu, Form form, int vw, int xv, int yb,
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
  if (form == Form::kShifted) {
    // Every lane wanted; the last block of a task rounds up.
    int64_t pixels = s.out_h * s.out_w;
    work *= static_cast<double>(pixels) / (ceil_div(pixels, vw * xv) * vw * xv);
  } else if (form == Form::kFlat) {
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

int64_t ci_chunk_for(const ConvShape &s, int want) {
  int64_t per_group = s.in_channels / s.groups;
  if (want <= 0 || want >= per_group) return per_group;
  for (int64_t c = want; c > 1; c--)
    if (per_group % c == 0) return c;
  return 1;
}

std::string ConvSchedule::describe() const {
  if (shifted_rows)
    return "conv shifted rows: block " + std::to_string(vector_width) + "x" +
           std::to_string(x_vectors) + " (pixels) * " + std::to_string(co_block) +
           " (co), tasks of " + std::to_string(task_channels) + " co, ci in chunks of " +
           std::to_string(ci_chunk) + (unroll_kx ? " (kx unrolled)" : "") +
           (parallel ? ", parallel over n*co tasks" : ", serial");
  return std::string(flat_rows ? "conv flat rows" : "conv direct") + ": block " +
         std::to_string(vector_width) + "x" + std::to_string(x_vectors) + " (x) * " +
         std::to_string(y_block) + " (y) * " + std::to_string(co_block) +
         " (co), reduction ci/ky/kx inside" + (unroll_kx ? " (kx unrolled)" : "") +
         (parallel ? flat_rows        ? ", parallel over n*co blocks"
                     : band_tasks     ? ", parallel over n*y blocks (row bands padded per task)"
                     : channels_inner ? ", parallel over n*y*co blocks (co inner)"
                                      : ", parallel over n*co*y blocks"
                   : ", serial");
}

ConvSchedule legalize(ConvSchedule s, const ConvShape &shape) {
  bool stride1 = shape.stride_h == 1 && shape.stride_w == 1;
  s.shifted_rows = s.shifted_rows && stride1 && shape.groups == 1;
  if (s.shifted_rows) {
    s.flat_rows = false;
    int64_t pixels = shape.out_h * shape.out_w;
    s.vector_width = pow2_at_most(pixels, std::max(1, s.vector_width));
    s.x_vectors = clamp_block(s.x_vectors, pixels / s.vector_width);
    s.y_block = 1;
    s.co_block = clamp_block(s.co_block, shape.out_channels);
    // Whole co blocks per task (the task's blocks round up inside it), and
    // tasks no wider than the channels (the last one shifts inwards).
    int64_t task = std::min<int64_t>(std::max(s.task_channels, s.co_block), shape.out_channels);
    s.task_channels = static_cast<int>(task / s.co_block * s.co_block);
    s.ci_chunk = static_cast<int>(ci_chunk_for(shape, s.ci_chunk));
    s.band_tasks = false;
    return s;
  }
  s.band_tasks = s.band_tasks && !s.flat_rows;
  s.ci_chunk = 0;
  s.task_channels = 0;
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
  // Shifted rows for narrow maps (14x14, 7x7), where flat rows drop 1/8 or
  // more of their lanes; VGG-16 conv5_x (512x14x14 > 512, 2 threads)
  // measured 26 ms against 31 ms with flat rows, ResNet-50's 256x14x14 3x3
  // 1.0 of oneDNN's time against 1.3. The input copy (one per kernel-x
  // shift) must stay modest.
  int64_t shifted_bytes = 4 * shape.batch * shape.in_channels * shape.kernel_w *
                          (shape.out_h + (shape.kernel_h - 1) * shape.dilation_h) * shape.out_w;
  bool shifted_fits = !strided && shape.groups == 1 && shape.out_h > 1 && shape.out_w <= 16 &&
                      shape.kernel_h * shape.kernel_w > 1 && shifted_bytes <= (8 << 20);
  for (Form form : {Form::kDirect, Form::kFlat, Form::kShifted}) {
    bool flat = form != Form::kDirect;
    if (form == Form::kFlat && (strided || shape.out_h == 1 || !flat_fits)) continue;
    if (form == Form::kShifted && !shifted_fits) continue;
    int64_t row = form == Form::kFlat      ? flat_row_length(shape)
                  : form == Form::kShifted ? shape.out_h * shape.out_w
                                           : shape.out_w;
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
          double cost = block_cost(shape, cpu, form, vw, xv, yb, cb);
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
            best = {vw, xv, yb, cb, true, true, form == Form::kFlat};
            best.shifted_rows = form == Form::kShifted;
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
  // Large maps (VGG-16's 224x224, 112x112): tasks of whole row bands, each
  // padding its own rows, instead of a padded copy of the whole image made
  // up front; conv1_2 measured 94 ms against 103 ms (1.16 of oneDNN's time
  // against 1.29). Not for a few input channels: conv1_1 (3) measured 6.0
  // ms against 2.6.
  best.band_tasks =
      best.channels_inner && shape.out_w >= 112 && shape.in_channels / shape.groups >= 16;
  if (best.shifted_rows) {
    // About 8 tasks per image (2 threads, dynamic), at most 64 channels each;
    // ci chunks whose shifted input rows fit about 96 KB of L2 (14x14: 32
    // channels, 86 KB; a 6-channel block's chunk of weights, 7 KB, fits L1).
    // The 256x14x14 3x3 with one chunk of all 256 channels measured 1.4-1.6
    // of oneDNN's time, with chunks of 32 1.0-1.1.
    int64_t per_task = std::min<int64_t>(64, shape.out_channels / 8);
    best.task_channels =
        static_cast<int>(std::max<int64_t>(1, per_task / best.co_block)) * best.co_block;
    int64_t chunk_bytes = shifted_bytes / shape.batch / shape.in_channels;
    best.ci_chunk = static_cast<int>(std::max<int64_t>(1, (96 << 10) / chunk_bytes));
  }
  int64_t macs = shape.batch * shape.out_channels * shape.out_h * shape.out_w *
                 (shape.in_channels / shape.groups) * shape.kernel_h * shape.kernel_w;
  best.parallel = macs >= (1 << 16);
  return legalize(best, shape);
}

}  // namespace kiln::codegen::schedules
