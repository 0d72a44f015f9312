// The graph verifier: checks the IR's invariants and reports every violation
// with the node or value it concerns. Run after every pass in tests and debug
// builds.
//
// Invariants:
//  1. Every value id a node or the graph names is in range.
//  2. Value and node names are unique.
//  3. Graph inputs are Input values, each Input value is a graph input exactly
//     once, and parameters carry data of their size.
//  4. Every activation has exactly one producer, which lists it as an output.
//  5. Nodes are in execution order: each input is an input, a parameter, or
//     an output of an earlier node.
//  6. Every node's op is known, its input count fits, and its attributes
//     match the op's schema with every default filled in.
//  7. Every node's output types equal what its op's shape rule infers.
//  8. There is at least one graph output, and each is an activation or input.
//  9. Each update (training graphs) replaces a parameter, at most once, by a
//     value of the parameter's type that is not itself a parameter.
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace kiln::ir {

std::vector<std::string> verify(const Graph &g);
// Throws InternalError listing every violation, prefixed by `context`.
void verify_or_throw(const Graph &g, const std::string &context);

}  // namespace kiln::ir
