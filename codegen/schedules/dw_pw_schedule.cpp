#include "codegen/schedules/dw_pw_schedule.h"

#include <algorithm>

#include "codegen/schedules/cpu_info.h"

namespace kiln::codegen::schedules {

std::string DwPwSchedule::describe() const {
  return "depthwise+pointwise fused: bands of " + std::to_string(band_pixels) +
         " pixels x chunks of " + std::to_string(f_chunk) +
         " output channels per task, depthwise scratch per band (" +
         std::to_string(dw_vector_width) + " lanes), pointwise register block " +
         std::to_string(pw_vector_width) + "x" + std::to_string(pw_x_vectors) + " pixels x " +
         std::to_string(co_block) + " channels" +
         (channels_inner ? ", channel blocks inside pixel blocks" : "") +
         (parallel ? ", parallel" : ", serial");
}

DwPwSchedule legalize(DwPwSchedule s, const DwPwShape &shape) {
  const ConvShape &dw = shape.depthwise, &pw = shape.pointwise;
  const int64_t pixels = dw.out_h * dw.out_w;
  s.band_pixels = clamp_block(s.band_pixels, pixels);
  s.pw_vector_width = pow2_at_most(s.band_pixels, std::max(1, s.pw_vector_width));
  s.pw_x_vectors = clamp_block(s.pw_x_vectors, s.band_pixels / s.pw_vector_width);
  s.co_block = clamp_block(s.co_block, pw.out_channels);
  // Whole co_blocks (rounded up, so chunks never overlap more than a block).
  s.f_chunk = static_cast<int>(ceil_div(std::max(s.f_chunk, s.co_block), s.co_block)) * s.co_block;
  s.f_chunk = clamp_block(s.f_chunk, pw.out_channels);
  s.dw_vector_width = pow2_at_most(dw.out_w, std::max(1, s.dw_vector_width));
  return s;
}

DwPwSchedule default_dw_pw_schedule(const DwPwShape &shape, const Halide::Target &target) {
  const ConvShape &dw = shape.depthwise, &pw = shape.pointwise;
  const CpuInfo cpu = cpu_info(target);
  const int64_t pixels = dw.out_h * dw.out_w, channels = dw.out_channels, F = pw.out_channels;
  const int64_t max_band = std::max<int64_t>(1, kDwPwScratchBytes / (channels * 4));
  const int64_t bands = ceil_div(pixels, max_band);
  DwPwSchedule s;
  double best = 0;
  // Accumulators = vectors x channels, within the register file less the
  // loads; the cost is the work computed per useful output.
  const int accumulators = cpu.vector_registers <= 16 ? 12 : 24;
  for (int vw : {cpu.vector_width, cpu.vector_width / 2}) {
    if (vw < 1) continue;
    for (int xv = 1; xv <= 3; xv++) {
      const int cb = accumulators / xv, block = vw * xv;
      const int64_t band = ceil_div(ceil_div(pixels, bands), block) * block;
      const double waste = double(bands * band) / pixels * double(ceil_div(F, cb) * cb) / F;
      // Per channel of the reduction: xv * cb FMAs, xv loads and cb
      // broadcasts; narrow vectors cost twice the FMAs per pixel.
      const double issue =
          std::max(double(xv * cb) / cpu.fma_units, double(xv + cb) / cpu.load_units) / (xv * cb);
      const double cost = waste * issue * (vw < cpu.vector_width ? 2.0 : 1.0);
      if (best == 0 || cost < best - 1e-9) {
        best = cost;
        s.band_pixels = static_cast<int>(band);
        s.pw_vector_width = vw;
        s.pw_x_vectors = xv;
        s.co_block = cb;
      }
    }
  }
  s.dw_vector_width = cpu.vector_width;
  const int64_t tasks = dw.batch * bands;
  s.f_chunk = static_cast<int>(F);
  if (tasks < 2) s.f_chunk = static_cast<int>(ceil_div(F, 2));
  const int64_t macs = dw.batch * pixels * channels * (dw.kernel_h * dw.kernel_w + F);
  s.parallel = macs >= (int64_t(1) << 19);
  return legalize(s, shape);
}

}  // namespace kiln::codegen::schedules
