#include "bench/conv_candidate_timer.h"

#include "bench/compiled_model.h"
#include "bench/stats.h"
#include "ir/errors.h"
#include "passes/pretransform_winograd.h"

namespace kiln::bench {

ir::Graph single_node_graph(const ir::Graph &g, const ir::Node &node) {
  ir::Graph one;
  one.name = "kiln_candidate";
  std::vector<int> inputs;
  for (int v : node.inputs) {
    const ir::Value &value = g.value(v);
    inputs.push_back(value.kind == ir::ValueKind::Param
                         ? one.add_param(value.name, value.type, *value.data)
                         : one.add_input("x" + std::to_string(inputs.size()), value.type));
  }
  int id = one.add_node(node.op, node.name, inputs, node.attrs);
  for (int v : one.nodes[id].outputs) one.mark_output(v);
  return one;
}

double time_node_alone(const ir::Graph &g, const ir::Node &node, const CandidateTiming &t) {
  if (t.repeat < 1) throw InternalError("time_node_alone: repeat must be at least 1");
  // A Winograd candidate is timed as an inference compile builds it: with
  // its filter transformed at compile time, not in the kernel.
  CompiledModel model(passes::pretransform_winograd(single_node_graph(g, node)), nullptr);
  const codegen::LoadedLibrary &lib = model.library();
  if (t.threads > 0) lib.set_num_threads(t.threads);
  codegen::LoadedLibrary::Instance instance(lib);
  ModelBuffers buffers(lib, 0);
  for (int r = 0; r < t.warmup; r++) instance.run(buffers.input_ptrs, buffers.output_ptrs);
  std::vector<double> ms;
  for (int r = 0; r < t.repeat; r++)
    ms.push_back(instance.run_profiled(buffers.input_ptrs, buffers.output_ptrs).at(0) * 1e3);
  return median(ms);
}

}  // namespace kiln::bench
