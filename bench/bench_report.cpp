#include "bench/bench_report.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>

namespace kiln::bench {

namespace {

// The figures derived from a kernel's median time.
struct KernelFigures {
  double gflops, percent_of_peak, share_percent;
};

double kernels_ms(const ModelTiming &t) {
  double sum = 0;
  for (const auto &k : t.kernels) sum += k.median_ms;
  return sum;
}

KernelFigures figures(const BenchReport &r, const KernelTiming &k) {
  KernelFigures f{};
  f.gflops = k.median_ms > 0 ? k.flops / (k.median_ms * 1e-3) * 1e-9 : 0;
  f.percent_of_peak = r.peak_used.gflops > 0 ? 100 * f.gflops / r.peak_used.gflops : 0;
  double total = kernels_ms(r.timing);
  f.share_percent = total > 0 ? 100 * k.median_ms / total : 0;
  return f;
}

double throughput(const BenchReport &r) {
  return r.timing.median_ms > 0 ? r.timing.batch / (r.timing.median_ms * 1e-3) : 0;
}

std::string printf_string(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
std::string printf_string(const char *fmt, ...) {
  char buf[1024];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

nlohmann::json peak_json(const PeakResult &p) {
  return {
      {"isa", p.isa.name}, {"lanes", p.isa.lanes}, {"threads", p.threads}, {"gflops", p.gflops}};
}

}  // namespace

std::string format_peak(const PeakResult &one, const PeakResult &all) {
  return printf_string("peak FP32 FMA (%s, %d lanes): 1 core %.1f GFLOP/s, %d cores %.1f GFLOP/s\n",
                       one.isa.name.c_str(), one.isa.lanes, one.gflops, all.threads, all.gflops);
}

std::string format_report(const BenchReport &r) {
  const ModelTiming &t = r.timing;
  std::string out = printf_string(
      "kiln bench %s: batch %lld, %d threads, median of %d runs after %d warm-up runs\n",
      t.model.c_str(), static_cast<long long>(t.batch), r.threads, r.repeat, r.warmup);
  out += format_peak(r.peak_one_core, r.peak_all_cores);
  out += printf_string("percent of peak is of %.1f GFLOP/s (%d threads)\n\n", r.peak_used.gflops,
                       r.peak_used.threads);
  size_t node_w = 4, op_w = 2, algo_w = 9, shape_w = 12;
  for (const auto &k : t.kernels) {
    node_w = std::max(node_w, k.node.size());
    op_w = std::max(op_w, k.op.size());
    algo_w = std::max(algo_w, k.algorithm.size());
    shape_w = std::max(shape_w, ir::shape_str(k.output_shape).size());
  }
  auto row = [&](const std::string &i, const std::string &node, const std::string &op,
                 const std::string &algo, const std::string &shape, const std::string &rest) {
    return printf_string("%4s  %-*s  %-*s  %-*s  %-*s  %s\n", i.c_str(), static_cast<int>(node_w),
                         node.c_str(), static_cast<int>(op_w), op.c_str(), static_cast<int>(algo_w),
                         algo.c_str(), static_cast<int>(shape_w), shape.c_str(), rest.c_str());
  };
  out += row("#", "node", "op", "algorithm", "output shape",
             printf_string("%10s  %9s  %7s  %7s", "median ms", "GFLOP/s", "% peak", "share"));
  for (size_t i = 0; i < t.kernels.size(); i++) {
    const KernelTiming &k = t.kernels[i];
    KernelFigures f = figures(r, k);
    out += row(std::to_string(i + 1), k.node, k.op, k.algorithm, ir::shape_str(k.output_shape),
               printf_string("%10.4f  %9.2f  %6.1f%%  %6.1f%%", k.median_ms, f.gflops,
                             f.percent_of_peak, f.share_percent));
  }
  int64_t flops = 0;
  for (const auto &k : t.kernels) flops += k.flops;
  out +=
      printf_string("\nsum of kernel medians: %.4f ms (%.4g GFLOP, %.2f GFLOP/s)\n", kernels_ms(t),
                    flops * 1e-9, kernels_ms(t) > 0 ? flops / (kernels_ms(t) * 1e-3) * 1e-9 : 0);
  out += printf_string(
      "end to end, batch %lld: median %.4f ms, p10 %.4f ms, p90 %.4f ms; throughput %.1f "
      "images/s\n",
      static_cast<long long>(t.batch), t.median_ms, t.p10_ms, t.p90_ms, throughput(r));
  return out;
}

nlohmann::json report_json(const BenchReport &r) {
  const ModelTiming &t = r.timing;
  nlohmann::json j;
  j["model"] = t.model;
  j["batch"] = t.batch;
  j["threads"] = r.threads;
  j["repeat"] = r.repeat;
  j["warmup"] = r.warmup;
  j["peak"] = {{"one_core", peak_json(r.peak_one_core)},
               {"all_cores", peak_json(r.peak_all_cores)},
               {"used", peak_json(r.peak_used)}};
  j["kernels"] = nlohmann::json::array();
  for (const auto &k : t.kernels) {
    KernelFigures f = figures(r, k);
    j["kernels"].push_back({{"node", k.node},
                            {"op", k.op},
                            {"algorithm", k.algorithm},
                            {"schedule", k.schedule},
                            {"output_shape", k.output_shape},
                            {"flops", k.flops},
                            {"median_ms", k.median_ms},
                            {"gflops", f.gflops},
                            {"percent_of_peak", f.percent_of_peak},
                            {"share_percent", f.share_percent}});
  }
  j["kernels_ms"] = kernels_ms(t);
  j["end_to_end"] = {{"median_ms", t.median_ms},
                     {"p10_ms", t.p10_ms},
                     {"p90_ms", t.p90_ms},
                     {"images_per_second", throughput(r)}};
  return j;
}

}  // namespace kiln::bench
