// Error types shared by every layer of kiln.
//
// UserError: the input (spec, model, weights, command line) is wrong; the
// message says where and what was expected, and the CLI prints it as one line.
// InternalError: kiln itself is wrong (a broken invariant); reported as a bug.
#pragma once

#include <stdexcept>
#include <string>

namespace kiln {

class UserError : public std::runtime_error {
 public:
  explicit UserError(const std::string &message) : std::runtime_error(message) {}
};

class InternalError : public std::logic_error {
 public:
  explicit InternalError(const std::string &message)
      : std::logic_error("internal error: " + message) {}
};

}  // namespace kiln
