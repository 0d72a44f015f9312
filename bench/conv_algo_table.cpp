// conv_algo_table: times every conv2d algorithm that fits on a set of layer
// shapes (3x3, 1x1, strided, large kernels, depthwise, grouped, whole-input)
// on this machine, one JSON line per timing, for the cost model behind
// `--conv-algo auto` (passes/conv_cost_model.h). The first line holds the
// FMA peak (all cores), the machine and the date; scripts/fit_conv_cost_model.py
// fits the model to the lines and writes passes/conv_cost_constants.cpp.
//
//   conv_algo_table [--repeat N] > table.jsonl
// A candidate that fails to compile is reported on stderr and in a line with
// "error", so the fit knows which lowerings exist.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "bench/conv_candidate_timer.h"
#include "bench/peak_probe.h"
#include "ir/op.h"
#include "ir/ops/conv_algorithm.h"
#include "passes/conv_cost_model.h"

namespace {

using namespace kiln;

struct Layer {
  int64_t channels, filters, size, kernel, stride, groups;
};

// Batch-1 layers like those of VGG, ResNet, MobileNet, ResNeXt and LeNet.
const std::vector<Layer> &layers() {
  static const std::vector<Layer> all = {
      // 3x3 stride 1 ("same" padding)
      {8, 8, 32, 3, 1, 1},
      {16, 16, 56, 3, 1, 1},
      {32, 32, 56, 3, 1, 1},
      {64, 64, 56, 3, 1, 1},
      {64, 64, 28, 3, 1, 1},
      {128, 128, 28, 3, 1, 1},
      {256, 256, 14, 3, 1, 1},
      {512, 512, 7, 3, 1, 1},
      {32, 64, 16, 3, 1, 1},
      {3, 32, 112, 3, 1, 1},
      {128, 256, 7, 3, 1, 1},
      {64, 128, 14, 3, 1, 1},
      // 3x3 stride 2
      {64, 128, 56, 3, 2, 1},
      {128, 256, 28, 3, 2, 1},
      {32, 32, 32, 3, 2, 1},
      // 1x1
      {64, 256, 56, 1, 1, 1},
      {256, 64, 56, 1, 1, 1},
      {256, 512, 28, 1, 1, 1},
      {512, 1024, 14, 1, 1, 1},
      {1024, 2048, 7, 1, 1, 1},
      {16, 96, 56, 1, 1, 1},
      {32, 64, 112, 1, 1, 1},
      // 1x1 stride 2 (ResNet's projections)
      {256, 512, 56, 1, 2, 1},
      {64, 128, 56, 1, 2, 1},
      {128, 256, 28, 1, 2, 1},
      {512, 1024, 28, 1, 2, 1},
      {1024, 2048, 14, 1, 2, 1},
      // large kernels
      {3, 64, 224, 7, 2, 1},
      {32, 64, 28, 5, 1, 1},
      {16, 32, 14, 5, 1, 1},
      // depthwise and grouped
      {32, 32, 112, 3, 1, 32},
      {64, 64, 56, 3, 1, 64},
      {128, 128, 28, 3, 1, 128},
      {256, 256, 14, 3, 1, 256},
      {512, 512, 14, 3, 1, 512},
      {1024, 1024, 7, 3, 1, 1024},
      {64, 64, 112, 3, 2, 64},
      {256, 256, 28, 3, 2, 256},
      {128, 128, 28, 3, 1, 32},
  };
  return all;
}

// A conv over its whole input (a classifier head written as a conv).
struct Whole {
  int64_t channels, filters, size;
};
const std::vector<Whole> &whole_input_layers() {
  static const std::vector<Whole> all = {
      {256, 512, 7}, {16, 120, 5}, {128, 256, 4}, {512, 1000, 1}};
  return all;
}

ir::Graph layer_graph(int64_t channels, int64_t size, ir::Attrs attrs, uint64_t seed) {
  ir::Graph g;
  g.name = "layer";
  int x = g.add_input("x", {ir::DType::F32, {1, channels, size, size}});
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uniform(-0.1f, 0.1f);
  std::vector<int> inputs = {x};
  int64_t filters = attrs.get_int("filters"), groups = attrs.get_int("groups");
  int64_t k = attrs.get_ints("kernel")[0];
  std::vector<float> w(static_cast<size_t>(filters * channels / groups * k * k));
  for (float &v : w) v = uniform(rng);
  inputs.push_back(g.add_param("weight", {ir::DType::F32, {filters, channels / groups, k, k}}, w));
  inputs.push_back(
      g.add_param("bias", {ir::DType::F32, {filters}}, std::vector<float>(filters, 0.01f)));
  g.mark_output(g.nodes[g.add_node("conv2d", "conv", inputs, std::move(attrs))].outputs[0]);
  return g;
}

ir::Attrs conv_attrs(int64_t filters, int64_t kernel, int64_t stride, int64_t groups, bool same) {
  ir::Attrs a;
  a.set("filters", filters);
  a.set("kernel", std::vector<int64_t>{kernel, kernel});
  a.set("stride", std::vector<int64_t>{stride, stride});
  a.set("padding", std::string(same ? "same" : "valid"));
  a.set("groups", groups);
  return a;
}

void time_all(const ir::Graph &g, const std::string &label, const bench::CandidateTiming &t) {
  const ir::Node &conv = g.nodes.back();
  ir::Shape input = g.value(conv.inputs[0]).type.shape;
  passes::ConvFeatures f = passes::conv_features(conv.attrs, input);
  for (const std::string &algorithm : ir::ops::conv_algorithms()) {
    if (!ir::ops::conv_algorithm_unfit(algorithm, conv.attrs, input).empty()) continue;
    nlohmann::json line = {{"layer", label},
                           {"algorithm", algorithm},
                           {"variant", passes::conv_variant(algorithm, f)},
                           {"reduction", f.reduction()},
                           {"out_channels", f.out_channels},
                           {"out_pixels", f.out_pixels()},
                           {"macs", f.macs()},
                           {"mac_factor", passes::mac_factor(algorithm)}};
    ir::Graph one = g;
    one.nodes.back().attrs.set("algorithm", algorithm);
    try {
      line["ms"] = bench::time_node_alone(one, one.nodes.back(), t);
      std::fprintf(stderr, "%-28s %-12s %8.3f ms\n", label.c_str(), algorithm.c_str(),
                   double(line["ms"]));
    } catch (const std::exception &e) {
      std::string what = e.what();
      line["error"] = what.substr(0, what.find('\n'));
      std::fprintf(stderr, "%-28s %-12s failed: %s\n", label.c_str(), algorithm.c_str(),
                   std::string(line["error"]).c_str());
    }
    std::printf("%s\n", line.dump().c_str());
    std::fflush(stdout);
  }
}

}  // namespace

int main(int argc, char **argv) {
  bench::CandidateTiming timing;
  timing.repeat = 9;
  timing.warmup = 2;
  for (int i = 1; i + 1 < argc; i += 2)
    if (std::strcmp(argv[i], "--repeat") == 0) timing.repeat = std::atoi(argv[i + 1]);
  try {
    bench::PeakResult peak = bench::measure_peak(bench::available_cores());
    char date[32];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
    std::printf("%s\n", nlohmann::json{{"peak_gflops", peak.gflops},
                                       {"threads", peak.threads},
                                       {"isa", peak.isa.name},
                                       {"date", date}}
                            .dump()
                            .c_str());
    for (const Layer &l : layers()) {
      std::string label = std::to_string(l.channels) + "->" + std::to_string(l.filters) + " " +
                          std::to_string(l.size) + "^2 k" + std::to_string(l.kernel) + " s" +
                          std::to_string(l.stride) +
                          (l.groups > 1 ? " g" + std::to_string(l.groups) : "");
      time_all(layer_graph(l.channels, l.size,
                           conv_attrs(l.filters, l.kernel, l.stride, l.groups, true), 1),
               label, timing);
    }
    for (const Whole &w : whole_input_layers())
      time_all(layer_graph(w.channels, w.size, conv_attrs(w.filters, w.size, 1, 1, false), 2),
               std::to_string(w.channels) + "->" + std::to_string(w.filters) + " whole " +
                   std::to_string(w.size) + "^2",
               timing);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "conv_algo_table: %s\n", e.what());
    return 1;
  }
  return 0;
}
