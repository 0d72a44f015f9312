#include "codegen/schedules/schedule_knobs.h"

#include "ir/errors.h"

namespace kiln::codegen::schedules {

namespace {

// Sets `field` from knob `name` when present.
template <typename T>
void take(const ScheduleKnobs &k, const char *name, T &field) {
  auto it = k.values.find(name);
  if (it != k.values.end()) field = static_cast<T>(it->second);
}

void expect_family(const ScheduleKnobs &k, const std::string &family) {
  if (k.family != family)
    throw InternalError("schedule knobs of family '" + k.family + "' given to a " + family +
                        " lowering");
}

}  // namespace

std::string ScheduleKnobs::str() const {
  if (empty()) return "";
  if (!autoscheduler.empty()) return family + "{autoscheduler=" + autoscheduler + "}";
  std::string s = family + "{";
  for (const auto &[name, v] : values)
    s += (s.back() == '{' ? "" : ",") + name + "=" + std::to_string(v);
  return s + "}";
}

ConvSchedule conv_schedule_from(const ScheduleKnobs &k) {
  expect_family(k, "conv2d");
  ConvSchedule s;
  take(k, "vector_width", s.vector_width);
  take(k, "x_vectors", s.x_vectors);
  take(k, "y_block", s.y_block);
  take(k, "co_block", s.co_block);
  take(k, "unroll_kx", s.unroll_kx);
  take(k, "parallel", s.parallel);
  take(k, "flat_rows", s.flat_rows);
  take(k, "channels_inner", s.channels_inner);
  take(k, "band_tasks", s.band_tasks);
  take(k, "shifted_rows", s.shifted_rows);
  take(k, "ci_chunk", s.ci_chunk);
  take(k, "task_channels", s.task_channels);
  return s;
}

ScheduleKnobs knobs_of(const ConvSchedule &s) {
  ScheduleKnobs k{"conv2d",
                  {{"vector_width", s.vector_width},
                   {"x_vectors", s.x_vectors},
                   {"y_block", s.y_block},
                   {"co_block", s.co_block},
                   {"unroll_kx", s.unroll_kx},
                   {"parallel", s.parallel},
                   {"flat_rows", s.flat_rows}},
                  ""};
  // Later knobs only when set, so earlier settings keep their knob sets.
  if (s.channels_inner) k.values["channels_inner"] = 1;
  if (s.band_tasks) k.values["band_tasks"] = 1;
  if (s.shifted_rows) {
    k.values["shifted_rows"] = 1;
    k.values["ci_chunk"] = s.ci_chunk;
    k.values["task_channels"] = s.task_channels;
  }
  return k;
}

DenseSchedule dense_schedule_from(const ScheduleKnobs &k) {
  expect_family(k, "dense");
  DenseSchedule s;
  take(k, "lanes", s.lanes);
  take(k, "unit_block", s.unit_block);
  take(k, "batch_block", s.batch_block);
  take(k, "parallel", s.parallel);
  return s;
}

ScheduleKnobs knobs_of(const DenseSchedule &s) {
  return {"dense",
          {{"lanes", s.lanes},
           {"unit_block", s.unit_block},
           {"batch_block", s.batch_block},
           {"parallel", s.parallel}},
          ""};
}

GemmSchedule gemm_schedule_from(const ScheduleKnobs &k) {
  expect_family(k, "gemm");
  GemmSchedule s;
  take(k, "vector_width", s.vector_width);
  take(k, "j_vectors", s.j_vectors);
  take(k, "i_block", s.i_block);
  take(k, "pack_a", s.pack_a);
  take(k, "parallel", s.parallel);
  take(k, "lanes_along_i", s.lanes_along_i);
  take(k, "i_vectors", s.i_vectors);
  take(k, "j_block", s.j_block);
  take(k, "k_chunk", s.k_chunk);
  take(k, "strips_per_task", s.strips_per_task);
  return s;
}

ScheduleKnobs knobs_of(const GemmSchedule &s) {
  return {"gemm",
          {{"vector_width", s.vector_width},
           {"j_vectors", s.j_vectors},
           {"i_block", s.i_block},
           {"pack_a", s.pack_a},
           {"parallel", s.parallel},
           {"lanes_along_i", s.lanes_along_i},
           {"i_vectors", s.i_vectors},
           {"j_block", s.j_block},
           {"k_chunk", s.k_chunk},
           {"strips_per_task", s.strips_per_task}},
          ""};
}

WinogradSchedule winograd_schedule_from(const ScheduleKnobs &k) {
  expect_family(k, "winograd");
  WinogradSchedule s;
  take(k, "vector_width", s.vector_width);
  take(k, "tile_vectors", s.tile_vectors);
  take(k, "k_block", s.k_block);
  take(k, "tile_rows", s.tile_rows);
  take(k, "k_groups", s.k_groups);
  take(k, "shared_v", s.shared_v);
  take(k, "parallel", s.parallel);
  return s;
}

ScheduleKnobs knobs_of(const WinogradSchedule &s) {
  return {"winograd",
          {{"vector_width", s.vector_width},
           {"tile_vectors", s.tile_vectors},
           {"k_block", s.k_block},
           {"tile_rows", s.tile_rows},
           {"k_groups", s.k_groups},
           {"shared_v", s.shared_v},
           {"parallel", s.parallel}},
          ""};
}

DepthwiseSchedule depthwise_schedule_from(const ScheduleKnobs &k) {
  expect_family(k, "depthwise");
  DepthwiseSchedule s;
  take(k, "vector_width", s.vector_width);
  take(k, "x_vectors", s.x_vectors);
  take(k, "y_block", s.y_block);
  take(k, "strip_rows", s.strip_rows);
  take(k, "task_channels", s.task_channels);
  take(k, "split_rows", s.split_rows);
  take(k, "column_phases", s.column_phases);
  take(k, "unroll_taps", s.unroll_taps);
  take(k, "parallel", s.parallel);
  return s;
}

ScheduleKnobs knobs_of(const DepthwiseSchedule &s) {
  return {"depthwise",
          {{"vector_width", s.vector_width},
           {"x_vectors", s.x_vectors},
           {"y_block", s.y_block},
           {"strip_rows", s.strip_rows},
           {"task_channels", s.task_channels},
           {"split_rows", s.split_rows},
           {"column_phases", s.column_phases},
           {"unroll_taps", s.unroll_taps},
           {"parallel", s.parallel}},
          ""};
}

}  // namespace kiln::codegen::schedules
