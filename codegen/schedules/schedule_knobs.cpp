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
  return s;
}

ScheduleKnobs knobs_of(const ConvSchedule &s) {
  return {"conv2d",
          {{"vector_width", s.vector_width},
           {"x_vectors", s.x_vectors},
           {"y_block", s.y_block},
           {"co_block", s.co_block},
           {"unroll_kx", s.unroll_kx},
           {"parallel", s.parallel},
           {"flat_rows", s.flat_rows}},
          ""};
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

}  // namespace kiln::codegen::schedules
