#include "tools/optimize.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "bench/conv_candidate_timer.h"
#include "codegen/kernel_compiler.h"
#include "ir/errors.h"

namespace kiln::tools {

std::vector<OptionSpec> optimize_options() {
  return {{"O", "LEVEL", "optimization level 0, 1 or 2 (default 2)"},
          {"passes", "A,B,...", "run exactly these passes, in order, instead of a level's"},
          {"print-after", "PASS", "print the IR after PASS", true},
          {"print-after-all", "", "print the IR after every pass"},
          conv_algo_option()};
}

OptionSpec conv_algo_option() {
  return {"conv-algo", "MODE",
          "how each conv2d's algorithm is chosen: auto (cost model, default), measure (time each "
          "candidate now), or direct, im2col, winograd, depthwise where it fits"};
}

passes::ConvAlgoOptions conv_algo_options(const Args &args) {
  passes::ConvAlgoOptions o;
  o.mode = args.get_or("conv-algo", "auto");
  const auto &modes = passes::conv_algo_modes();
  if (std::find(modes.begin(), modes.end(), o.mode) == modes.end())
    throw UserError("--conv-algo must be one of auto, measure, direct, im2col, winograd, depthwise; got '" +
                    o.mode + "'");
  if (o.mode == "measure") {
    // The candidate's kernel lands in the kernel cache, so the model's own
    // compile reuses the winner.
    o.time_ms = [](const ir::Graph &g, const ir::Node &conv) {
      return bench::time_node_alone(g, conv);
    };
    o.progress = [](const std::string &line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  }
  return o;
}

ir::Graph optimize(const ir::Graph &g, const Args &args, std::vector<passes::PassRecord> *records,
                   const codegen::TunedLookup &tuned) {
  passes::PassOptions options;
  if (auto list = args.get("passes")) {
    if (args.get("O")) throw UserError("give either -O or --passes, not both");
    std::stringstream in(*list);
    for (std::string name; std::getline(in, name, ',');)
      if (!name.empty()) options.passes.push_back(passes::get_pass(name).name);
  } else {
    options.passes = passes::passes_for_level(args.get_int("O", 2));
  }
  options.print_after = args.all("print-after");
  for (const auto &name : options.print_after) passes::get_pass(name);
  if (args.flag("print-after-all")) options.print_after.push_back("all");
  options.print = [](const std::string &text) { std::fprintf(stderr, "%s", text.c_str()); };
  options.conv_algo = conv_algo_options(args);
  if (tuned) {
    Halide::Target target = codegen::parse_target(args.get_or("target", "host"));
    options.conv_algo.tuned_algorithm = [tuned, target](const ir::Graph &graph,
                                                        const ir::Node &conv) {
      std::optional<codegen::TunedChoice> c = tuned(graph, conv, target);
      return c && !c->algorithm.empty() ? std::optional<std::string>(c->algorithm) : std::nullopt;
    };
  }
  bool selects = std::find(options.passes.begin(), options.passes.end(), "select-algorithm") !=
                 options.passes.end();
  if (args.get("conv-algo") && !selects)
    throw UserError("--conv-algo needs the select-algorithm pass: use -O1 or -O2, or list it in --passes");
  return passes::run_passes(g, options, records);
}

}  // namespace kiln::tools
