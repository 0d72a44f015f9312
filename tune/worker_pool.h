// Worker processes for the tuner: each runs `EXE tune --worker JOB` with its
// output in JOB.log, and is killed when it outlives its timeout. A worker
// that crashes, hangs or writes no result counts as a failed candidate.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

#include "tune/measure.h"

namespace kiln::tune {

class WorkerPool {
 public:
  WorkerPool(std::string exe, int slots, double timeout_s)
      : exe_(std::move(exe)), slots_(slots), timeout_s_(timeout_s) {}
  ~WorkerPool();  // kills what still runs

  bool has_free_slot() const { return static_cast<int>(running_.size()) < slots_; }
  bool idle() const { return running_.empty(); }
  // Writes the job to `job_path` and starts a worker on it; `tag` comes back
  // with its result. `timeout_s` > 0 replaces the pool's timeout for this job.
  void start(const MeasureJob &job, const std::string &job_path, int tag, double timeout_s = 0);

  struct Finished {
    int tag;
    MeasureResult result;  // not ok when the worker crashed, hung or failed
  };
  // Waits (polling) until at least one worker finishes; returns those done.
  std::vector<Finished> wait_some();

 private:
  struct Running {
    pid_t pid;
    int tag;
    std::string job_path;
    std::chrono::steady_clock::time_point started;
    double timeout_s;
  };
  Finished collect(const Running &r, int status, bool timed_out);
  std::string exe_;
  int slots_;
  double timeout_s_;
  std::vector<Running> running_;
};

}  // namespace kiln::tune
