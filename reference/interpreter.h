// The reference interpreter: runs a graph node by node with plain, obviously
// correct C++ kernels (reference/ops/). It is the oracle that every compiled
// kernel is checked against, so it favours clarity over speed (it does
// accumulate in double to keep its own rounding error small).
//
// Kernels run in float32 (`Tensor`), or in float64 (`Tensor64`) for finite
// differences: an op whose kernel is a template on the element type
// (reference/ops/ref_util.h, KILN_REF_KERNEL) runs natively in float64; any
// other op runs its float32 kernel on rounded inputs.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/graph.h"
#include "reference/tensor.h"

namespace kiln::reference {

// A reference kernel: the node's outputs from its inputs (parameters
// included, in the node's input order).
template <typename T>
using BasicKernel = std::vector<BasicTensor<T>> (*)(const ir::Node &node,
                                                    const std::vector<const BasicTensor<T> *> &);
using RefKernel = BasicKernel<float>;
using RefKernel64 = BasicKernel<double>;

// The kernel of `op`; throws InternalError if the op has none.
RefKernel ref_kernel(const std::string &op);
// The float64 kernel of `op`, or null when its kernel is float32 only.
RefKernel64 ref_kernel64(const std::string &op);
// Called by KILN_REF_KERNEL at static initialization; returns true.
bool register_ref_kernel64(const std::string &op, RefKernel64 kernel);

// Runs one node on the given inputs.
std::vector<Tensor> run_node(const ir::Node &node, const std::vector<const Tensor *> &inputs);
std::vector<Tensor64> run_node(const ir::Node &node, const std::vector<const Tensor64 *> &inputs);

// Runs the whole graph; `inputs` in the order of g.inputs, checked against
// their declared shapes (UserError on mismatch). Returns the graph outputs.
std::vector<Tensor> run_graph(const ir::Graph &g, const std::vector<Tensor> &inputs);

// Runs the whole graph and returns every value by id (parameters and inputs
// included). `given` holds every graph input and may hold parameters, which
// then replace the parameters' stored data (UserError on a shape mismatch
// or a missing input). T is float or double.
template <typename T>
std::vector<BasicTensor<T>> evaluate(const ir::Graph &g, const std::map<int, BasicTensor<T>> &given);

// The values of g.updates (parameter id -> its new value) after one step
// whose values `evaluate` returned.
template <typename T>
std::map<int, BasicTensor<T>> updated_params(const ir::Graph &g,
                                             const std::vector<BasicTensor<T>> &values);

}  // namespace kiln::reference
