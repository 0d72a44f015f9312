// Reference fused_elementwise: runs the node's program (ir/ops/
// fused_elementwise.h) once per element in double, with the same activation
// formulas as the standalone kernels and the fused epilogue
// (reference/ops/epilogue.h), so a new activation works here unchanged.
#include "ir/ops/fused_elementwise.h"

#include "reference/ops/epilogue.h"
#include "reference/ops/ref_util.h"

namespace kiln::reference::ops {

namespace {

using ir::ops::ElementwiseStep;
using ir::ops::StepKind;

struct StepFn {
  StepKind kind;
  Activation activation = nullptr;  // for StepKind::Activation
};

double apply(const StepFn &f, const double *v) {
  switch (f.kind) {
    case StepKind::Activation:
      return f.activation(v[0]);
    case StepKind::Add:
      return v[0] + v[1];
    case StepKind::Sub:
      return v[0] - v[1];
    case StepKind::Mul:
      return v[0] * v[1];
    case StepKind::Div:
      return v[0] / v[1];
    case StepKind::ScaleShift:
      return v[0] * v[1] + v[2];
  }
  return 0;
}

template <typename T>
std::vector<BasicTensor<T>> fused_elementwise_kernel(const ir::Node &node, const Inputs<T> &in) {
  const ir::ops::ElementwiseProgram p =
      ir::ops::parse_program(node.attrs.get_string("program"), in.size());
  const std::vector<bool> per_channel = ir::ops::per_channel_inputs(p, in.size());
  std::vector<BasicTensor<T>> out = make_outputs(node, in);
  const ir::Shape &shape = out[0].shape;
  // Per-channel inputs are indexed by axis 1 of the output.
  const int64_t channels = shape.size() >= 2 ? shape[1] : 1;
  int64_t inner = 1;
  for (size_t d = 2; d < shape.size(); d++) inner *= shape[d];

  std::vector<StepFn> fns;
  for (const ElementwiseStep &s : p.steps)
    fns.push_back(
        {s.kind(), s.kind() == StepKind::Activation ? ref_activation(s.op, s.attrs) : nullptr});
  std::vector<double> steps(p.steps.size());
  for (int64_t i = 0; i < out[0].numel(); i++) {
    const int64_t c = i / inner % channels;
    for (size_t k = 0; k < p.steps.size(); k++) {
      double operands[3];
      const auto &ops = p.steps[k].operands;
      for (size_t j = 0; j < ops.size(); j++) {
        const ir::ops::Operand &o = ops[j];
        operands[j] = o.is_step ? steps[o.index] : in[o.index]->data[per_channel[o.index] ? c : i];
      }
      steps[k] = apply(fns[k], operands);
    }
    out[0].data[i] = static_cast<T>(steps.back());
  }
  return out;
}

}  // namespace

KILN_REF_KERNEL(fused_elementwise)

}  // namespace kiln::reference::ops
