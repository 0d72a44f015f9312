// Conv and ConvTranspose -> kiln conv2d and conv_transpose2d. 1-D
// convolutions (N, C, L) run as 2-D ones of height 1; 3-D convolutions
// (N, C, D, H, W) as kiln's conv3d and conv_transpose3d.
#include "frontend/onnx/convert_util.h"
#include "frontend/onnx/converters.h"
#include "ir/op.h"

namespace kiln::frontend::onnx_import {

namespace {

// The weight, as a kiln value of the lifted (2-D) shape: a constant weight
// becomes a parameter of that shape directly, so no reshape kernel is needed.
int lifted_weight(NodeContext &c, size_t k) {
  const ir::Shape &w = c.shape(k);
  if (w.size() != 3) return c.value(k);
  const ir::Shape lifted = {w[0], w[1], 1, w[2]};
  if (c.is_constant(k)) return c.add_param("weight", lifted, c.constant(k, "the weight").floats());
  return c.reshape(c.value(k), lifted, "weight");
}

// Checks the data and weight ranks and kernel_shape; returns the kernel.
std::vector<int64_t> check_conv_shapes(NodeContext &c) {
  c.expect_float(0);
  c.expect_float(1);
  const ir::Shape x = c.shape(0), w = c.shape(1);
  if (x.size() < 3 || x.size() > 5)
    c.unsupported("an input of rank " + std::to_string(x.size()) +
                  " (kiln convolves (N, C, L), (N, C, H, W) and (N, C, D, H, W))");
  if (w.size() != x.size()) c.fail("the weight's rank must equal the input's");
  std::vector<int64_t> kernel(w.begin() + 2, w.end());
  if (c.has_attr("kernel_shape") && c.attr_ints("kernel_shape") != kernel)
    c.fail("kernel_shape " + ir::shape_str(c.attr_ints("kernel_shape")) +
           " does not match the weight " + ir::shape_str(w));
  return kernel;
}

// The output, reshaped back to (N, M, L) for a 1-D convolution.
void finish(NodeContext &c, int y, bool one_d) {
  if (one_d) {
    const ir::Shape &s = c.graph().value(y).type.shape;
    y = c.reshape(y, {s[0], s[1], s[3]}, "");
  }
  c.set_output(0, y);
}

// A 3-D convolution: kiln's conv3d takes ONNX's window as it is.
void convert_conv3d(NodeContext &c, const OnnxWindow &window) {
  ir::Attrs a;
  a.set("filters", c.shape(1)[0]);
  a.set("groups", c.attr_int("group", 1));
  a.set("kernel", window.kernel);
  a.set("stride", window.strides);
  a.set("dilation", window.dilations);
  std::vector<int64_t> pads = window.pads_begin;
  pads.insert(pads.end(), window.pads_end.begin(), window.pads_end.end());
  a.set("pads", pads);
  a.set("use_bias", int64_t{c.has_input(2)});
  std::vector<int> inputs = {c.value(0), c.value(1)};
  if (c.has_input(2)) {
    c.expect_float(2);
    inputs.push_back(c.value(2));
  }
  c.set_output(0, c.emit("conv3d", inputs, a));
}

// A 3-D transposed convolution: kiln's conv_transpose3d takes the resolved
// window as it is (`a` holds filters and groups).
void convert_conv_transpose3d(NodeContext &c, const OnnxWindow &window,
                              const std::vector<int64_t> &output_padding, ir::Attrs a) {
  a.set("kernel", window.kernel);
  a.set("stride", window.strides);
  a.set("dilation", window.dilations);
  std::vector<int64_t> pads = window.pads_begin;
  pads.insert(pads.end(), window.pads_end.begin(), window.pads_end.end());
  a.set("pads", pads);
  a.set("output_padding", output_padding);
  a.set("use_bias", int64_t{c.has_input(2)});
  std::vector<int> inputs = {c.value(0), c.value(1)};
  if (c.has_input(2)) {
    c.expect_float(2);
    inputs.push_back(c.value(2));
  }
  c.set_output(0, c.emit("conv_transpose3d", inputs, a));
}

void convert_conv(NodeContext &c) {
  c.expect_attrs({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  const std::vector<int64_t> kernel = check_conv_shapes(c);
  const ir::Shape x = c.shape(0), w = c.shape(1);
  const bool one_d = x.size() == 3;
  OnnxWindow window = read_window(c, spatial_dims(x), kernel, true);
  if (x.size() == 5) return convert_conv3d(c, window);
  ir::Attrs a;
  a.set("filters", w[0]);
  a.set("groups", c.attr_int("group", 1));
  set_window_attrs(a, window, true);
  a.set("use_bias", int64_t{c.has_input(2)});
  std::vector<int> inputs = {lift_to_2d(c, c.value(0), "input"), lifted_weight(c, 1)};
  if (c.has_input(2)) {
    c.expect_float(2);
    inputs.push_back(c.value(2));
  }
  finish(c, c.emit("conv2d", inputs, a, one_d ? "conv2d" : ""), one_d);
}

void convert_conv_transpose(NodeContext &c) {
  if (!ir::find_op("conv_transpose2d")) c.unsupported("kiln has no conv_transpose2d op yet");
  c.expect_attrs({"auto_pad", "dilations", "group", "kernel_shape", "output_padding",
                  "output_shape", "pads", "strides"});
  const std::vector<int64_t> kernel = check_conv_shapes(c);
  const ir::Shape x = c.shape(0), w = c.shape(1);
  const size_t n = kernel.size();
  const bool one_d = x.size() == 3;
  const std::vector<int64_t> in = spatial_dims(x);
  const int64_t group = c.attr_int("group", 1);

  // ConvTranspose's auto_pad and output_shape describe output sizes, not
  // input padding: resolve them here rather than through read_window.
  OnnxWindow window;
  window.kernel = kernel;
  window.strides = c.attr_ints("strides", std::vector<int64_t>(n, 1));
  window.dilations = c.attr_ints("dilations", std::vector<int64_t>(n, 1));
  std::vector<int64_t> pads = c.attr_ints("pads", std::vector<int64_t>(2 * n, 0));
  std::vector<int64_t> output_padding = c.attr_ints("output_padding", std::vector<int64_t>(n, 0));
  if (window.strides.size() != n || window.dilations.size() != n || pads.size() != 2 * n ||
      output_padding.size() != n)
    c.fail("strides, dilations, output_padding and pads must match the " + std::to_string(n) +
           "-D kernel");
  const std::string auto_pad = c.attr_string("auto_pad", std::string("NOTSET"));
  std::vector<int64_t> out_shape;
  if (c.has_attr("output_shape")) {
    out_shape = c.attr_ints("output_shape");
    if (out_shape.size() == n + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
    if (out_shape.size() != n) c.fail("output_shape must have one entry per spatial axis");
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    for (size_t k = 0; k < n; k++) out_shape.push_back(in[k] * window.strides[k]);
  } else if (auto_pad == "VALID") {
    std::fill(pads.begin(), pads.end(), 0);
  } else if (auto_pad != "NOTSET") {
    c.fail("unknown auto_pad \"" + auto_pad + "\"");
  }
  if (!out_shape.empty()) {
    for (size_t k = 0; k < n; k++) {
      const int64_t full = window.strides[k] * (in[k] - 1) + output_padding[k] +
                           (kernel[k] - 1) * window.dilations[k] + 1;
      int64_t total = full - out_shape[k];
      if (total < 0) {
        // A larger output than the full one: rows added at the end, as
        // output_padding adds them.
        output_padding[k] -= total;
        total = 0;
      }
      const int64_t half = total / 2;
      pads[k] = auto_pad == "SAME_UPPER" ? half : total - half;
      pads[n + k] = total - pads[k];
    }
  }
  window.pads_begin.assign(pads.begin(), pads.begin() + n);
  window.pads_end.assign(pads.begin() + n, pads.end());

  ir::Attrs a;
  a.set("filters", w[1] * group);
  a.set("groups", group);
  if (n == 3) return convert_conv_transpose3d(c, window, output_padding, a);
  set_window_attrs(a, window, true);
  a.set("output_padding", one_d ? std::vector<int64_t>{0, output_padding[0]} : output_padding);
  a.set("use_bias", int64_t{c.has_input(2)});
  std::vector<int> inputs = {lift_to_2d(c, c.value(0), "input"), lifted_weight(c, 1)};
  if (c.has_input(2)) {
    c.expect_float(2);
    inputs.push_back(c.value(2));
  }
  finish(c, c.emit("conv_transpose2d", inputs, a, one_d ? "conv_transpose2d" : ""), one_d);
}

}  // namespace

void add_conv_converters(ConverterTable &table) {
  table["Conv"] = convert_conv;
  table["ConvTranspose"] = convert_conv_transpose;
}

}  // namespace kiln::frontend::onnx_import
