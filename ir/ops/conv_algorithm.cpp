#include "ir/ops/conv_algorithm.h"

#include <algorithm>

#include "ir/ops/window.h"

namespace kiln::ir::ops {

namespace {

std::string pair_str(const std::vector<int64_t> &p) {
  return std::to_string(p[0]) + "x" + std::to_string(p[1]);
}

std::string winograd_unfit(const std::string &name, const Attrs &a) {
  const auto &k = a.get_ints("kernel");
  if (k[0] != 3 || k[1] != 3) return name + " needs a 3x3 kernel (this one is " + pair_str(k) + ")";
  const auto &s = a.get_ints("stride");
  if (s[0] != 1 || s[1] != 1) return name + " needs stride 1 (this one is " + pair_str(s) + ")";
  const auto &d = a.get_ints("dilation");
  if (d[0] != 1 || d[1] != 1) return name + " needs dilation 1 (this one is " + pair_str(d) + ")";
  if (a.get_int("groups") != 1) return name + " needs groups 1";
  return "";
}

}  // namespace

const std::vector<std::string> &conv_algorithms() {
  static const std::vector<std::string> all = {"direct", "im2col", "winograd_f2", "winograd_f4",
                                               "depthwise"};
  return all;
}

std::vector<std::string> conv_algorithm_choices() {
  std::vector<std::string> c = {"auto"};
  for (const std::string &a : conv_algorithms()) c.push_back(a);
  return c;
}

std::string conv_algorithm_unfit(const std::string &algorithm, const Attrs &a,
                                 const Shape &input) {
  if (algorithm == "auto" || algorithm == "direct" || algorithm == "im2col") return "";
  if (algorithm == "winograd_f2" || algorithm == "winograd_f4") return winograd_unfit(algorithm, a);
  if (algorithm == "depthwise") {
    int64_t groups = a.get_int("groups");
    if (input.size() != 4 || groups != input[1])
      return "depthwise needs groups == input channels (groups " + std::to_string(groups) +
             ", channels " + (input.size() == 4 ? std::to_string(input[1]) : "?") + ")";
    return "";
  }
  return "unknown convolution algorithm '" + algorithm + "'";
}

}  // namespace kiln::ir::ops
