// onednn_conv_bench: kiln's convolution kernels against oneDNN's, layer by
// layer, in one run. Each layer is one conv2d (with bias, no activation) at
// batch 1: ResNet-50's distinct convolutions and VGG-16's 3x3 layers. kiln's
// side is a one-node graph compiled through kiln's ordinary path (kernel
// cache, generated library, NAME_run); oneDNN's side is a convolution
// primitive with the layouts it prefers (format_tag::any; inputs and weights
// are reordered once, outside the timing), or plain NCHW with --layout nchw.
// Both get the same data and thread count; their outputs are compared before
// timing. Timing alternates blocks of runs of each library with idle gaps, so
// neither pays for the other's spinning worker threads.
//
// On a busy machine set OMP_WAIT_POLICY=passive: with libgomp's default
// (spin, then sleep), oneDNN's statically partitioned loops wait for a
// preempted thread until the next scheduler tick, and a 0.3 ms layer took
// 12 ms on a loaded 2-vCPU machine. Halide's pool hands out tasks
// dynamically and does not suffer this. The header line shows the setting.
//
//   onednn_conv_bench [--set resnet50|vgg16|all] [--layer NAME[,NAME...]] [--repeat N] [--rounds N]
//                     [--warmup-ms MS] [--threads N] [--algo direct|auto] [--layout any|nchw]
//                     [--kiln-algo NAME]
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dnnl.hpp>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/compiled_model.h"
#include "bench/peak_probe.h"
#include "bench/stats.h"
#include "ir/errors.h"
#include "passes/pretransform_winograd.h"
#include "passes/select_algorithm.h"

namespace {

using kiln::bench::median;

struct ConvLayer {
  const char *set;
  const char *name;
  int64_t c, h, w, f, k, stride, pad;
  int count;  // how often the network has this layer (for the weighted total)

  int64_t out_h() const { return (h + 2 * pad - k) / stride + 1; }
  int64_t out_w() const { return (w + 2 * pad - k) / stride + 1; }
  double flops() const { return 2.0 * f * out_h() * out_w() * c * k * k; }  // MACs x 2
};

// torchvision's ResNet-50 (v1.5: the stride sits on the 3x3) at 224x224;
// the expand 1x1 of a stage and its stride-1 downsample share a shape.
const ConvLayer kLayers[] = {
    {"resnet50", "conv1", 3, 224, 224, 64, 7, 2, 3, 1},
    {"resnet50", "l1_reduce_first", 64, 56, 56, 64, 1, 1, 0, 1},
    {"resnet50", "l1_3x3", 64, 56, 56, 64, 3, 1, 1, 3},
    {"resnet50", "l1_expand", 64, 56, 56, 256, 1, 1, 0, 4},
    {"resnet50", "l1_reduce", 256, 56, 56, 64, 1, 1, 0, 2},
    {"resnet50", "l2_reduce_first", 256, 56, 56, 128, 1, 1, 0, 1},
    {"resnet50", "l2_3x3_s2", 128, 56, 56, 128, 3, 2, 1, 1},
    {"resnet50", "l2_expand", 128, 28, 28, 512, 1, 1, 0, 4},
    {"resnet50", "l2_down_s2", 256, 56, 56, 512, 1, 2, 0, 1},
    {"resnet50", "l2_reduce", 512, 28, 28, 128, 1, 1, 0, 3},
    {"resnet50", "l2_3x3", 128, 28, 28, 128, 3, 1, 1, 3},
    {"resnet50", "l3_reduce_first", 512, 28, 28, 256, 1, 1, 0, 1},
    {"resnet50", "l3_3x3_s2", 256, 28, 28, 256, 3, 2, 1, 1},
    {"resnet50", "l3_expand", 256, 14, 14, 1024, 1, 1, 0, 6},
    {"resnet50", "l3_down_s2", 512, 28, 28, 1024, 1, 2, 0, 1},
    {"resnet50", "l3_reduce", 1024, 14, 14, 256, 1, 1, 0, 5},
    {"resnet50", "l3_3x3", 256, 14, 14, 256, 3, 1, 1, 5},
    {"resnet50", "l4_reduce_first", 1024, 14, 14, 512, 1, 1, 0, 1},
    {"resnet50", "l4_3x3_s2", 512, 14, 14, 512, 3, 2, 1, 1},
    {"resnet50", "l4_expand", 512, 7, 7, 2048, 1, 1, 0, 3},
    {"resnet50", "l4_down_s2", 1024, 14, 14, 2048, 1, 2, 0, 1},
    {"resnet50", "l4_reduce", 2048, 7, 7, 512, 1, 1, 0, 2},
    {"resnet50", "l4_3x3", 512, 7, 7, 512, 3, 1, 1, 2},
    // VGG-16's thirteen 3x3 'same' convolutions at 224x224, nine distinct.
    {"vgg16", "conv1_1", 3, 224, 224, 64, 3, 1, 1, 1},
    {"vgg16", "conv1_2", 64, 224, 224, 64, 3, 1, 1, 1},
    {"vgg16", "conv2_1", 64, 112, 112, 128, 3, 1, 1, 1},
    {"vgg16", "conv2_2", 128, 112, 112, 128, 3, 1, 1, 1},
    {"vgg16", "conv3_1", 128, 56, 56, 256, 3, 1, 1, 1},
    {"vgg16", "conv3_2", 256, 56, 56, 256, 3, 1, 1, 2},
    {"vgg16", "conv4_1", 256, 28, 28, 512, 3, 1, 1, 1},
    {"vgg16", "conv4_2", 512, 28, 28, 512, 3, 1, 1, 2},
    {"vgg16", "conv5_x", 512, 14, 14, 512, 3, 1, 1, 3},
};

struct Options {
  std::string set = "all";
  std::string layer;  // only these layers (comma-separated names), when given
  int repeat = 5, rounds = 6, threads = 0;
  double warmup_ms = 25;
  bool algo_auto = false, layout_any = true;
  std::string kiln_algo = "auto";  // kiln's conv2d `algorithm` attribute
};

[[noreturn]] void usage_error(const std::string &why) {
  std::fprintf(stderr,
               "onednn_conv_bench: %s\nusage: onednn_conv_bench [--set resnet50|vgg16|all] "
               "[--layer NAME[,NAME...]] "
               "[--repeat N] [--rounds N] [--warmup-ms MS] [--threads N] [--algo direct|auto] [--layout any|nchw] "
               "[--kiln-algo NAME]\n",
               why.c_str());
  std::exit(2);
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") usage_error("times kiln's and oneDNN's convolutions per layer");
    if (i + 1 >= argc) usage_error("unknown option or missing value: " + a);
    std::string v = argv[++i];
    if (a == "--layer")
      o.layer = v;
    else if (a == "--set" && (v == "resnet50" || v == "vgg16" || v == "all"))
      o.set = v;
    else if (a == "--repeat")
      o.repeat = std::stoi(v);
    else if (a == "--rounds")
      o.rounds = std::stoi(v);
    else if (a == "--warmup-ms")
      o.warmup_ms = std::stod(v);
    else if (a == "--threads")
      o.threads = std::stoi(v);
    else if (a == "--algo" && (v == "direct" || v == "auto"))
      o.algo_auto = v == "auto";
    else if (a == "--kiln-algo")
      o.kiln_algo = v;
    else if (a == "--layout" && (v == "any" || v == "nchw"))
      o.layout_any = v == "any";
    else
      usage_error("bad option " + a + " " + v);
  }
  if (o.repeat < 1 || o.rounds < 1 || o.threads < 0) usage_error("counts must be positive");
  return o;
}

std::vector<float> uniform(size_t n, float scale, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> d(-scale, scale);
  std::vector<float> v(n);
  for (float &x : v) x = d(rng);
  return v;
}

struct LayerData {
  std::vector<float> x, weight, bias;
};

LayerData layer_data(const ConvLayer &l, uint32_t seed) {
  float fan_in = static_cast<float>(l.c * l.k * l.k);
  return {uniform(l.c * l.h * l.w, 1.0f, seed),
          uniform(l.f * l.c * l.k * l.k, 1.0f / std::sqrt(fan_in), seed + 1),
          uniform(l.f, 0.1f, seed + 2)};
}

// kiln: a graph with one conv2d node, compiled like any model.
kiln::ir::Graph conv_graph(const ConvLayer &l, const LayerData &d, const std::string &algorithm) {
  using kiln::ir::DType;
  kiln::ir::Graph g;
  g.name = std::string("conv_") + l.name;
  int x = g.add_input("x", {DType::F32, {1, l.c, l.h, l.w}});
  int w = g.add_param("weight", {DType::F32, {l.f, l.c, l.k, l.k}}, d.weight);
  int b = g.add_param("bias", {DType::F32, {l.f}}, d.bias);
  kiln::ir::Attrs a;
  a.set("filters", l.f);
  a.set("kernel", std::vector<int64_t>{l.k, l.k});
  a.set("stride", std::vector<int64_t>{l.stride, l.stride});
  a.set("padding", std::vector<int64_t>{l.pad, l.pad, l.pad, l.pad});
  if (algorithm != "auto") a.set("algorithm", algorithm);
  int node = g.add_node("conv2d", "conv", {x, w, b}, a);
  g.mark_output(g.node(node).outputs[0]);
  // As `kiln compile` builds it: "auto" is the cost model's choice, and a
  // Winograd conv gets its filter transformed at compile time.
  std::vector<kiln::passes::AlgorithmChoice> choices;
  g = kiln::passes::select_algorithm(g, kiln::passes::ConvAlgoOptions{}, &choices);
  for (const auto &c : choices)
    std::fprintf(stderr, "  kiln algorithm: %s (%s)\n", c.algorithm.c_str(), c.reason.c_str());
  return kiln::passes::pretransform_winograd(g);
}

// oneDNN: one convolution primitive with its inputs in the layouts it chose.
class OnednnConv {
 public:
  OnednnConv(const ConvLayer &l, const LayerData &d, const Options &o)
      : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    using dnnl::memory;
    using tag = memory::format_tag;
    const auto f32 = memory::data_type::f32;
    memory::dims src{1, l.c, l.h, l.w}, wei{l.f, l.c, l.k, l.k}, bia{l.f},
        dst{1, l.f, l.out_h(), l.out_w()};
    tag act = o.layout_any ? tag::any : tag::nchw, wt = o.layout_any ? tag::any : tag::oihw;
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference,
        o.algo_auto ? dnnl::algorithm::convolution_auto : dnnl::algorithm::convolution_direct,
        memory::desc(src, f32, act), memory::desc(wei, f32, wt), memory::desc(bia, f32, tag::x),
        memory::desc(dst, f32, act), {l.stride, l.stride}, {l.pad, l.pad}, {l.pad, l.pad});
    dnnl::convolution_forward::primitive_desc pd(desc, engine_);
    impl_ = pd.impl_info_str();
    user_dst_ = memory({dst, f32, tag::nchw}, engine_);
    src_ = to_layout(memory({src, f32, tag::nchw}, engine_, const_cast<float *>(d.x.data())),
                     pd.src_desc());
    wei_ = to_layout(memory({wei, f32, tag::oihw}, engine_, const_cast<float *>(d.weight.data())),
                     pd.weights_desc());
    bia_ = memory({bia, f32, tag::x}, engine_, const_cast<float *>(d.bias.data()));
    dst_ = pd.dst_desc() == user_dst_.get_desc() ? user_dst_ : memory(pd.dst_desc(), engine_);
    conv_ = dnnl::convolution_forward(pd);
  }

  void run() {
    conv_.execute(stream_, {{DNNL_ARG_SRC, src_},
                            {DNNL_ARG_WEIGHTS, wei_},
                            {DNNL_ARG_BIAS, bia_},
                            {DNNL_ARG_DST, dst_}});
    stream_.wait();
  }

  // The last result in NCHW.
  std::vector<float> output() {
    if (dst_ != user_dst_) dnnl::reorder(dst_, user_dst_).execute(stream_, dst_, user_dst_);
    stream_.wait();
    const float *p = static_cast<const float *>(user_dst_.get_data_handle());
    return std::vector<float>(p, p + user_dst_.get_desc().get_size() / sizeof(float));
  }

  const std::string &impl() const { return impl_; }

 private:
  dnnl::memory to_layout(dnnl::memory user, const dnnl::memory::desc &want) {
    if (user.get_desc() == want) return user;
    dnnl::memory m(want, engine_);
    dnnl::reorder(user, m).execute(stream_, user, m);
    stream_.wait();
    return m;
  }

  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::convolution_forward conv_;
  dnnl::memory src_, wei_, bia_, dst_, user_dst_;
  std::string impl_;
};

double time_ms(const std::function<void()> &f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// Alternating blocks: untimed runs for `warmup_ms`, then `repeat` timed
// runs, then an idle gap (worker threads of the other library stop spinning
// and sleep). The warm-up is by time, not a run count: after an idle gap
// this VM runs kiln's two threads at about one thread's speed for the first
// 10-20 ms (measured: a 0.6 ms 1x1 conv took 1.1 ms for its first 10-18
// runs, then 0.56), and a model's kernels run back to back, not after gaps.
// `round_ratios` gets each round's median of a over its median of b: this
// 2-vCPU VM has phases of seconds in which both libraries run at one-thread
// speed, so a ratio of two blocks a few ms apart is steadier than a ratio of
// medians taken over different phases.
void time_both(const Options &o, const std::function<void()> &a, const std::function<void()> &b,
               std::vector<double> &a_ms, std::vector<double> &b_ms,
               std::vector<double> &round_ratios) {
  auto block = [&](const std::function<void()> &f, std::vector<double> &out) {
    std::vector<double> ms;
    auto start = std::chrono::steady_clock::now();
    do f();
    while (std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
               .count() < o.warmup_ms);
    for (int r = 0; r < o.repeat; r++) ms.push_back(time_ms(f));
    out.insert(out.end(), ms.begin(), ms.end());
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return median(ms);
  };
  for (int round = 0; round < o.rounds; round++) {
    double ma, mb;
    if (round % 2 == 0) {
      ma = block(a, a_ms);
      mb = block(b, b_ms);
    } else {
      mb = block(b, b_ms);
      ma = block(a, a_ms);
    }
    round_ratios.push_back(ma / mb);
  }
}

// Medians, and the fastest runs: on a busy machine the fastest run is the
// one least disturbed, so the two ratios bracket the truth.
struct Row {
  const ConvLayer *layer;
  double kiln_ms, onednn_ms, kiln_best_ms, onednn_best_ms, max_diff;
  double paired;  // median over rounds of kiln's block median / oneDNN's
  std::string impl;
};

std::string shape_text(const ConvLayer &l) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "%lldx%lldx%lld>%lld k%lld s%lld", (long long)l.c, (long long)l.h,
                (long long)l.w, (long long)l.f, (long long)l.k, (long long)l.stride);
  return buf;
}

void print_set(const char *set, const std::vector<Row> &rows, double peak) {
  std::printf("\n%s, batch 1\n", set);
  std::printf("%-16s %-24s %9s %10s %6s %6s %6s %8s %8s %6s %6s %8s  %s\n", "layer",
              "shape (CxHxW>F k s)", "kiln ms", "oneDNN ms", "ratio", "best", "paired", "kiln GF",
              "oDNN GF", "kiln%", "oDNN%", "max|diff|", "oneDNN impl");
  std::vector<double> ratios, best_ratios, paired_ratios;
  double kiln_total = 0, onednn_total = 0;
  for (const Row &r : rows) {
    if (std::strcmp(r.layer->set, set) != 0) continue;
    double fl = r.layer->flops();
    double kg = fl / (r.kiln_ms * 1e-3) * 1e-9, og = fl / (r.onednn_ms * 1e-3) * 1e-9;
    std::printf(
        "%-16s %-24s %9.3f %10.3f %6.2f %6.2f %6.2f %8.1f %8.1f %5.0f%% %5.0f%% %8.1e  %s\n",
        r.layer->name, shape_text(*r.layer).c_str(), r.kiln_ms, r.onednn_ms,
        r.kiln_ms / r.onednn_ms, r.kiln_best_ms / r.onednn_best_ms, r.paired, kg, og,
        100 * kg / peak, 100 * og / peak, r.max_diff, r.impl.c_str());
    paired_ratios.push_back(r.paired);
    ratios.push_back(r.kiln_ms / r.onednn_ms);
    best_ratios.push_back(r.kiln_best_ms / r.onednn_best_ms);
    kiln_total += r.layer->count * r.kiln_ms;
    onednn_total += r.layer->count * r.onednn_ms;
  }
  if (ratios.empty()) return;
  std::printf(
      "geometric mean of kiln/oneDNN over %zu layers: %.2f (medians), %.2f (best runs), %.2f "
      "(paired rounds)\n",
      ratios.size(), kiln::bench::geometric_mean(ratios),
      kiln::bench::geometric_mean(best_ratios), kiln::bench::geometric_mean(paired_ratios));
  std::printf(
      "all of %s's layers (each distinct layer times its count): kiln %.2f ms, oneDNN %.2f ms, "
      "ratio %.2f\n",
      set, kiln_total, onednn_total, kiln_total / onednn_total);
}

int run(const Options &o) {
  const int threads = o.threads > 0 ? o.threads : kiln::bench::available_cores();
  omp_set_num_threads(threads);
  // libgomp reads this when it loads; see the note at the top of the file.
  const char *wait_policy = std::getenv("OMP_WAIT_POLICY");
  auto one = kiln::bench::measure_peak(1), all = kiln::bench::measure_peak(threads);
  std::printf(
      "onednn_conv_bench: %d threads for both; median of %d runs (%d rounds of %d, each after "
      "%.0f ms of untimed runs)\n"
      "oneDNN %d.%d.%d, algorithm %s, layouts %s, OpenMP, OMP_WAIT_POLICY=%s\n",
      threads, o.repeat * o.rounds, o.rounds, o.repeat, o.warmup_ms, dnnl_version()->major,
      dnnl_version()->minor, dnnl_version()->patch, o.algo_auto ? "auto" : "direct",
      o.layout_any ? "any (oneDNN's choice)" : "nchw", wait_policy ? wait_policy : "(unset)");
  std::printf("peak FP32 FMA (%s): 1 core %.1f GFLOP/s, %d threads %.1f GFLOP/s\n",
              one.isa.name.c_str(), one.gflops, threads, all.gflops);
  std::fflush(stdout);

  std::vector<const ConvLayer *> layers;
  for (const ConvLayer &l : kLayers)
    if ((o.set == "all" || o.set == l.set) &&
        (o.layer.empty() ||
         ("," + o.layer + ",").find(std::string(",") + l.name + ",") != std::string::npos))
      layers.push_back(&l);
  if (layers.empty()) usage_error("no layer named '" + o.layer + "' in the set " + o.set);
  std::vector<Row> rows;
  for (size_t i = 0; i < layers.size(); i++) {
    const ConvLayer &l = *layers[i];
    std::fprintf(stderr, "[%zu/%zu] %s %s %s\n", i + 1, layers.size(), l.set, l.name,
                 shape_text(l).c_str());
    LayerData data = layer_data(l, static_cast<uint32_t>(100 + 7 * i));
    kiln::bench::CompiledModel model(conv_graph(l, data, o.kiln_algo), nullptr);
    model.library().set_num_threads(threads);
    kiln::codegen::LoadedLibrary::Instance kiln_conv(model.library());
    kiln::bench::AlignedFloats kiln_x(data.x.begin(), data.x.end());
    kiln::bench::AlignedFloats kiln_out(static_cast<size_t>(l.f * l.out_h() * l.out_w()));
    auto run_kiln = [&] { kiln_conv.run({kiln_x.data()}, {kiln_out.data()}); };
    OnednnConv onednn(l, data, o);

    // Same data in, same numbers out (float32 sums in different orders).
    run_kiln();
    onednn.run();
    std::vector<float> want = onednn.output();
    double max_diff = 0, max_ref = 0;
    for (size_t k = 0; k < want.size(); k++) {
      max_diff = std::max(max_diff, (double)std::fabs(kiln_out[k] - want[k]));
      max_ref = std::max(max_ref, (double)std::fabs(want[k]));
    }
    if (!(max_diff <= 1e-4 * (1 + max_ref))) {
      std::fprintf(stderr, "layer %s: kiln and oneDNN differ by %g (largest |output| %g)\n", l.name,
                   max_diff, max_ref);
      return 1;
    }
    std::vector<double> kiln_ms, onednn_ms, round_ratios;
    time_both(
        o, run_kiln, [&] { onednn.run(); }, kiln_ms, onednn_ms, round_ratios);
    rows.push_back({&l, median(kiln_ms), median(onednn_ms), kiln::bench::quantile(kiln_ms, 0),
                    kiln::bench::quantile(onednn_ms, 0), max_diff, median(round_ratios),
                    onednn.impl()});
  }
  // The peak again, keeping the better figure (the less disturbed one).
  auto again = kiln::bench::measure_peak(threads);
  if (again.gflops > all.gflops) all = again;
  std::printf("peak at the end: %d threads %.1f GFLOP/s; the %% columns use %.1f\n", threads,
              again.gflops, all.gflops);
  for (const char *set : {"resnet50", "vgg16"}) print_set(set, rows, all.gflops);
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  Options o = parse(argc, argv);
  try {
    return run(o);
  } catch (const dnnl::error &e) {
    std::fprintf(stderr, "onednn_conv_bench: oneDNN error: %s\n", e.what());
  } catch (const std::exception &e) {
    std::fprintf(stderr, "onednn_conv_bench: %s\n", e.what());
  }
  return 1;
}
