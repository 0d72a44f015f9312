// Constants and the shape arithmetic exporters emit: Constant,
// ConstantOfShape, Shape, Size, Cast, Gather, Slice and Range are evaluated
// at import (frontend/onnx/const_eval.h). Gather and Slice on data computed
// at run time, with constant indices, become kiln slices.
#include <algorithm>
#include <cmath>

#include "frontend/onnx/const_eval.h"
#include "frontend/onnx/convert_util.h"
#include "frontend/onnx/converters.h"

namespace kiln::frontend::onnx_import {

namespace {

void convert_constant(NodeContext &c) {
  c.expect_attrs({"value", "value_float", "value_floats", "value_int", "value_ints"});
  if (c.has_attr("value")) return c.set_constant(0, c.attr_tensor("value"));
  if (c.has_attr("value_float"))
    return c.set_constant(0, ConstTensor::of_floats({}, {c.attr_float("value_float")}));
  if (c.has_attr("value_floats")) {
    std::vector<double> v = c.attr_floats("value_floats");
    return c.set_constant(0, ConstTensor::of_floats({static_cast<int64_t>(v.size())}, v));
  }
  if (c.has_attr("value_int"))
    return c.set_constant(0, ConstTensor::of_ints({}, {c.attr_int("value_int")}));
  if (c.has_attr("value_ints")) {
    std::vector<int64_t> v = c.attr_ints("value_ints");
    return c.set_constant(0, ConstTensor::of_ints({static_cast<int64_t>(v.size())}, v));
  }
  c.fail("Constant needs a value");
}

void convert_constant_of_shape(NodeContext &c) {
  c.expect_attrs({"value"});
  ir::Shape shape = c.constant(0, "the shape").ints();
  ConstTensor fill =
      c.has_attr("value") ? c.attr_tensor("value") : ConstTensor::of_floats({1}, {0.0});
  if (fill.numel() != 1) c.fail("value must hold one element");
  ConstTensor out;
  out.dtype = fill.dtype;
  out.shape = shape;
  if (out.is_float())
    out.f.assign(out.numel(), fill.f[0]);
  else
    out.i.assign(out.numel(), fill.i[0]);
  c.set_constant(0, out);
}

void convert_shape(NodeContext &c) {
  c.expect_attrs({"start", "end"});
  const ir::Shape s = c.shape(0);
  const int64_t rank = static_cast<int64_t>(s.size());
  int64_t start = c.attr_int("start", 0), end = c.attr_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  std::vector<int64_t> dims(s.begin() + start, s.begin() + end);
  c.set_constant(0, ConstTensor::of_ints({static_cast<int64_t>(dims.size())}, dims));
}

void convert_size(NodeContext &c) {
  c.expect_attrs({});
  c.set_constant(0, ConstTensor::of_ints({}, {ir::numel(c.shape(0))}));
}

// Input 0 as ONNX element type `to`: folded when it is a constant; float
// data computed at run time stays float32, rounded to float16's or
// bfloat16's grid for those types (held exactly in float32).
void cast_input(NodeContext &c, int32_t to) {
  if (c.is_constant(0)) {
    try {
      return c.set_constant(0, cast_tensor(c.constant(0, "input"), to));
    } catch (const UserError &e) {
      c.unsupported(e.what());
    }
  }
  c.expect_float(0);
  // float32 data as double: the same values (every float32 is a double);
  // what follows computes in float32, as everywhere in kiln.
  if (to == kDouble) return c.set_output(0, c.value(0));
  if (to == kFloat16) return c.set_output(0, c.emit("to_float16", {c.value(0)}));
  // bfloat16: cut to the upper 16 bits, as ONNX's reference does for the
  // opsets kiln imports (<= 17; its test data expects it).
  if (to == kBfloat16) {
    ir::Attrs a;
    a.set("rounding", std::string("truncate"));
    return c.set_output(0, c.emit("to_bfloat16", {c.value(0)}, a));
  }
  if (to != kFloat)
    c.unsupported("a cast to " + dtype_name(to) +
                  " of data computed at run time (kiln computes in "
                  "float32 only)");
  c.set_output(0, c.value(0));
}

void convert_cast(NodeContext &c) {
  c.expect_attrs({"to", "saturate"});
  cast_input(c, static_cast<int32_t>(c.attr_int("to")));
}

// CastLike: a Cast to input 1's element type, which the import knows (only
// its type is read, not its data; a graph input's as the model declares it).
void convert_cast_like(NodeContext &c) {
  c.expect_attrs({"saturate"});
  cast_input(c, c.declared_dtype(1));
}

// `length` entries of `axis` from `start` of a run-time value.
int slice_value(NodeContext &c, int v, int axis, int64_t start, int64_t length,
                const std::string &suffix) {
  if (start == 0 && length == c.graph().value(v).type.shape[axis]) return v;
  ir::Attrs a;
  a.set("axis", int64_t{axis});
  a.set("start", start);
  a.set("length", length);
  return c.emit("slice", {v}, a, suffix);
}

void convert_gather(NodeContext &c) {
  c.expect_attrs({"axis"});
  const ir::Shape x = c.shape(0);
  const int axis = normalize_axis(c, c.attr_int("axis", 0), static_cast<int>(x.size()), "axis");
  const ConstTensor &indices = c.constant(1, "the indices");
  if (c.is_constant(0)) {
    try {
      return c.set_constant(0, eval_gather(c.constant(0, "data"), indices, axis));
    } catch (const UserError &e) {
      c.fail(e.what());
    }
  }
  c.expect_float(0);
  // Each index is a slice of length 1; runs of consecutive indices are one
  // slice; the slices are joined with a concat (indices of any rank are
  // gathered flat, then the output reshaped).
  std::vector<int> parts;
  const int64_t n = indices.numel(), dim = x[axis];
  for (int64_t k = 0; k < n;) {
    int64_t first = indices.as_int(k) < 0 ? indices.as_int(k) + dim : indices.as_int(k);
    if (first < 0 || first >= dim)
      c.fail("index " + std::to_string(indices.as_int(k)) + " is out of range");
    int64_t length = 1;
    while (k + length < n) {
      int64_t next = indices.as_int(k + length);
      if ((next < 0 ? next + dim : next) != first + length) break;
      length++;
    }
    parts.push_back(slice_value(c, c.value(0), axis, first, length, "part" + std::to_string(k)));
    k += length;
  }
  if (parts.empty()) c.unsupported("an empty gather");
  int y = parts[0];
  if (parts.size() > 1) {
    ir::Attrs a;
    a.set("axis", int64_t{axis});
    y = c.emit("concat", parts, a, "parts");
  }
  ir::Shape out(x.begin(), x.begin() + axis);
  out.insert(out.end(), indices.shape.begin(), indices.shape.end());
  out.insert(out.end(), x.begin() + axis + 1, x.end());
  c.set_output(0, c.reshape(y, out, ""));
}

void convert_slice(NodeContext &c) {
  std::vector<int64_t> starts, ends, axes, steps;
  if (c.opset() < 10) {
    c.expect_attrs({"axes", "ends", "starts"});
    starts = c.attr_ints("starts");
    ends = c.attr_ints("ends");
    axes = c.attr_ints("axes", std::vector<int64_t>{});
  } else {
    c.expect_attrs({});
    starts = c.constant(1, "the starts").ints();
    ends = c.constant(2, "the ends").ints();
    if (c.has_input(3)) axes = c.constant(3, "the axes").ints();
    if (c.has_input(4)) steps = c.constant(4, "the steps").ints();
  }
  const ir::Shape x = c.shape(0);
  const int rank = static_cast<int>(x.size());
  if (axes.empty())
    for (size_t k = 0; k < starts.size(); k++) axes.push_back(static_cast<int64_t>(k));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    c.fail("starts, ends, axes and steps must have the same length");

  const bool constant = c.is_constant(0);
  ConstTensor folded = constant ? c.constant(0, "data") : ConstTensor{};
  if (!constant) c.expect_float(0);
  // The entries kept along each sliced axis; none along one: the result is
  // empty, known at import.
  std::vector<int> slice_axes;
  std::vector<int64_t> slice_starts, slice_ends, lengths;
  ir::Shape out_shape = x;
  for (size_t k = 0; k < starts.size(); k++) {
    const int axis = normalize_axis(c, axes[k], rank, "axis");
    int64_t start = starts[k], end = ends[k];
    if (steps[k] == 0) c.fail("a step of 0");
    clamp_slice(x[axis], steps[k], &start, &end);
    const int64_t step = steps[k];
    const int64_t length =
        step > 0 ? (end - start + step - 1) / step : (start - end - step - 1) / -step;
    slice_axes.push_back(axis);
    slice_starts.push_back(start);
    slice_ends.push_back(end);
    lengths.push_back(std::max<int64_t>(length, 0));
    out_shape[axis] = lengths.back();
  }
  if (!constant && ir::numel(out_shape) == 0) {
    ConstTensor empty;
    empty.shape = out_shape;
    return c.set_constant(0, empty);
  }
  int v = constant ? -1 : c.value(0);
  for (size_t k = 0; k < starts.size(); k++) {
    const int axis = slice_axes[k];
    const int64_t start = slice_starts[k], end = slice_ends[k], step = steps[k];
    if (constant) {
      folded = eval_slice(folded, axis, start, end, step);
      continue;
    }
    const int64_t length = lengths[k];
    if (step == 1) {
      v = slice_value(c, v, axis, start, length, "axis" + std::to_string(axis));
      continue;
    }
    ir::Attrs a;  // every step-th entry (backwards when negative): kiln's slice with a step
    a.set("axis", int64_t{axis});
    a.set("start", start);
    a.set("length", length);
    a.set("step", step);
    v = c.emit("slice", {v}, a, "axis" + std::to_string(axis));
  }
  if (constant) return c.set_constant(0, folded);
  c.set_output(0, v);
}

void convert_range(NodeContext &c) {
  c.expect_attrs({});
  const ConstTensor &start = c.constant(0, "start"), &limit = c.constant(1, "limit"),
                    &delta = c.constant(2, "delta");
  const double s = start.as_double(0), l = limit.as_double(0), d = delta.as_double(0);
  if (d == 0) c.fail("delta is 0");
  const int64_t n = std::max<int64_t>(static_cast<int64_t>(std::ceil((l - s) / d)), 0);
  if (start.is_float()) {
    std::vector<double> v(n);
    for (int64_t k = 0; k < n; k++) v[k] = s + k * d;
    return c.set_constant(0, ConstTensor::of_floats({n}, v, start.dtype));
  }
  std::vector<int64_t> v(n);
  for (int64_t k = 0; k < n; k++) v[k] = start.as_int(0) + k * delta.as_int(0);
  c.set_constant(0, ConstTensor::of_ints({n}, v, start.dtype));
}

}  // namespace

void add_constant_converters(ConverterTable &table) {
  table["Constant"] = convert_constant;
  table["ConstantOfShape"] = convert_constant_of_shape;
  table["Shape"] = convert_shape;
  table["Size"] = convert_size;
  table["Cast"] = convert_cast;
  table["CastLike"] = convert_cast_like;
  table["Gather"] = convert_gather;
  table["Slice"] = convert_slice;
  table["Range"] = convert_range;
}

}  // namespace kiln::frontend::onnx_import
