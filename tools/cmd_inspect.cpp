// kiln inspect: the graph with output shapes, parameters, MACs and FLOPs,
// activation and weight memory per layer, as a table or as JSON, and each
// convolution's algorithm (select-algorithm with --conv-algo) and why.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "frontend/load_model.h"
#include "ir/printer.h"
#include "ir/summary.h"
#include "passes/select_algorithm.h"
#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/load_args.h"
#include "tools/optimize.h"

namespace kiln::tools {

namespace {

nlohmann::json summary_json(const ir::Graph &g, const ir::GraphSummary &s,
                            const std::vector<passes::AlgorithmChoice> &choices) {
  using nlohmann::json;
  json j;
  j["model"] = g.name;
  for (int v : g.inputs)
    j["inputs"].push_back({{"name", g.value(v).name}, {"shape", g.value(v).type.shape}});
  for (int v : g.outputs)
    j["outputs"].push_back({{"name", g.value(v).name}, {"shape", g.value(v).type.shape}});
  j["layers"] = json::array();
  for (const ir::LayerSummary &l : s.layers) {
    json params = json::object();
    for (const auto &[input, count] : l.param_inputs) params[input] = count;
    j["layers"].push_back({{"name", l.node},
                           {"op", l.op},
                           {"output_shape", l.output_shape},
                           {"params", l.params},
                           {"buffers", l.buffers},
                           {"param_inputs", params},
                           {"macs", l.macs},
                           {"flops", l.flops},
                           {"activation_values", l.activation_values},
                           {"activation_bytes", l.activation_bytes},
                           {"in_place", l.in_place},
                           {"weight_bytes", l.weight_bytes}});
    for (const passes::AlgorithmChoice &c : choices)
      if (c.node == l.node) {
        j["layers"].back()["algorithm"] = c.algorithm;
        j["layers"].back()["algorithm_reason"] = c.reason;
      }
  }
  j["total"] = {{"params", s.params},
                {"buffers", s.buffers},
                {"macs", s.macs},
                {"flops", s.flops},
                {"input_values", s.input_values},
                {"activation_values", s.activation_values},
                {"activation_bytes", s.activation_bytes},
                {"stored_activation_values", s.stored_activation_values},
                {"stored_activation_bytes", s.stored_activation_bytes},
                {"weight_bytes", s.weight_bytes}};
  return j;
}

// One line per conv2d: its algorithm and why.
std::string format_choices(const std::string &mode, const std::vector<passes::AlgorithmChoice> &choices) {
  if (choices.empty()) return "";
  size_t width = 4;
  for (const auto &c : choices) width = std::max(width, c.node.size());
  std::string text = "\nconvolution algorithms (--conv-algo " + mode + ")\n";
  for (const auto &c : choices) {
    char head[256];
    std::snprintf(head, sizeof head, "  %-*s  %-12s ", static_cast<int>(width), c.node.c_str(),
                  c.algorithm.c_str());
    text += head + c.reason + "\n";
  }
  return text;
}

}  // namespace

int cmd_inspect(int argc, char **argv) {
  Args args("kiln inspect MODEL [--json] [--training] [--ir] [--conv-algo MODE]",
            "Prints every layer of MODEL (a .json spec or an .onnx model) with its output shape,\n"
            "trainable parameters and buffers, multiply-accumulates and FLOPs, activation and\n"
            "weight memory, and the totals, and the algorithm each convolution gets (and why).\n"
            "docs/zoo.md explains each convention.",
            {{"json", "", "print the figures as JSON instead of a table"},
             {"training", "", "keep the training-only outputs (auxiliary classifiers)"},
             {"ir", "", "also print the graph IR as text"},
             input_shape_option(), conv_algo_option()},
            argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  args.expect_positional(1, "one MODEL");
  frontend::LoadOptions load = load_options(args);
  load.training = args.flag("training");
  ir::Graph g = frontend::load_model(args.positional()[0], load);
  ir::GraphSummary s = ir::summarize(g);
  // The choice depends on each conv's own shape and attributes, which the
  // fusions leave as they are, so the loaded graph shows what compile picks.
  passes::ConvAlgoOptions conv_algo = conv_algo_options(args);
  std::vector<passes::AlgorithmChoice> choices;
  passes::select_algorithm(g, conv_algo, &choices);
  if (args.flag("json")) {
    nlohmann::json j = summary_json(g, s, choices);
    if (args.flag("ir")) j["ir"] = ir::print_graph(g);
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  std::printf("model %s\n\n%s%s", g.name.c_str(), ir::format_summary(g, s).c_str(),
              format_choices(conv_algo.mode, choices).c_str());
  if (args.flag("ir")) std::printf("\n%s", ir::print_graph(g).c_str());
  return 0;
}

}  // namespace kiln::tools
