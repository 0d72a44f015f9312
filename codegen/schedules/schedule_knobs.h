// A tuned schedule as data: which schedule family it sets ("conv2d" for
// ConvSchedule, "dense" for DenseSchedule, "gemm" for an im2col conv's
// GemmSchedule, "winograd" for WinogradSchedule, "depthwise" for
// DepthwiseSchedule) and its knob values by name, as
// the tuner (tune/) searches them and a tuning record stores them. Lowerings
// that take knobs read them through the converters below; a knob left out
// keeps the struct's default. `autoscheduler` names one of Halide's
// autoschedulers instead (codegen/autoschedule.h): the lowering then builds
// the family's algorithm unscheduled and the autoscheduler schedules it; the
// knob values are unused.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "codegen/schedules/conv_schedule.h"
#include "codegen/schedules/dense_schedule.h"
#include "codegen/schedules/depthwise_schedule.h"
#include "codegen/schedules/gemm_schedule.h"
#include "codegen/schedules/winograd_schedule.h"

namespace kiln::codegen::schedules {

struct ScheduleKnobs {
  std::string family;  // "" (none: the default heuristic), "conv2d", "dense", "gemm", "winograd",
                       // "depthwise"
  std::map<std::string, int64_t> values;
  std::string autoscheduler;  // "" or "Mullapudi2016", "Adams2019", "Li2018", "Anderson2021"

  bool empty() const { return family.empty(); }
  // Canonical one-line form, "conv2d{co_block=6,vector_width=16}" or
  // "conv2d{autoscheduler=Mullapudi2016}" (also the kernel cache key's part);
  // "" when empty.
  std::string str() const;
};

ConvSchedule conv_schedule_from(const ScheduleKnobs &k);
ScheduleKnobs knobs_of(const ConvSchedule &s);
DenseSchedule dense_schedule_from(const ScheduleKnobs &k);
ScheduleKnobs knobs_of(const DenseSchedule &s);
DepthwiseSchedule depthwise_schedule_from(const ScheduleKnobs &k);
ScheduleKnobs knobs_of(const DepthwiseSchedule &s);
GemmSchedule gemm_schedule_from(const ScheduleKnobs &k);
ScheduleKnobs knobs_of(const GemmSchedule &s);
WinogradSchedule winograd_schedule_from(const ScheduleKnobs &k);
ScheduleKnobs knobs_of(const WinogradSchedule &s);  // the knobs only, not the derived fields

}  // namespace kiln::codegen::schedules
