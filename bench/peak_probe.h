// The machine's attainable FP32 throughput: independent chains of vector
// FMAs (no loads, no dependencies between chains), on one core and on many.
// The widest instruction set the CPU runs is picked at run time (AVX-512,
// else AVX2 + FMA, else scalar), so the binary runs on any x86-64. `kiln
// bench` divides each kernel's GFLOP/s by this to report percent of peak.
#pragma once

#include <string>

namespace kiln::bench {

struct PeakIsa {
  std::string name;  // "avx512f", "avx2+fma" or "scalar"
  int lanes = 1;     // float32 lanes per FMA
};

// The instruction set the probe uses on this CPU.
PeakIsa peak_isa();

// Cores this process may run on (sched_getaffinity), at least 1.
int available_cores();

struct PeakResult {
  PeakIsa isa;
  int threads = 1;
  double gflops = 0;  // best of the trials
};

// Runs the FMA chains on `threads` threads at once for `trials` trials of
// about `seconds_per_trial` each and keeps the best (on a shared machine the
// best trial is the one least disturbed).
PeakResult measure_peak(int threads, int trials = 3, double seconds_per_trial = 0.1);

}  // namespace kiln::bench
