#include "frontend/onnx/const_eval.h"

#include <algorithm>

#include "ir/errors.h"

namespace kiln::frontend::onnx_import {

namespace {

// Row-major strides of `shape`.
std::vector<int64_t> strides_of(const ir::Shape &shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int k = static_cast<int>(shape.size()) - 2; k >= 0; k--) s[k] = s[k + 1] * shape[k + 1];
  return s;
}

// An empty tensor of `like`'s dtype with `shape`, zero-filled.
ConstTensor blank(const ConstTensor &like, ir::Shape shape) {
  ConstTensor t;
  t.dtype = like.dtype;
  t.shape = std::move(shape);
  if (t.is_float())
    t.f.assign(t.numel(), 0.0);
  else
    t.i.assign(t.numel(), 0);
  return t;
}

// Copies element `from` of `src` to element `to` of `dst` (same dtype).
void copy_element(const ConstTensor &src, int64_t from, ConstTensor &dst, int64_t to) {
  if (src.is_float())
    dst.f[to] = src.f[from];
  else
    dst.i[to] = src.i[from];
}

ir::Shape broadcast(const ir::Shape &a, const ir::Shape &b) {
  const size_t rank = std::max(a.size(), b.size());
  ir::Shape out(rank);
  for (size_t k = 0; k < rank; k++) {
    int64_t da = k < rank - a.size() ? 1 : a[k - (rank - a.size())];
    int64_t db = k < rank - b.size() ? 1 : b[k - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      throw UserError("shapes " + ir::shape_str(a) + " and " + ir::shape_str(b) +
                      " do not broadcast");
    out[k] = da == 1 ? db : da;
  }
  return out;
}

// The flat index into a tensor of `shape` (broadcast to `out` shape) for the
// output multi-index `idx`.
int64_t broadcast_index(const ir::Shape &shape, const ir::Shape &out,
                        const std::vector<int64_t> &idx) {
  int64_t flat = 0;
  const size_t offset = out.size() - shape.size();
  for (size_t k = 0; k < shape.size(); k++)
    flat = flat * shape[k] + (shape[k] == 1 ? 0 : idx[k + offset]);
  return flat;
}

void next_index(std::vector<int64_t> &idx, const ir::Shape &shape) {
  for (int k = static_cast<int>(shape.size()) - 1; k >= 0; k--) {
    if (++idx[k] < shape[k]) return;
    idx[k] = 0;
  }
}

template <typename T>
T apply(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::Add:
      return a + b;
    case BinaryOp::Sub:
      return a - b;
    case BinaryOp::Mul:
      return a * b;
    case BinaryOp::Div:
      if constexpr (std::is_integral_v<T>) {
        if (b == 0) throw UserError("integer division by zero");
      }
      return a / b;
  }
  return a;
}

}  // namespace

ConstTensor eval_binary(BinaryOp op, const ConstTensor &a, const ConstTensor &b) {
  ir::Shape shape = broadcast(a.shape, b.shape);
  ConstTensor out = blank(a, shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < out.numel(); k++, next_index(idx, shape)) {
    int64_t ia = broadcast_index(a.shape, shape, idx), ib = broadcast_index(b.shape, shape, idx);
    if (out.is_float())
      out.f[k] = apply(op, a.as_double(ia), b.as_double(ib));
    else
      out.i[k] = apply(op, a.as_int(ia), b.as_int(ib));
  }
  return out;
}

ConstTensor eval_reshape(const ConstTensor &t, ir::Shape shape) {
  if (ir::numel(shape) != t.numel())
    throw UserError("cannot reshape " + ir::shape_str(t.shape) + " to " + ir::shape_str(shape));
  ConstTensor out = t;
  out.shape = std::move(shape);
  return out;
}

ConstTensor eval_transpose(const ConstTensor &t, const std::vector<int64_t> &perm) {
  if (perm.size() != t.shape.size())
    throw UserError("perm has " + std::to_string(perm.size()) + " entries for rank " +
                    std::to_string(t.shape.size()));
  ir::Shape shape(perm.size());
  for (size_t k = 0; k < perm.size(); k++) shape[k] = t.shape.at(perm[k]);
  ConstTensor out = blank(t, shape);
  const std::vector<int64_t> in_strides = strides_of(t.shape);
  std::vector<int64_t> idx(shape.size(), 0);
  for (int64_t k = 0; k < out.numel(); k++, next_index(idx, shape)) {
    int64_t from = 0;
    for (size_t d = 0; d < perm.size(); d++) from += idx[d] * in_strides[perm[d]];
    copy_element(t, from, out, k);
  }
  return out;
}

ConstTensor eval_concat(const std::vector<const ConstTensor *> &parts, int axis) {
  ir::Shape shape = parts.at(0)->shape;
  shape.at(axis) = 0;
  for (const ConstTensor *p : parts) {
    if (p->shape.size() != shape.size())
      throw UserError("concat inputs have ranks " + std::to_string(shape.size()) + " and " +
                      std::to_string(p->shape.size()));
    for (size_t d = 0; d < shape.size(); d++)
      if (static_cast<int>(d) != axis && p->shape[d] != parts[0]->shape[d])
        throw UserError("concat inputs " + ir::shape_str(parts[0]->shape) + " and " +
                        ir::shape_str(p->shape) + " differ outside axis " + std::to_string(axis));
    shape[axis] += p->shape[axis];
  }
  ConstTensor out = blank(*parts[0], shape);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= shape[d];
  for (size_t d = axis + 1; d < shape.size(); d++) inner *= shape[d];
  int64_t offset = 0;
  for (const ConstTensor *p : parts) {
    const int64_t len = p->shape[axis];
    for (int64_t o = 0; o < outer; o++)
      for (int64_t k = 0; k < len * inner; k++)
        copy_element(*p, o * len * inner + k, out, (o * shape[axis] + offset) * inner + k);
    offset += len;
  }
  return out;
}

ConstTensor eval_gather(const ConstTensor &data, const ConstTensor &indices, int axis) {
  const int64_t dim = data.shape.at(axis);
  ir::Shape shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  ConstTensor out = blank(data, shape);
  int64_t outer = 1, inner = 1;
  for (int d = 0; d < axis; d++) outer *= data.shape[d];
  for (size_t d = axis + 1; d < data.shape.size(); d++) inner *= data.shape[d];
  const int64_t n = indices.numel();
  for (int64_t o = 0; o < outer; o++)
    for (int64_t j = 0; j < n; j++) {
      int64_t index = indices.as_int(j);
      if (index < 0) index += dim;
      if (index < 0 || index >= dim)
        throw UserError("gather index " + std::to_string(indices.as_int(j)) +
                        " is out of range for a dimension of " + std::to_string(dim));
      for (int64_t i = 0; i < inner; i++)
        copy_element(data, (o * dim + index) * inner + i, out, (o * n + j) * inner + i);
    }
  return out;
}

ConstTensor eval_slice(const ConstTensor &t, int axis, int64_t start, int64_t end, int64_t step) {
  std::vector<int64_t> picks;
  for (int64_t k = start; step > 0 ? k < end : k > end; k += step) picks.push_back(k);
  ConstTensor indices = ConstTensor::of_ints({static_cast<int64_t>(picks.size())}, picks);
  return eval_gather(t, indices, axis);
}

ir::Shape reshape_target(const ir::Shape &in, const std::vector<int64_t> &spec, bool allow_zero) {
  ir::Shape shape(spec.begin(), spec.end());
  int infer = -1;
  int64_t known = 1;
  for (size_t k = 0; k < shape.size(); k++) {
    if (shape[k] == 0 && !allow_zero) {
      if (k >= in.size())
        throw UserError("shape entry " + std::to_string(k) + " is 0 (copy), but the input " +
                        ir::shape_str(in) + " has no such dimension");
      shape[k] = in[k];
    }
    if (shape[k] == -1) {
      if (infer >= 0) throw UserError("the shape has more than one -1");
      infer = static_cast<int>(k);
      continue;
    }
    if (shape[k] < 0) throw UserError("invalid shape entry " + std::to_string(shape[k]));
    known *= shape[k];
  }
  const int64_t total = ir::numel(in);
  if (infer >= 0) {
    if (known == 0 || total % known)
      throw UserError("cannot infer the -1 of shape " + ir::shape_str(spec) + " for " +
                      ir::shape_str(in));
    shape[infer] = total / known;
  }
  if (ir::numel(shape) != total)
    throw UserError("cannot reshape " + ir::shape_str(in) + " to " + ir::shape_str(shape));
  return shape;
}

void clamp_slice(int64_t dim, int64_t step, int64_t *start, int64_t *end) {
  if (*start < 0) *start += dim;
  if (*end < 0) *end += dim;
  if (step > 0) {
    *start = std::clamp<int64_t>(*start, 0, dim);
    *end = std::clamp<int64_t>(*end, 0, dim);
  } else {
    *start = std::clamp<int64_t>(*start, 0, dim - 1);
    *end = std::clamp<int64_t>(*end, -1, dim - 1);
  }
}

}  // namespace kiln::frontend::onnx_import
