// winograd_layers: kiln's direct kernel against Winograd F2 and F4 (filter
// transformed in the kernel, and at compile time by pretransform-winograd)
// on VGG-16's 3x3 layers, batch 1, and each Winograd kernel's error against
// a float64 convolution. Every variant of a layer is compiled first, then
// the variants run interleaved, round by round, so the machine's load hits
// them alike; the figures are per-variant medians over all rounds.
//
//   winograd_layers [--rounds R] [--repeat N] [--threads T] [--only NAME]
//                   [--no-error] [--no-in-kernel]
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "bench/compiled_model.h"
#include "bench/stats.h"
#include "codegen/loaded_library.h"
#include "ir/graph.h"
#include "ir/ops/winograd.h"
#include "passes/pretransform_winograd.h"

namespace {

using namespace kiln;

struct Layer {
  const char *name;
  int64_t channels, size, filters;
};

// VGG-16's 3x3 layers with 64 or more input channels (conv1_1 has 3); the
// repeated ones (conv3_3, conv4_3, conv5_2, conv5_3) have the shapes of
// conv3_2, conv4_2 and conv5_1.
const std::vector<Layer> &vgg_layers() {
  static const std::vector<Layer> all = {
      {"conv1_2", 64, 224, 64},  {"conv2_1", 64, 112, 128}, {"conv2_2", 128, 112, 128},
      {"conv3_1", 128, 56, 256}, {"conv3_2", 256, 56, 256}, {"conv4_1", 256, 28, 512},
      {"conv4_2", 512, 28, 512}, {"conv5_1", 512, 14, 512},
  };
  return all;
}

struct Variant {
  std::string name, algorithm;
  bool pretransform;
};

// One conv2d, 3x3 'same' with bias and ReLU (VGG's layer), seeded
// He-uniform weights and bias in +-0.1; Winograd variants optionally
// pretransformed.
ir::Graph layer_graph(const Layer &l, const Variant &v, std::vector<float> *weights,
                      std::vector<float> *bias) {
  ir::Graph g;
  g.name = "wino_" + std::string(l.name);
  int x = g.add_input("x", {ir::DType::F32, {1, l.channels, l.size, l.size}});
  std::mt19937 rng(42);
  float scale = static_cast<float>(std::sqrt(6.0 / (9.0 * l.channels)));
  std::uniform_real_distribution<float> wd(-scale, scale), bd(-0.1f, 0.1f);
  weights->resize(static_cast<size_t>(l.filters * l.channels * 9));
  bias->resize(static_cast<size_t>(l.filters));
  for (float &w : *weights) w = wd(rng);
  for (float &b : *bias) b = bd(rng);
  int w = g.add_param("w", {ir::DType::F32, {l.filters, l.channels, 3, 3}}, *weights);
  int b = g.add_param("b", {ir::DType::F32, {l.filters}}, *bias);
  ir::Attrs a;
  a.set("filters", l.filters);
  a.set("kernel", std::vector<int64_t>{3, 3});
  a.set("padding", std::string("same"));
  a.set("activation", std::string("relu"));
  a.set("algorithm", v.algorithm);
  int node = g.add_node("conv2d", "conv", {x, w, b}, a);
  g.mark_output(g.node(node).outputs[0]);
  return v.pretransform ? passes::pretransform_winograd(g) : g;
}

// max |got - want| / max |want| against relu(conv + bias) in float64, over
// every `stride`-th output channel (the oracle's cost).
double max_rel_error(const Layer &l, const bench::AlignedFloats &x, const std::vector<float> &w,
                     const std::vector<float> &b, const bench::AlignedFloats &got, int stride) {
  const int64_t C = l.channels, H = l.size, W = l.size;
  double worst = 0, scale = 0;
  std::vector<double> acc(static_cast<size_t>(H * W));
  for (int64_t k = 0; k < l.filters; k += stride) {
    std::fill(acc.begin(), acc.end(), static_cast<double>(b[k]));
    for (int64_t c = 0; c < C; c++)
      for (int64_t ky = 0; ky < 3; ky++)
        for (int64_t kx = 0; kx < 3; kx++) {
          double wv = w[((k * C + c) * 3 + ky) * 3 + kx];
          for (int64_t oy = 0; oy < H; oy++) {
            int64_t iy = oy + ky - 1;
            if (iy < 0 || iy >= H) continue;
            const float *row = &x[(c * H + iy) * W];
            double *out = &acc[oy * W];
            for (int64_t ox = 0; ox < W; ox++) {
              int64_t ix = ox + kx - 1;
              if (ix >= 0 && ix < W) out[ox] += wv * row[ix];
            }
          }
        }
    for (int64_t i = 0; i < H * W; i++) {
      double want = std::max(0.0, acc[i]);
      scale = std::max(scale, std::fabs(want));
      worst = std::max(worst, std::fabs(got[k * H * W + i] - want));
    }
  }
  return worst / scale;
}

struct Built {
  Variant variant;
  std::unique_ptr<bench::CompiledModel> model;
  std::unique_ptr<codegen::LoadedLibrary::Instance> instance;
  std::unique_ptr<bench::ModelBuffers> buffers;
  std::vector<double> ms;
  std::string schedule;
};

}  // namespace

int main(int argc, char **argv) {
  int rounds = 3, repeat = 5, threads = 0;
  bool error = true, in_kernel = true;
  std::string only;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--rounds")
      rounds = std::atoi(next().c_str());
    else if (a == "--repeat")
      repeat = std::atoi(next().c_str());
    else if (a == "--threads")
      threads = std::atoi(next().c_str());
    else if (a == "--only")
      only = next();
    else if (a == "--no-error")
      error = false;
    else if (a == "--no-in-kernel")
      in_kernel = false;
    else {
      std::fprintf(stderr,
                   "usage: winograd_layers [--rounds R] [--repeat N] [--threads T] "
                   "[--only NAME] [--no-error] [--no-in-kernel]\n");
      return 2;
    }
  }
  std::vector<Variant> variants = {{"direct", "direct", false}};
  if (in_kernel) variants.push_back({"F2", "winograd_f2", false});
  variants.push_back({"F2 pre", "winograd_f2", true});
  if (in_kernel) variants.push_back({"F4", "winograd_f4", false});
  variants.push_back({"F4 pre", "winograd_f4", true});

  std::printf("| layer | CxHxW > K |");
  for (const Variant &v : variants) std::printf(" %s ms |", v.name.c_str());
  std::printf(" F2 pre speedup | F4 pre speedup | err F2 | err F4 |\n");
  for (const Layer &l : vgg_layers()) {
    if (!only.empty() && only != l.name) continue;
    std::vector<Built> built;
    std::vector<float> w, b;
    for (const Variant &v : variants) {
      Built k;
      k.variant = v;
      k.model = std::make_unique<bench::CompiledModel>(layer_graph(l, v, &w, &b), nullptr);
      if (threads > 0) k.model->library().set_num_threads(threads);
      k.instance = std::make_unique<codegen::LoadedLibrary::Instance>(k.model->library());
      k.buffers = std::make_unique<bench::ModelBuffers>(k.model->library(), 7);
      for (auto &in : k.buffers->inputs)  // post-ReLU-like inputs in [0, 1)
        for (float &f : in) f = 0.5f * (f + 1.0f);
      k.schedule = k.model->report().kernels.at(0).schedule;
      k.instance->run(k.buffers->input_ptrs, k.buffers->output_ptrs);  // warm-up
      built.push_back(std::move(k));
    }
    for (int r = 0; r < rounds; r++)
      for (Built &k : built)
        for (int i = 0; i < repeat; i++)
          k.ms.push_back(
              k.instance->run_profiled(k.buffers->input_ptrs, k.buffers->output_ptrs).at(0) * 1e3);
    double direct = bench::median(built[0].ms);
    std::printf("| %s | %lldx%lldx%lld > %lld |", l.name, (long long)l.channels, (long long)l.size,
                (long long)l.size, (long long)l.filters);
    double pre2 = 0, pre4 = 0, e2 = 0, e4 = 0;
    for (Built &k : built) {
      double med = bench::median(k.ms);
      std::printf(" %.3f |", med);
      bool f2 = k.variant.algorithm == "winograd_f2";
      if (k.variant.pretransform) (f2 ? pre2 : pre4) = direct / med;
      if (error && k.variant.pretransform) {
        int stride = l.size >= 112 ? 16 : 4;
        (f2 ? e2 : e4) =
            max_rel_error(l, k.buffers->inputs[0], w, b, k.buffers->outputs[0], stride);
      }
    }
    std::printf(" %.2f | %.2f | %.1e | %.1e |\n", pre2, pre4, e2, e4);
    for (Built &k : built)
      std::fprintf(stderr, "  %s %s: %s\n", l.name, k.variant.name.c_str(), k.schedule.c_str());
    std::fflush(stdout);
  }
  return 0;
}
