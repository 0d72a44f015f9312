#include "passes/pass_manager.h"

#include <algorithm>
#include <iterator>

#include "ir/errors.h"
#include "ir/printer.h"
#include "ir/verifier.h"
#include "passes/eliminate_concat.h"
#include "passes/eliminate_dead_nodes.h"
#include "passes/eliminate_identity.h"
#include "passes/fold_batchnorm.h"
#include "passes/fold_constants.h"
#include "passes/fuse_depthwise_pointwise.h"
#include "passes/fuse_elementwise.h"
#include "passes/fuse_epilogue.h"
#include "passes/pretransform_winograd.h"
#include "passes/select_algorithm.h"

namespace kiln::passes {

const std::vector<Pass> &all_passes() {
  static const std::vector<Pass> passes = {
      {"eliminate-identity", "remove inference-time identities (dropout)", eliminate_identity},
      {"fold-constants", "compute nodes whose inputs are all parameters at compile time", fold_constants},
      {"fold-batchnorm", "fold inference batch norm into the conv2d or dense before it", fold_batchnorm},
      {"fuse-epilogue", "fuse activation, residual add and activation into the conv2d or dense before them",
       fuse_epilogue},
      {"eliminate-dead-nodes", "remove nodes whose outputs nothing uses", eliminate_dead_nodes},
      {"fuse-elementwise", "fuse chains of elementwise nodes (activations, add/sub/mul/div, batch norm) into one kernel",
       fuse_elementwise},
      {"fuse-depthwise-pointwise",
       "fuse a depthwise 3x3 conv2d and the 1x1 conv2d reading it into one kernel (<= 32 channels, stride 1: where measured faster)",
       fuse_depthwise_pointwise,
       // A forced --conv-algo names the algorithm of every conv2d: the fusion steps aside.
       [](const ir::Graph &g, const PassOptions &o, PassRecord &) {
         return o.conv_algo.mode == "auto" ? fuse_depthwise_pointwise(g) : g;
       }},
      {"fuse-depthwise-pointwise-all",
       "fuse-depthwise-pointwise at every shape, ignoring the measured gate (for experiments)",
       fuse_depthwise_pointwise_all},
      {"eliminate-concat", "let producers write straight into a concat's output", eliminate_concat},
      {"select-algorithm", "choose each conv2d's algorithm (--conv-algo; default: the cost model)",
       [](const ir::Graph &g) { return select_algorithm(g, ConvAlgoOptions{}); },
       [](const ir::Graph &g, const PassOptions &o, PassRecord &r) {
         return select_algorithm(g, o.conv_algo, &r.algorithm_choices);
       }},
      {"pretransform-winograd",
       "transform the weights of Winograd conv2d nodes at compile time (inference graphs only)",
       [](const ir::Graph &g) { return pretransform_winograd(g); },
       [](const ir::Graph &g, const PassOptions &, PassRecord &r) {
         return pretransform_winograd(g, &r.notes);
       }},
  };
  return passes;
}

namespace {

// Nodes of `after` minus `before` per op (negative counts), nonzero only.
std::map<std::string, int> op_changes(std::map<std::string, int> before, const ir::Graph &after) {
  for (auto &[op, count] : before) count = -count;
  for (const ir::Node &n : after.nodes) before[n.op]++;
  for (auto it = before.begin(); it != before.end();) it = it->second ? std::next(it) : before.erase(it);
  return before;
}

std::map<std::string, int> op_counts(const ir::Graph &g) {
  std::map<std::string, int> counts;
  for (const ir::Node &n : g.nodes) counts[n.op]++;
  return counts;
}

}  // namespace

const Pass &get_pass(const std::string &name) {
  for (const Pass &p : all_passes())
    if (p.name == name) return p;
  std::string known;
  for (const Pass &p : all_passes()) known += (known.empty() ? "" : ", ") + p.name;
  throw UserError("unknown pass '" + name + "' (known: " + known + ")");
}

std::vector<std::string> passes_for_level(int level) {
  if (level < 0 || level > 2) throw UserError("optimization level must be 0, 1 or 2, got " + std::to_string(level));
  if (level == 0) return {};
  std::vector<std::string> names = {"eliminate-identity", "fold-constants", "fold-batchnorm", "fuse-epilogue",
          "eliminate-dead-nodes", "fuse-elementwise", "eliminate-concat", "select-algorithm",
          "pretransform-winograd"};
  // -O2 only: after the epilogue fusions, which give both convs their activations.
  if (level == 2) names.insert(std::find(names.begin(), names.end(), "eliminate-concat"), "fuse-depthwise-pointwise");
  return names;
}

ir::Graph run_passes(const ir::Graph &input, const PassOptions &options, std::vector<PassRecord> *records) {
  ir::Graph g = input;
  auto wants_dump = [&](const std::string &name) {
    return std::find(options.print_after.begin(), options.print_after.end(), name) != options.print_after.end() ||
           std::find(options.print_after.begin(), options.print_after.end(), "all") != options.print_after.end();
  };
  for (const std::string &name : options.passes) {
    const Pass &pass = get_pass(name);
    const size_t before = g.nodes.size();
    const std::map<std::string, int> ops_before = op_counts(g);
    PassRecord record{name, before, 0, {}, {}};
    g = pass.run_with_options ? pass.run_with_options(g, options, record) : pass.run(g);
    ir::verify_or_throw(g, "after pass " + name);
    record.nodes_after = g.nodes.size();
    record.op_changes = op_changes(ops_before, g);
    if (records) records->push_back(std::move(record));
    if (options.print && wants_dump(name)) options.print("// IR after " + name + "\n" + ir::print_graph(g));
  }
  return g;
}

}  // namespace kiln::passes
