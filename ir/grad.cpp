#include "ir/grad.h"

#include "ir/errors.h"

namespace kiln::ir {

GradContext::GradContext(Graph &g, Node node, std::vector<int> dy, std::vector<bool> needs,
                         int step)
    : g_(g), node_(std::move(node)), dy_(std::move(dy)), needs_(std::move(needs)), step_(step) {
  dx_.assign(node_.inputs.size(), -1);
  replaced_.assign(node_.outputs.size(), -1);
  if (!dy_.empty() && dy_.size() != node_.outputs.size())
    throw InternalError("GradContext: one gradient per output of '" + node_.name + "'");
  if (!needs_.empty() && needs_.size() != node_.inputs.size())
    throw InternalError("GradContext: one 'needs' flag per input of '" + node_.name + "'");
}

int GradContext::input(size_t k) const { return node_.inputs.at(k); }
int GradContext::output(size_t k) const { return node_.outputs.at(k); }
int GradContext::dy(size_t k) const { return k < dy_.size() ? dy_[k] : -1; }
bool GradContext::needs(size_t k) const { return k < needs_.size() && needs_[k]; }

void GradContext::set_dx(size_t k, int value) {
  if (k >= dx_.size())
    throw InternalError("gradient rule of '" + node_.name + "': no input " + std::to_string(k));
  if (g_.value(value).type != type(input(k)))
    throw InternalError("gradient rule of '" + node_.name + "' (" + node_.op +
                        "): the gradient of input " + std::to_string(k) + " is " +
                        type_str(g_.value(value).type) + ", the input is " +
                        type_str(type(input(k))));
  dx_[k] = value;
}

std::vector<int> GradContext::emit_all(const std::string &op, const std::string &suffix,
                                       std::vector<int> inputs, Attrs attrs) {
  std::string base = suffix.empty() ? node_.name : node_.name + "/" + suffix, name = base;
  for (int k = 2; g_.find_node(name) >= 0 || g_.find_value(name) >= 0; k++)
    name = base + "." + std::to_string(k);
  int id = g_.add_node(op, name, std::move(inputs), std::move(attrs));
  return g_.node(id).outputs;
}

int GradContext::emit(const std::string &op, const std::string &suffix, std::vector<int> inputs,
                      Attrs attrs) {
  std::vector<int> out = emit_all(op, suffix, std::move(inputs), std::move(attrs));
  if (out.size() != 1)
    throw InternalError("GradContext::emit: op '" + op + "' has " + std::to_string(out.size()) +
                        " outputs; use emit_all");
  return out[0];
}

int GradContext::add_state(const std::string &suffix, const Shape &shape, float init) {
  TensorType t{DType::F32, shape};
  return g_.add_param(node_.name + "." + suffix, t, std::vector<float>(t.numel(), init));
}

void GradContext::add_update(int param, int value) {
  if (g_.value(param).kind != ValueKind::Param)
    throw InternalError("'" + g_.value(param).name + "' is not a parameter and cannot be updated");
  g_.updates.push_back({param, value});
}

void GradContext::replace_output(size_t k, int value) { replaced_.at(k) = value; }

}  // namespace kiln::ir
