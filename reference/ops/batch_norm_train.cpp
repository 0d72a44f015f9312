// Reference batch normalization while training: statistics of the batch
// per channel (two passes, in double), its backward, and the running
// statistics' update.
#include <cmath>

#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

// x seen as [outer, C, inner]: M = outer * inner elements per channel.
struct ChannelView {
  int64_t outer, C, inner;
  explicit ChannelView(const ir::Shape &s) : C(s[1]) { split_axis(s, 1, &outer, &inner); }
  int64_t at(int64_t o, int64_t c, int64_t i) const { return (o * C + c) * inner + i; }
  int64_t per_channel() const { return outer * inner; }
};

}  // namespace

template <typename T>
std::vector<BasicTensor<T>> batch_norm_train_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &x = *in[0], &gamma = *in[1], &beta = *in[2];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const double eps = node.attrs.get_float("epsilon");
  const ChannelView v(x.shape);
  for (int64_t c = 0; c < v.C; c++) {
    double sum = 0, sq = 0;
    for (int64_t o = 0; o < v.outer; o++)
      for (int64_t i = 0; i < v.inner; i++) sum += x.data[v.at(o, c, i)];
    const double mean = sum / v.per_channel();
    for (int64_t o = 0; o < v.outer; o++)
      for (int64_t i = 0; i < v.inner; i++)
        sq += (x.data[v.at(o, c, i)] - mean) * (x.data[v.at(o, c, i)] - mean);
    const double var = sq / v.per_channel(), scale = gamma.data[c] / std::sqrt(var + eps);
    for (int64_t o = 0; o < v.outer; o++)
      for (int64_t i = 0; i < v.inner; i++) {
        const int64_t k = v.at(o, c, i);
        out[0].data[k] = static_cast<T>((x.data[k] - mean) * scale + beta.data[c]);
      }
    out[1].data[c] = static_cast<T>(mean);
    out[2].data[c] = static_cast<T>(var);
  }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> batch_norm_backward_kernel(const ir::Node &node, const Inputs<T> &in) {
  const BasicTensor<T> &dy = *in[0], &x = *in[1], &gamma = *in[2], &mean = *in[3], &var = *in[4];
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const double eps = node.attrs.get_float("epsilon");
  const ChannelView v(x.shape);
  const double M = static_cast<double>(v.per_channel());
  for (int64_t c = 0; c < v.C; c++) {
    const double invstd = 1.0 / std::sqrt(static_cast<double>(var.data[c]) + eps);
    auto xhat = [&](int64_t k) { return (x.data[k] - static_cast<double>(mean.data[c])) * invstd; };
    double dbeta = 0, dgamma = 0;
    for (int64_t o = 0; o < v.outer; o++)
      for (int64_t i = 0; i < v.inner; i++) {
        const int64_t k = v.at(o, c, i);
        dbeta += dy.data[k];
        dgamma += dy.data[k] * xhat(k);
      }
    for (int64_t o = 0; o < v.outer; o++)
      for (int64_t i = 0; i < v.inner; i++) {
        const int64_t k = v.at(o, c, i);
        out[0].data[k] =
            static_cast<T>(gamma.data[c] * invstd * (dy.data[k] - (dbeta + xhat(k) * dgamma) / M));
      }
    out[1].data[c] = static_cast<T>(dgamma);
    out[2].data[c] = static_cast<T>(dbeta);
  }
  return out;
}

template <typename T>
std::vector<BasicTensor<T>> running_stat_update_kernel(const ir::Node &node, const Inputs<T> &in) {
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const double m = node.attrs.get_float("momentum"), scale = node.attrs.get_float("scale");
  for (int64_t k = 0; k < out[0].numel(); k++)
    out[0].data[k] = static_cast<T>((1 - m) * in[0]->data[k] + m * scale * in[1]->data[k]);
  return out;
}

KILN_REF_KERNEL(batch_norm_train)
KILN_REF_KERNEL(batch_norm_backward)
KILN_REF_KERNEL(running_stat_update)

}  // namespace kiln::reference::ops
