// conv2d: 2-D convolution over NCHW with stride, dilation, groups, padding
// (valid / same / explicit) and a padding mode (zeros / replicate / reflect).
// weight: [filters, in_channels / groups, kernel_h, kernel_w]; bias: [filters];
// then the fused epilogue's residual, when there is one (ir/ops/epilogue.h).
#include <algorithm>

#include "ir/grads/grad_rules.h"
#include "ir/ops/conv_algorithm.h"
#include "ir/ops/epilogue.h"
#include "ir/ops/op_helpers.h"
#include "ir/ops/window.h"
#include "ir/ops/winograd.h"

namespace kiln::ir::ops {

OpDef def_conv2d() {
  OpDef d;
  d.name = "conv2d";
  d.doc = "2-D convolution, NCHW";
  d.takes_activation = true;
  d.inputs = {{"x"}, {"weight", true}, {"bias", true, true}, {"residual", false, true}};
  d.attrs = {
      {"filters", AttrKind::Int, std::nullopt, "output channels"},
      {"kernel", AttrKind::Pair, std::nullopt, "kernel height and width"},
      {"stride", AttrKind::Pair, std::vector<int64_t>{1, 1}, "stride"},
      {"dilation", AttrKind::Pair, std::vector<int64_t>{1, 1}, "dilation"},
      {"padding", AttrKind::Padding, std::string("valid"), "valid, same or [t,l,b,r]"},
      {"padding_mode",
       AttrKind::String,
       std::string("zeros"),
       "what the padding holds",
       {"zeros", "replicate", "reflect"}},
      {"groups", AttrKind::Int, int64_t{1}, "channel groups"},
      {"use_bias", AttrKind::Bool, int64_t{1}, "add a bias per output channel"},
      // Absent means "auto", so graphs that never name one print and hash
      // as before.
      {"algorithm", AttrKind::String, std::nullopt,
       "how the kernel computes it (ir/ops/conv_algorithm.h); auto: the compiler picks",
       conv_algorithm_choices(), true},
      // Set by the pretransform-winograd pass (passes/pretransform_winograd.h):
      // the weight input holds the transformed filter U (ir/ops/winograd.h),
      // {alpha, alpha, C, K}, instead of [K, C, 3, 3]. Absent means 0.
      {"weights_pretransformed", AttrKind::Bool, std::nullopt,
       "the weight input is the Winograd-transformed filter (set by a pass)", {}, true, true},
  };
  for (AttrSpec &spec : epilogue_attrs()) d.attrs.push_back(std::move(spec));
  d.infer = [](const Attrs &a, const std::vector<TensorType> &in) {
    const TensorType &x = in[0];
    expect_rank(x, 4, "the input (NCHW)");
    int64_t filters = a.get_int("filters"), groups = a.get_int("groups");
    expect_filters_and_groups(a, x);
    Window2d w = resolve_window(a, x.shape[2], x.shape[3], false, false);
    const auto &k = a.get_ints("kernel");
    std::string algorithm = a.has("algorithm") ? a.get_string("algorithm") : "auto";
    if (weights_pretransformed(a)) {
      int m = winograd_tile(algorithm);
      if (m == 0)
        throw UserError("weights_pretransformed needs algorithm winograd_f2 or winograd_f4 (got " +
                        algorithm + ")");
      expect_shape(in[1], winograd_weight_shape(m, x.shape[1], filters),
                   "the Winograd-transformed weight (alpha, alpha, C, K)");
    } else {
      expect_shape(in[1], {filters, x.shape[1] / groups, k[0], k[1]}, "the weight");
    }
    TensorType out{DType::F32, {x.shape[0], filters, w.out_h, w.out_w}};
    check_bias_and_residual(a, in, {filters}, out);
    if (a.get_string("padding_mode") == "reflect" &&
        (std::max(w.pad_top, w.pad_bottom) >= x.shape[2] ||
         std::max(w.pad_left, w.pad_right) >= x.shape[3]))
      throw UserError("reflect padding must be smaller than the input size");
    std::string unfit = conv_algorithm_unfit(algorithm, a, x.shape);
    if (!unfit.empty()) throw UserError("algorithm: " + unfit);
    return std::vector<TensorType>{out};
  };
  d.params = [](const Attrs &a, const TensorType &x) {
    int64_t f = a.get_int("filters"), g = a.get_int("groups");
    const auto &k = a.get_ints("kernel");
    int64_t cin = x.rank() == 4 ? x.shape[1] : 0;
    std::vector<ParamSpec> p = {{"weight",
                                 {f, g > 0 ? cin / g : 0, k[0], k[1]},
                                 InitKind::Weight,
                                 (g > 0 ? cin / g : 0) * k[0] * k[1],
                                 (g > 0 ? f / g : 0) * k[0] * k[1]}};
    if (a.get_int("use_bias")) p.push_back({"bias", {f}, InitKind::Zeros});
    return p;
  };
  d.cost = [](const Attrs &a, const std::vector<TensorType> &in,
              const std::vector<TensorType> &out) {
    // From the attributes, not the weight's shape: a pretransformed weight
    // computes the same convolution (counted as the direct one's MACs).
    const auto &k = a.get_ints("kernel");
    Cost c;
    c.macs = out[0].numel() * (in[0].shape[1] / a.get_int("groups")) * k[0] * k[1];
    c.flops = 2 * c.macs + (a.get_int("use_bias") ? out[0].numel() : 0) + epilogue_flops(a, out[0]);
    return c;
  };
  d.grad = grads::grad_conv2d;
  return d;
}

}  // namespace kiln::ir::ops
