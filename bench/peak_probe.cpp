#include "bench/peak_probe.h"

#include <immintrin.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

namespace kiln::bench {

namespace {

// Twelve independent accumulators: enough to cover FMA latency times the FMA
// ports of current x86 cores (4 cycles x 2 ports), few enough to stay in the
// 16 registers AVX2 has. Distinct start values keep the compiler from
// merging chains that would otherwise compute the same thing.
constexpr int kChains = 12;
#define KILN_CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

// x <- x * 0.9999999 + 1e-7 stays near 1: no overflow, no denormals.
__attribute__((target("avx512f"))) float chains_avx512(int64_t iters) {
  const __m512 m = _mm512_set1_ps(0.9999999f), c = _mm512_set1_ps(1e-7f);
#define DECL(k) __m512 a##k = _mm512_set1_ps(1.0f + 0.01f * (k));
#define STEP(k) a##k = _mm512_fmadd_ps(a##k, m, c);
#define SUM(k) s = _mm512_add_ps(s, a##k);
  KILN_CHAINS(DECL)
  for (int64_t i = 0; i < iters; i++) {
    KILN_CHAINS(STEP)
  }
  __m512 s = _mm512_setzero_ps();
  KILN_CHAINS(SUM)
#undef DECL
#undef STEP
#undef SUM
  return _mm512_reduce_add_ps(s);
}

__attribute__((target("avx2,fma"))) float chains_avx2(int64_t iters) {
  const __m256 m = _mm256_set1_ps(0.9999999f), c = _mm256_set1_ps(1e-7f);
#define DECL(k) __m256 a##k = _mm256_set1_ps(1.0f + 0.01f * (k));
#define STEP(k) a##k = _mm256_fmadd_ps(a##k, m, c);
#define SUM(k) s = _mm256_add_ps(s, a##k);
  KILN_CHAINS(DECL)
  for (int64_t i = 0; i < iters; i++) {
    KILN_CHAINS(STEP)
  }
  __m256 s = _mm256_setzero_ps();
  KILN_CHAINS(SUM)
#undef DECL
#undef STEP
#undef SUM
  float lanes[8];
  _mm256_storeu_ps(lanes, s);
  float total = 0;
  for (float v : lanes) total += v;
  return total;
}

float chains_scalar(int64_t iters) {
  const float m = 0.9999999f, c = 1e-7f;
#define DECL(k) float a##k = 1.0f + 0.01f * (k);
#define STEP(k) a##k = a##k * m + c;
#define SUM(k) s += a##k;
  KILN_CHAINS(DECL)
  for (int64_t i = 0; i < iters; i++) {
    KILN_CHAINS(STEP)
  }
  float s = 0;
  KILN_CHAINS(SUM)
#undef DECL
#undef STEP
#undef SUM
  return s;
}

#undef KILN_CHAINS

using ChainsFn = float (*)(int64_t);

ChainsFn chains_fn(const PeakIsa &isa) {
  if (isa.name == "avx512f") return chains_avx512;
  if (isa.name == "avx2+fma") return chains_avx2;
  return chains_scalar;
}

volatile float g_sink;  // keeps the chains' results alive

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Wall time of `threads` threads each running `iters` iterations, started
// together.
double run_threads(ChainsFn fn, int threads, int64_t iters) {
  std::atomic<bool> go{false};
  std::atomic<int> ready{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; t++)
    pool.emplace_back([&] {
      ready++;
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      g_sink = fn(iters);
    });
  while (ready.load() < threads) std::this_thread::yield();
  auto start = std::chrono::steady_clock::now();
  go.store(true, std::memory_order_release);
  for (auto &t : pool) t.join();
  return seconds_since(start);
}

}  // namespace

PeakIsa peak_isa() {
  __builtin_cpu_init();
  // __builtin_cpu_supports also checks that the OS saves the wide registers.
  if (__builtin_cpu_supports("avx512f")) return {"avx512f", 16};
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {"avx2+fma", 8};
  return {"scalar", 1};
}

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

PeakResult measure_peak(int threads, int trials, double seconds_per_trial) {
  PeakResult r;
  r.isa = peak_isa();
  r.threads = std::max(1, threads);
  ChainsFn fn = chains_fn(r.isa);
  // Calibrate on one thread: iterations for about seconds_per_trial.
  auto time_one = [fn](int64_t n) {
    auto start = std::chrono::steady_clock::now();
    g_sink = fn(n);
    return seconds_since(start);
  };
  int64_t iters = 1 << 16;
  double t = 0;
  while ((t = time_one(iters)) < 0.01) iters *= 4;
  iters = std::max<int64_t>(1, static_cast<int64_t>(iters * seconds_per_trial / t));
  const double flops_per_thread = 2.0 * kChains * r.isa.lanes * static_cast<double>(iters);
  for (int trial = 0; trial < std::max(1, trials); trial++) {
    double seconds = run_threads(fn, r.threads, iters);
    r.gflops = std::max(r.gflops, flops_per_thread * r.threads / seconds * 1e-9);
  }
  return r;
}

}  // namespace kiln::bench
