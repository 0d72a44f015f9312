// kiln inspect: the graph with output shapes, parameters, MACs and FLOPs,
// activation and weight memory per layer, as a table or as JSON.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "frontend/load_model.h"
#include "ir/printer.h"
#include "ir/summary.h"
#include "tools/cli_args.h"
#include "tools/commands.h"
#include "tools/load_args.h"

namespace kiln::tools {

namespace {

nlohmann::json summary_json(const ir::Graph &g, const ir::GraphSummary &s) {
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

}  // namespace

int cmd_inspect(int argc, char **argv) {
  Args args("kiln inspect MODEL [--json] [--training] [--ir]",
            "Prints every layer of MODEL (a .json spec or an .onnx model) with its output shape,\n"
            "trainable parameters and buffers, multiply-accumulates and FLOPs, activation and\n"
            "weight memory, and the totals. docs/zoo.md explains each convention.",
            {{"json", "", "print the figures as JSON instead of a table"},
             {"training", "", "keep the training-only outputs (auxiliary classifiers)"},
             {"ir", "", "also print the graph IR as text"},
             input_shape_option()},
            argc, argv);
  if (args.help()) return std::printf("%s", args.help_text().c_str()), 0;
  args.expect_positional(1, "one MODEL");
  frontend::LoadOptions load = load_options(args);
  load.training = args.flag("training");
  ir::Graph g = frontend::load_model(args.positional()[0], load);
  ir::GraphSummary s = ir::summarize(g);
  if (args.flag("json")) {
    nlohmann::json j = summary_json(g, s);
    if (args.flag("ir")) j["ir"] = ir::print_graph(g);
    std::printf("%s\n", j.dump(1).c_str());
    return 0;
  }
  std::printf("model %s\n\n%s", g.name.c_str(), ir::format_summary(g, s).c_str());
  if (args.flag("ir")) std::printf("\n%s", ir::print_graph(g).c_str());
  return 0;
}

}  // namespace kiln::tools
