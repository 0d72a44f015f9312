// Normalizations and reductions: BatchNormalization -> kiln batch_norm
// (training_mode: batch_norm_train and running_stat_update), LRN -> lrn,
// Softmax and LogSoftmax (before opset 13 over the input coerced to 2-D at
// `axis`, from 13 over one axis) -> softmax /
// log_softmax, ReduceMean -> global_avg_pool over (H, W) or kiln
// reduce_mean over runs of consecutive axes.
#include <algorithm>

#include "frontend/onnx/convert_util.h"
#include "frontend/onnx/converters.h"
#include "ir/op.h"

namespace kiln::frontend::onnx_import {

namespace {

// training_mode = 1 (opset 14 on): normalizes with the batch's statistics
// (kiln's batch_norm_train: the mean and biased variance over every axis but
// the channels) and outputs the running statistics updated with them,
// running * momentum + batch * (1 - momentum) (kiln's running_stat_update
// weighs the batch by its own momentum, 1 - ONNX's).
void convert_batch_norm_training(NodeContext &c) {
  for (size_t k = 0; k < 5; k++) c.expect_float(k);
  ir::Attrs a;
  a.set("epsilon", c.attr_float("epsilon", 1e-5));
  const int y = c.emit("batch_norm_train", {c.value(0), c.value(1), c.value(2)}, a);
  const std::vector<int> outs = c.graph().node(c.graph().value(y).producer).outputs;
  c.set_output(0, y);
  ir::Attrs update;
  update.set("momentum", 1.0 - c.attr_float("momentum", 0.9));
  const char *suffix[] = {"", "running_mean", "running_var"};
  for (size_t k = 1; k < 3 && k < c.num_outputs(); k++)
    if (c.output_used(k))
      c.set_output(k, c.emit("running_stat_update", {c.value(2 + k), outs[k]}, update, suffix[k]));
}

void convert_batch_norm(NodeContext &c) {
  std::vector<std::string> known = {"epsilon", "momentum"};
  if (c.opset() < 7) known.push_back("is_test");
  if (c.opset() < 9) known.push_back("spatial");
  if (c.opset() >= 14) known.push_back("training_mode");
  c.expect_attrs(known);
  if (c.attr_int("training_mode", 0)) return convert_batch_norm_training(c);
  if (c.attr_int("spatial", 1) != 1) c.unsupported("spatial = 0 (per-element statistics)");
  for (size_t k = 1; k < c.num_outputs(); k++)
    if (c.output_used(k)) c.unsupported("the training outputs (running mean and variance)");
  for (size_t k = 0; k < 5; k++) c.expect_float(k);
  ir::Attrs a;
  a.set("epsilon", c.attr_float("epsilon", 1e-5));
  c.set_output(
      0, c.emit("batch_norm", {c.value(0), c.value(1), c.value(2), c.value(3), c.value(4)}, a));
}

void convert_lrn(NodeContext &c) {
  c.expect_attrs({"alpha", "beta", "bias", "size"});
  c.expect_float(0);
  ir::Attrs a;
  a.set("size", c.attr_int("size"));
  a.set("alpha", c.attr_float("alpha", 1e-4));
  a.set("beta", c.attr_float("beta", 0.75));
  a.set("bias", c.attr_float("bias", 1.0));
  c.set_output(0, c.emit("lrn", {c.value(0)}, a));
}

void convert_softmax_family(NodeContext &c, const std::string &kiln_op) {
  c.expect_attrs({"axis"});
  c.expect_float(0);
  if (!ir::find_op(kiln_op)) c.unsupported("kiln has no " + kiln_op + " op yet");
  const ir::Shape x = c.shape(0);
  const int rank = static_cast<int>(x.size());
  const int axis = normalize_axis(c, c.attr_int("axis", c.opset() < 13 ? 1 : -1), rank, "axis");
  ir::Attrs a;
  a.set("axis", int64_t{-1});
  if (c.opset() >= 13 || axis == rank - 1) {
    a.set("axis", int64_t{axis});
    return c.set_output(0, c.emit(kiln_op, {c.value(0)}, a));
  }
  // Before opset 13 the input is coerced to [outer, inner] at `axis`.
  int64_t outer = 1, inner = 1;
  for (int k = 0; k < rank; k++) (k < axis ? outer : inner) *= x[k];
  int v = c.reshape(c.value(0), {outer, inner}, "rows");
  v = c.emit(kiln_op, {v}, a, kiln_op);
  c.set_output(0, c.reshape(v, x, ""));
}

void convert_softmax(NodeContext &c) { convert_softmax_family(c, "softmax"); }
void convert_log_softmax(NodeContext &c) { convert_softmax_family(c, "log_softmax"); }

void convert_reduce_mean(NodeContext &c) {
  std::vector<int64_t> axes;
  if (c.opset() < 18) {
    c.expect_attrs({"axes", "keepdims"});
    axes = c.attr_ints("axes", std::vector<int64_t>{});
  } else {
    c.expect_attrs({"keepdims", "noop_with_empty_axes"});
    if (c.has_input(1)) axes = c.constant(1, "the axes").ints();
  }
  c.expect_float(0);
  const ir::Shape x = c.shape(0);
  const int rank = static_cast<int>(x.size());
  const bool keepdims = c.attr_int("keepdims", 1) != 0;
  std::vector<bool> reduced(rank, axes.empty());
  for (int64_t a : axes) reduced[normalize_axis(c, a, rank, "axis")] = true;
  ir::Shape out;
  for (int k = 0; k < rank; k++)
    if (!reduced[k] || keepdims) out.push_back(reduced[k] ? 1 : x[k]);
  int v = c.value(0);
  if (rank == 4 && !reduced[0] && !reduced[1] && reduced[2] && reduced[3]) {
    v = c.emit("global_avg_pool", {v}, {}, "pool");  // the common case: spatial mean
    return c.set_output(0, c.reshape(v, out, ""));
  }
  if (!ir::find_op("reduce_mean")) c.unsupported("kiln has no reduce_mean op yet");
  // One kiln reduce_mean per run of consecutive axes (kept as size 1).
  for (int k = 0; k < rank;) {
    if (!reduced[k] || x[k] == 1) {
      k++;
      continue;
    }
    int end = k;
    while (end + 1 < rank && reduced[end + 1]) end++;
    std::vector<int64_t> run;
    for (int r = k; r <= end; r++) run.push_back(r);
    ir::Attrs a;
    a.set("axes", run);
    v = c.emit("reduce_mean", {v}, a, "axes" + std::to_string(k));
    k = end + 1;
  }
  c.set_output(0, c.reshape(v, out, ""));
}

}  // namespace

void add_norm_converters(ConverterTable &table) {
  table["BatchNormalization"] = convert_batch_norm;
  table["LRN"] = convert_lrn;
  table["Softmax"] = convert_softmax;
  table["LogSoftmax"] = convert_log_softmax;
  table["ReduceMean"] = convert_reduce_mean;
}

}  // namespace kiln::frontend::onnx_import
