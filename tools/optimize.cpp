#include "tools/optimize.h"

#include <cstdio>
#include <sstream>

#include "ir/errors.h"

namespace kiln::tools {

std::vector<OptionSpec> optimize_options() {
  return {{"O", "LEVEL", "optimization level 0, 1 or 2 (default 2)"},
          {"passes", "A,B,...", "run exactly these passes, in order, instead of a level's"},
          {"print-after", "PASS", "print the IR after PASS", true},
          {"print-after-all", "", "print the IR after every pass"}};
}

ir::Graph optimize(const ir::Graph &g, const Args &args, std::vector<passes::PassRecord> *records) {
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
  return passes::run_passes(g, options, records);
}

}  // namespace kiln::tools
