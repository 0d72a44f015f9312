// Deterministic weight initialization (docs/spec.md, "Initial weights").
//
// Each parameter draws from its own stream: splitmix64 seeded with
// seed XOR fnv1a64(parameter name), so adding a layer does not change the
// weights of the others, and the numbers are the same on every platform.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/op.h"

namespace kiln::frontend {

enum class InitScheme { Glorot, He };

// Values for one parameter: zeros, ones, or by the scheme for weights
// (glorot: uniform(-l, l), l = sqrt(6 / (fan_in + fan_out));
//  he: normal(0, sqrt(2 / fan_in)) by Box-Muller).
std::vector<float> init_param(const ir::ParamSpec &spec, const std::string &name, InitScheme scheme,
                              uint64_t seed);

}  // namespace kiln::frontend
