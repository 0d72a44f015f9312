#include "tools/cli_args.h"

#include "ir/errors.h"

namespace kiln::tools {

Args::Args(std::string usage, std::string summary, std::vector<OptionSpec> options, int argc,
           char **argv)
    : usage_(std::move(usage)), summary_(std::move(summary)), options_(std::move(options)) {
  for (int i = 0; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      help_ = true;
      continue;
    }
    if (a.size() < 2 || a[0] != '-') {
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(a[1] == '-' ? 2 : 1), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    const OptionSpec *spec = nullptr;
    for (const auto &o : options_)
      if (o.name == name) spec = &o;
    // -O2, -ofile: a one-letter option with its value attached.
    if (!spec && a[1] != '-' && !inline_value && name.size() > 1)
      for (const auto &o : options_)
        if (o.name == name.substr(0, 1) && !o.value.empty()) {
          spec = &o;
          value = name.substr(1);
          name = o.name;
          inline_value = true;
        }
    if (!spec) throw UserError("unknown option '" + a + "' (see --help)");
    if (spec->value.empty()) {
      if (inline_value) throw UserError("option --" + name + " takes no value");
    } else if (!inline_value) {
      if (i + 1 >= argc) throw UserError("option --" + name + " needs a value " + spec->value);
      value = argv[++i];
    }
    if (!spec->repeated && values_.count(name))
      throw UserError("option --" + name + " is given twice");
    values_[name].push_back(value);
  }
}

std::string Args::help_text() const {
  std::string text = "usage: " + usage_ + "\n\n" + summary_ + "\n";
  if (!options_.empty()) text += "\noptions:\n";
  for (const auto &o : options_) {
    std::string left = (o.name.size() == 1 ? "-" : "--") + o.name + (o.value.empty() ? "" : " " + o.value);
    text += "  " + left + std::string(left.size() < 24 ? 24 - left.size() : 1, ' ') + o.help + "\n";
  }
  text += "  -h, --help              show this help\n";
  return text;
}

std::optional<std::string> Args::get(const std::string &name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Args::all(const std::string &name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::string Args::get_or(const std::string &name, const std::string &fallback) const {
  return get(name).value_or(fallback);
}

int Args::get_int(const std::string &name, int fallback) const {
  auto v = get(name);
  if (!v) return fallback;
  try {
    size_t used = 0;
    int n = std::stoi(*v, &used);
    if (used == v->size()) return n;
  } catch (const std::exception &) {
  }
  throw UserError("option --" + name + " expects an integer, got '" + *v + "'");
}

void Args::expect_positional(size_t count, const std::string &what) const {
  if (positional_.size() != count)
    throw UserError("expected " + what + " (see --help), got " + std::to_string(positional_.size()) +
                    " arguments");
}

}  // namespace kiln::tools
