// A small command-line parser for kiln's subcommands: --name VALUE,
// --name=VALUE, boolean flags, positionals, and --help text.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiln::tools {

struct OptionSpec {
  std::string name;   // without the dashes; "o" for -o
  std::string value;  // placeholder ("DIR"), empty for a flag
  std::string help;
  bool repeated = false;
};

class Args {
 public:
  // Parses argv after the subcommand name. Throws UserError naming the bad
  // option. Returns with help() true when --help or -h was given.
  Args(std::string usage, std::string summary, std::vector<OptionSpec> options, int argc,
       char **argv);

  bool help() const { return help_; }
  std::string help_text() const;
  bool flag(const std::string &name) const { return values_.count(name) != 0; }
  std::optional<std::string> get(const std::string &name) const;
  std::vector<std::string> all(const std::string &name) const;
  std::string get_or(const std::string &name, const std::string &fallback) const;
  int get_int(const std::string &name, int fallback) const;
  const std::vector<std::string> &positional() const { return positional_; }
  // Exactly `count` positionals, or a UserError naming `what`.
  void expect_positional(size_t count, const std::string &what) const;

 private:
  std::string usage_, summary_;
  std::vector<OptionSpec> options_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
  bool help_ = false;
};

}  // namespace kiln::tools
