// MaxPool, AveragePool -> kiln max_pool2d / avg_pool2d (1-D pooling as 2-D
// of height 1), 3-D pooling -> max_pool3d / avg_pool3d; MaxPool's Indices
// output (1-D and 2-D) -> max_pool2d_argmax; GlobalAveragePool,
// GlobalMaxPool -> kiln's global poolings over (N, C, H, W), other ranks
// through a reshape to (N, C, spatial, 1).
#include "frontend/onnx/convert_util.h"
#include "frontend/onnx/converters.h"

namespace kiln::frontend::onnx_import {

namespace {

void convert_window_pool(NodeContext &c, const std::string &kiln_op, bool is_max) {
  c.expect_float(0);
  const ir::Shape x = c.shape(0);
  if (c.output_used(1) && x.size() == 5)
    c.unsupported("the Indices output of 3-D pooling (kiln finds them for 1-D and 2-D windows)");
  if (x.size() != 3 && x.size() != 4 && x.size() != 5)
    c.unsupported(std::to_string(x.size() - 2) +
                  "-D pooling (kiln pools 1-D, 2-D and 3-D windows)");
  const std::vector<int64_t> kernel = c.attr_ints("kernel_shape");
  if (kernel.size() != x.size() - 2) c.fail("kernel_shape must have one entry per spatial axis");
  OnnxWindow w = read_window(c, spatial_dims(x), kernel, is_max);
  bool dilated = false;
  for (int64_t d : w.dilations) dilated = dilated || d != 1;
  if (dilated && !is_max)
    c.unsupported("dilations other than 1 (kiln's average pooling windows are dense)");
  for (size_t k = 0; k < kernel.size(); k++)
    if (w.pads_begin[k] >= kernel[k] || w.pads_end[k] >= kernel[k])
      c.unsupported("padding as large as the window (kiln's pooling pads less than a window)");
  const bool ceil_mode = c.attr_int("ceil_mode", 0) != 0;
  ir::Attrs a;
  const bool three_d = x.size() == 5;
  if (three_d) {  // kiln's 3-D pooling takes ONNX's window as it is
    a.set("kernel", w.kernel);
    a.set("stride", w.strides);
    if (is_max) a.set("dilation", w.dilations);
    std::vector<int64_t> pads = w.pads_begin;
    pads.insert(pads.end(), w.pads_end.begin(), w.pads_end.end());
    a.set("pads", pads);
  } else {
    set_window_attrs(a, w, dilated);
  }
  a.set("ceil_mode", int64_t{ceil_mode});
  if (!is_max) a.set("count_include_pad", c.attr_int("count_include_pad", 0));
  const bool one_d = x.size() == 3;
  const std::string op = three_d ? (is_max ? "max_pool3d" : "avg_pool3d") : kiln_op;
  int y = c.emit(op, {three_d ? c.value(0) : lift_to_2d(c, c.value(0), "input")}, a,
                 one_d ? kiln_op : "");

  // kiln follows PyTorch's ceil mode, which drops a last window that would
  // start in the end padding; ONNX (1.12) keeps it. Refuse where they differ.
  const ir::Shape got = c.graph().value(y).type.shape;
  for (size_t k = 0; k < kernel.size(); k++) {
    int64_t want = window_output_size(x[2 + k], kernel[k], w.strides[k], w.dilations[k],
                                      w.pads_begin[k] + w.pads_end[k], ceil_mode);
    if (got[one_d ? 3 : 2 + k] != want)
      c.unsupported("ceil_mode where the last window starts in the padding (ONNX gives " +
                    std::to_string(want) + " outputs, kiln's pooling " +
                    std::to_string(got[one_d ? 3 : 2 + k]) + ")");
  }
  if (one_d) y = c.reshape(y, {got[0], got[1], got[3]}, "");
  c.set_output(0, y);
  if (is_max && c.output_used(1)) {  // Indices: max_pool2d_argmax over the same windows
    a.set("column_major", int64_t{c.attr_int("storage_order", 0) != 0});
    int at = c.emit("max_pool2d_argmax", {lift_to_2d(c, c.value(0), "input")}, a, "indices");
    if (one_d) at = c.reshape(at, {got[0], got[1], got[3]}, "indices_1d");
    c.set_output(1, at);
  }
}

void convert_max_pool(NodeContext &c) {
  c.expect_attrs(
      {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  convert_window_pool(c, "max_pool2d", true);
}

void convert_average_pool(NodeContext &c) {
  c.expect_attrs({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  convert_window_pool(c, "avg_pool2d", false);
}

void convert_global_pool(NodeContext &c, const std::string &kiln_op) {
  c.expect_attrs({});
  c.expect_float(0);
  const ir::Shape x = c.shape(0);
  if (x.size() < 3) c.fail("the input needs spatial axes (N, C, ...)");
  int v = c.value(0);
  int64_t spatial = 1;
  for (size_t k = 2; k < x.size(); k++) spatial *= x[k];
  if (x.size() != 4) v = c.reshape(v, {x[0], x[1], spatial, 1}, "input");
  int y = c.emit(kiln_op, {v}, {}, x.size() == 4 ? "" : kiln_op);
  ir::Shape out(x.size(), 1);
  out[0] = x[0];
  out[1] = x[1];
  c.set_output(0, c.reshape(y, out, ""));
}

void convert_global_average_pool(NodeContext &c) { convert_global_pool(c, "global_avg_pool"); }
void convert_global_max_pool(NodeContext &c) { convert_global_pool(c, "global_max_pool"); }

}  // namespace

void add_pool_converters(ConverterTable &table) {
  table["MaxPool"] = convert_max_pool;
  table["AveragePool"] = convert_average_pool;
  table["GlobalAveragePool"] = convert_global_average_pool;
  table["GlobalMaxPool"] = convert_global_max_pool;
}

}  // namespace kiln::frontend::onnx_import
