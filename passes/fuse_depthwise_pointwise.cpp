#include "passes/fuse_depthwise_pointwise.h"

#include <tuple>

#include "ir/graph_rebuild.h"
#include "ir/ops/conv_dw_pw.h"
#include "ir/ops/epilogue.h"
#include "ir/ops/window.h"
#include "ir/ops/winograd.h"

namespace kiln::passes {

namespace {

// A conv2d whose algorithm the model leaves to the compiler.
bool plain_conv(const ir::Node &n) {
  return n.op == "conv2d" && !ir::ops::weights_pretransformed(n.attrs) &&
         (!n.attrs.has("algorithm") || n.attrs.get_string("algorithm") == "auto");
}

ir::Window2d window_of(const ir::Graph &g, const ir::Node &n) {
  const ir::Shape &x = g.value(n.inputs[0]).type.shape;
  return ir::resolve_window(n.attrs, x[2], x[3], false, false);
}

bool is_depthwise_3x3(const ir::Graph &g, const ir::Node &n) {
  if (!plain_conv(n)) return false;
  const int64_t c = g.value(n.inputs[0]).type.shape[1];
  const ir::Window2d w = window_of(g, n);
  const ir::ops::Epilogue e = ir::ops::epilogue_of(n.attrs);
  return n.attrs.get_int("groups") == c && n.attrs.get_int("filters") == c && w.kernel_h == 3 &&
         w.kernel_w == 3 && !e.has_residual && e.post_activation == "none";
}

bool is_pointwise_reading(const ir::Graph &g, const ir::Node &n, int v) {
  if (!plain_conv(n) || n.inputs[0] != v || n.attrs.get_int("groups") != 1) return false;
  const ir::Window2d w = window_of(g, n);
  return w.kernel_h == 1 && w.kernel_w == 1 && w.stride_h == 1 && w.stride_w == 1 &&
         w.pad_top == 0 && w.pad_left == 0 && w.pad_bottom == 0 && w.pad_right == 0;
}

std::string fresh_name(const ir::Graph &g, const std::string &base) {
  std::string name = base;
  for (int k = 2; g.find_value(name) >= 0; k++) name = base + std::to_string(k);
  return name;
}

// The conv's bias value, or a new zero one.
int bias_of(ir::Graph &g, const ir::Node &conv) {
  if (conv.attrs.get_int("use_bias")) return conv.inputs[2];
  const int64_t f = conv.attrs.get_int("filters");
  return g.add_param(fresh_name(g, conv.name + ".bias"), {ir::DType::F32, {f}},
                     std::vector<float>(static_cast<size_t>(f), 0.0f));
}

// The conv2d_dw_pw attributes of the pair: each conv's carried attributes,
// prefixed.
ir::Attrs fused_attrs(const ir::Node &dw, const ir::Node &pw) {
  ir::Attrs a;
  for (const auto &[prefix, conv, names] : {std::tuple{"dw_", &dw, &ir::ops::dw_carried_attrs()},
                                            std::tuple{"pw_", &pw, &ir::ops::pw_carried_attrs()}})
    for (const std::string &name : *names)
      if (conv->attrs.has(name)) a.set(prefix + name, conv->attrs.get(name));
  return a;
}

// Where the fused kernel measured faster than the two it replaces. On
// MobileNet v1 (kiln bench examples/zoo/mobilenet_v1.json --threads 1 and 2
// --repeat 30, unfused and fused alternated, AVX2 host, 2026-11-28) it won
// only on conv_dw_1 + conv_pw_1 (32 channels, 112x112, stride 1, to 64):
// quiet machine 1.13-1.16 -> 0.95-1.06 ms on 1 thread, 0.95-0.96 -> 0.54-0.55
// ms on 2. On every other pair (64 to 1024 channels, 56x56 to 7x7) it lost
// by 15-50% (4x on the 7x7x1024 pair; loaded machine): there the unfused
// 1x1 conv runs as a GEMM (im2col) faster than the fused kernel's register
// blocks, and the depthwise output it saves writing is small. Hence: few
// channels at stride 1 only.
constexpr int64_t kFuseMaxChannels = 32;

bool worth_fusing(const ir::Graph &g, const ir::Node &dw, const ir::Node &) {
  const ir::Window2d w = window_of(g, dw);
  return g.value(dw.inputs[0]).type.shape[1] <= kFuseMaxChannels && w.stride_h == 1 &&
         w.stride_w == 1;
}

ir::Graph fuse(const ir::Graph &input, bool gated) {
  ir::Graph g = input;
  std::vector<int> readers(g.values.size(), 0);
  for (const ir::Node &n : g.nodes)
    for (int v : n.inputs) readers[v]++;
  for (int v : g.outputs) readers[v] += 2;  // an output is never fused away
  std::vector<int> reader_of(g.values.size(), -1);
  for (size_t i = 0; i < g.nodes.size(); i++)
    for (int v : g.nodes[i].inputs) reader_of[v] = static_cast<int>(i);
  std::vector<bool> keep(g.nodes.size(), true);
  const size_t count = g.nodes.size();
  for (size_t i = 0; i < count; i++) {
    const ir::Node dw = g.nodes[i];
    if (!is_depthwise_3x3(g, dw)) continue;
    const int v = dw.outputs[0];
    if (readers[v] != 1) continue;
    const int p = reader_of[v];
    const ir::Node pw = g.nodes[p];
    if (!is_pointwise_reading(g, pw, v)) continue;
    if (gated && !worth_fusing(g, dw, pw)) continue;
    std::vector<int> inputs = {dw.inputs[0], dw.inputs[1], bias_of(g, dw), pw.inputs[1],
                               bias_of(g, pw)};
    if (ir::ops::epilogue_of(pw.attrs).has_residual)
      inputs.push_back(pw.inputs[ir::ops::residual_input(pw.attrs)]);
    ir::Node &fused = g.nodes[p];  // keeps its name and output value
    fused.op = "conv2d_dw_pw";
    fused.inputs = std::move(inputs);
    fused.attrs = fused_attrs(dw, pw);
    keep[i] = false;
  }
  return ir::compact_graph(g, keep);
}

}  // namespace

ir::Graph fuse_depthwise_pointwise(const ir::Graph &g) { return fuse(g, true); }

ir::Graph fuse_depthwise_pointwise_all(const ir::Graph &g) { return fuse(g, false); }

}  // namespace kiln::passes
