// Ops that rearrange elements: Reshape, Flatten, Squeeze, Unsqueeze
// (folded on constants, else a kiln reshape or flatten), Transpose (folded,
// or kiln reshape / transpose / permute), Concat, Identity, Dropout
// (inference: the identity), Pad (kiln pad) and Expand (kiln broadcast_to).
#include <algorithm>
#include <numeric>

#include "frontend/onnx/const_eval.h"
#include "frontend/onnx/convert_util.h"
#include "frontend/onnx/converters.h"
#include "ir/op.h"
#include "ir/ops/broadcast.h"

namespace kiln::frontend::onnx_import {

namespace {

// Output 0 is input 0 seen with `shape`: folded for a constant, else a
// kiln reshape.
void reshape_to(NodeContext &c, const ir::Shape &shape) {
  if (c.is_constant(0)) return c.set_constant(0, eval_reshape(c.constant(0, "data"), shape));
  c.expect_float(0);
  for (int64_t d : shape)
    if (d == 0) c.unsupported("an empty tensor (shape " + ir::shape_str(shape) + ")");
  c.set_output(0, c.reshape(c.value(0), shape, ""));
}

void convert_reshape(NodeContext &c) {
  c.expect_attrs(c.opset() >= 14 ? std::vector<std::string>{"allowzero"}
                                 : std::vector<std::string>{});
  if (c.opset() < 5) c.unsupported("Reshape with a shape attribute (opset < 5)");
  const std::vector<int64_t> spec = c.constant(1, "the target shape").ints();
  try {
    reshape_to(c, reshape_target(c.shape(0), spec, c.attr_int("allowzero", 0) != 0));
  } catch (const Unsupported &) {
    throw;
  } catch (const UserError &e) {
    c.fail(e.what());
  }
}

void convert_flatten(NodeContext &c) {
  c.expect_attrs({"axis"});
  const ir::Shape x = c.shape(0);
  const int rank = static_cast<int>(x.size());
  int64_t axis = c.attr_int("axis", 1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis > rank) c.fail("axis is out of range for rank " + std::to_string(rank));
  int64_t rows = 1, cols = 1;
  for (int k = 0; k < rank; k++) (k < axis ? rows : cols) *= x[k];
  if (c.is_constant(0)) return reshape_to(c, {rows, cols});
  c.expect_float(0);
  ir::Attrs a;
  a.set("axis", axis);
  c.set_output(0, c.emit("flatten", {c.value(0)}, a));
}

// Squeeze's and Unsqueeze's axes: an attribute before opset 13, an input
// (constant) from 13.
std::optional<std::vector<int64_t>> read_axes(NodeContext &c) {
  if (c.opset() < 13) {
    c.expect_attrs({"axes"});
    if (!c.has_attr("axes")) return std::nullopt;
    return c.attr_ints("axes");
  }
  c.expect_attrs({});
  if (!c.has_input(1)) return std::nullopt;
  return c.constant(1, "the axes").ints();
}

void convert_squeeze(NodeContext &c) {
  const ir::Shape x = c.shape(0);
  const int rank = static_cast<int>(x.size());
  std::optional<std::vector<int64_t>> axes = read_axes(c);
  std::vector<bool> drop(rank, false);
  if (!axes) {
    for (int k = 0; k < rank; k++) drop[k] = x[k] == 1;
  } else {
    for (int64_t a : *axes) {
      int k = normalize_axis(c, a, rank, "axis");
      if (x[k] != 1) c.fail("cannot squeeze axis " + std::to_string(a) + " of " + ir::shape_str(x));
      drop[k] = true;
    }
  }
  ir::Shape out;
  for (int k = 0; k < rank; k++)
    if (!drop[k]) out.push_back(x[k]);
  reshape_to(c, out);
}

void convert_unsqueeze(NodeContext &c) {
  const ir::Shape x = c.shape(0);
  std::optional<std::vector<int64_t>> axes = read_axes(c);
  if (!axes) c.fail("Unsqueeze needs axes");
  const int rank = static_cast<int>(x.size() + axes->size());
  std::vector<bool> inserted(rank, false);
  for (int64_t a : *axes) {
    int k = normalize_axis(c, a, rank, "axis");
    if (inserted[k]) c.fail("axis " + std::to_string(a) + " is given twice");
    inserted[k] = true;
  }
  ir::Shape out;
  size_t next = 0;
  for (int k = 0; k < rank; k++) out.push_back(inserted[k] ? 1 : x[next++]);
  reshape_to(c, out);
}

void convert_transpose(NodeContext &c) {
  c.expect_attrs({"perm"});
  const ir::Shape x = c.shape(0);
  const int rank = static_cast<int>(x.size());
  std::vector<int64_t> reversed(rank);
  std::iota(reversed.rbegin(), reversed.rend(), 0);
  const std::vector<int64_t> perm = c.attr_ints("perm", reversed);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> identity(rank);
  std::iota(identity.begin(), identity.end(), 0);
  if (sorted != identity) c.fail("perm must be a permutation of 0.." + std::to_string(rank - 1));
  if (c.is_constant(0)) return c.set_constant(0, eval_transpose(c.constant(0, "data"), perm));
  c.expect_float(0);
  ir::Shape out(rank);
  for (int k = 0; k < rank; k++) out[k] = x[perm[k]];
  // Moving only axes of size 1 keeps the memory order: a reshape.
  std::vector<int64_t> moved;
  for (int64_t p : perm)
    if (x[p] != 1) moved.push_back(p);
  if (std::is_sorted(moved.begin(), moved.end()))
    return c.set_output(0, c.reshape(c.value(0), out, ""));
  if (rank == 2) return c.set_output(0, c.emit("transpose", {c.value(0)}));
  if (!ir::find_op("permute")) c.unsupported("a transpose of rank " + std::to_string(rank));
  ir::Attrs a;
  a.set("perm", perm);
  c.set_output(0, c.emit("permute", {c.value(0)}, a));
}

void convert_concat(NodeContext &c) {
  c.expect_attrs({"axis"});
  if (c.num_inputs() == 0) c.fail("Concat needs at least one input");
  const int rank = static_cast<int>(c.shape(0).size());
  if (c.opset() < 4 && !c.has_attr("axis")) c.unsupported("Concat without axis (opset < 4)");
  const int axis = normalize_axis(c, c.attr_int("axis"), rank, "axis");
  if (c.all_inputs_constant()) {
    std::vector<const ConstTensor *> parts;
    for (size_t k = 0; k < c.num_inputs(); k++) parts.push_back(&c.constant(k, "an input"));
    try {
      return c.set_constant(0, eval_concat(parts, axis));
    } catch (const UserError &e) {
      c.fail(e.what());
    }
  }
  std::vector<int> inputs;
  for (size_t k = 0; k < c.num_inputs(); k++) {
    c.expect_float(k);
    if (c.shape(k).at(axis) == 0) continue;  // an empty part adds nothing
    inputs.push_back(c.value(k));
  }
  if (inputs.size() == 1) return c.set_output(0, inputs[0]);
  ir::Attrs a;
  a.set("axis", int64_t{axis});
  c.set_output(0, c.emit("concat", inputs, a));
}

// Output 0 is input 0, a constant or a kiln value.
void pass_through(NodeContext &c) {
  if (c.is_constant(0)) return c.set_constant(0, c.constant(0, "input"));
  c.set_output(0, c.value(0));
}

void convert_identity(NodeContext &c) {
  c.expect_attrs({});
  pass_through(c);
}

void convert_dropout(NodeContext &c) {
  if (c.opset() < 7)
    c.expect_attrs({"is_test", "ratio"});
  else if (c.opset() < 12)
    c.expect_attrs({"ratio"});
  else
    c.expect_attrs({"seed"});
  // Training with ratio 0 keeps every element: the identity, as in inference.
  if (c.opset() >= 12 && c.has_input(2) && c.constant(2, "training_mode").as_int(0) &&
      !(c.has_input(1) && c.constant(1, "ratio").as_double(0) == 0))
    c.unsupported(
        "training_mode = true with a ratio other than 0 (random masks; kiln imports models for "
        "inference)");
  // Every element kept: the mask is all true (a constant the library writes,
  // as a float32 output of ones, where the caller reads it so).
  if (c.output_used(1)) {
    const ir::Shape x = c.shape(0);
    const int64_t n = ir::numel(x);
    c.set_constant(1, c.opset() >= 10 ? ConstTensor::of_ints(x, std::vector<int64_t>(n, 1), kBool)
                                      : ConstTensor::of_floats(x, std::vector<double>(n, 1.0)));
  }
  pass_through(c);
}

void convert_split(NodeContext &c) {
  c.expect_attrs(c.opset() < 13 ? std::vector<std::string>{"axis", "split"}
                                : std::vector<std::string>{"axis"});
  const ir::Shape x = c.shape(0);
  const int axis = normalize_axis(c, c.attr_int("axis", 0), static_cast<int>(x.size()), "axis");
  const int64_t parts = static_cast<int64_t>(c.num_outputs());
  std::vector<int64_t> sizes;
  if (c.opset() < 13 && c.has_attr("split"))
    sizes = c.attr_ints("split");
  else if (c.opset() >= 13 && c.has_input(1))
    sizes = c.constant(1, "the split sizes").ints();
  if (sizes.empty()) {
    if (parts == 0 || x[axis] % parts)
      c.fail("axis " + std::to_string(axis) + " of " + ir::shape_str(x) + " does not split into " +
             std::to_string(parts) + " equal parts");
    sizes.assign(parts, x[axis] / parts);
  }
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (static_cast<int64_t>(sizes.size()) != parts || total != x[axis])
    c.fail("split sizes " + ir::shape_str(sizes) + " do not cover axis " + std::to_string(axis) +
           " of " + ir::shape_str(x) + " in " + std::to_string(parts) + " outputs");
  int64_t start = 0;
  for (int64_t k = 0; k < parts; start += sizes[k], k++) {
    if (c.is_constant(0)) {
      c.set_constant(k, eval_slice(c.constant(0, "input"), axis, start, start + sizes[k], 1));
      continue;
    }
    if (!c.output_used(k)) continue;
    c.expect_float(0);
    if (sizes[k] == 0) {  // no elements: known at import
      ConstTensor empty;
      empty.shape = x;
      empty.shape[axis] = 0;
      c.set_constant(k, empty);
      continue;
    }
    ir::Attrs a;
    a.set("axis", int64_t{axis});
    a.set("start", start);
    a.set("length", sizes[k]);
    c.set_output(k, sizes[k] == x[axis]
                        ? c.value(0)
                        : c.emit("slice", {c.value(0)}, a, "part" + std::to_string(k)));
  }
}

void convert_pad(NodeContext &c) {
  std::vector<int64_t> pads;
  double value = 0;
  std::string mode;
  if (c.opset() < 11) {
    c.expect_attrs({"mode", "pads", "value"});
    pads = c.attr_ints(c.opset() < 2 ? "paddings" : "pads");
    value = c.attr_float("value", 0.0);
  } else {
    c.expect_attrs({"mode"});
    pads = c.constant(1, "the pads").ints();
    if (c.has_input(2)) value = c.constant(2, "the constant value").as_double(0);
    if (c.has_input(3)) c.unsupported("Pad's axes input");
  }
  mode = c.attr_string("mode", std::string("constant"));
  c.expect_float(0);
  const ir::Shape x = c.shape(0);
  if (pads.size() != 2 * x.size())
    c.fail("pads has " + std::to_string(pads.size()) + " entries for rank " +
           std::to_string(x.size()));
  for (int64_t p : pads)
    if (p < 0) c.unsupported("negative pads (cropping)");
  if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; }))
    return c.set_output(0, c.value(0));
  if (!ir::find_op("pad")) c.unsupported("kiln has no pad op yet");
  ir::Attrs a;
  a.set("pads", pads);
  a.set("mode", mode);
  a.set("value", value);
  c.set_output(0, c.emit("pad", {c.value(0)}, a));
}

// Expand: numpy broadcasting of the data with a constant shape, each side
// possibly the larger, as Add would broadcast them.
void convert_expand(NodeContext &c) {
  c.expect_attrs({});
  const std::vector<int64_t> spec = c.constant(1, "the shape").ints();
  c.expect_float(0);
  ir::Shape out;
  try {
    out = ir::ops::broadcast_shape(c.shape(0), ir::Shape(spec.begin(), spec.end()));
  } catch (const UserError &e) {
    c.fail(e.what());
  }
  for (int64_t d : out)
    if (d == 0) c.unsupported("an empty output (shape " + ir::shape_str(out) + ")");
  if (out == c.shape(0)) return c.set_output(0, c.value(0));
  ir::Attrs a;
  a.set("shape", std::vector<int64_t>(out.begin(), out.end()));
  c.set_output(0, c.emit("broadcast_to", {c.value(0)}, a));
}

}  // namespace

void add_shape_converters(ConverterTable &table) {
  table["Reshape"] = convert_reshape;
  table["Flatten"] = convert_flatten;
  table["Squeeze"] = convert_squeeze;
  table["Unsqueeze"] = convert_unsqueeze;
  table["Transpose"] = convert_transpose;
  table["Concat"] = convert_concat;
  table["Identity"] = convert_identity;
  table["Dropout"] = convert_dropout;
  table["Pad"] = convert_pad;
  table["Split"] = convert_split;
  table["Expand"] = convert_expand;
}

}  // namespace kiln::frontend::onnx_import
