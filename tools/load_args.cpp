#include "tools/load_args.h"

#include <sstream>

#include "ir/errors.h"

namespace kiln::tools {

OptionSpec input_shape_option() {
  return {"input-shape", "NAME=DxDx...",
          "the static shape of input NAME (an ONNX input with symbolic dimensions)", true};
}

frontend::LoadOptions load_options(const Args &args) {
  frontend::LoadOptions options;
  for (const std::string &text : args.all("input-shape")) {
    const size_t eq = text.find('=');
    const std::string name = eq == std::string::npos ? "" : text.substr(0, eq);
    std::vector<int64_t> shape;
    bool ok = !name.empty();
    std::stringstream dims(eq == std::string::npos ? "" : text.substr(eq + 1));
    for (std::string d; ok && std::getline(dims, d, 'x');) {
      ok = !d.empty() && d.find_first_not_of("0123456789") == std::string::npos && d.size() < 10;
      if (ok) shape.push_back(std::stoll(d));
      ok = ok && shape.back() > 0;
    }
    if (!ok || shape.empty())
      throw UserError(
          "--input-shape expects NAME=DxDx... with positive dimensions, e.g. "
          "input=1x3x224x224, got '" +
          text + "'");
    if (!options.input_shapes.emplace(name, shape).second)
      throw UserError("--input-shape gives input '" + name + "' twice");
  }
  return options;
}

}  // namespace kiln::tools
