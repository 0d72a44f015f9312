// The recurrent layers rnn, lstm and gru: what reference/ops/recurrent.cpp
// and codegen/ops/recurrent.cpp share with their definitions.
//
// Input x: [T, N, I], sequence-major (PyTorch's default and ONNX's layout).
// Parameters, PyTorch's layout with the gates stacked along the rows:
//   weight_ih [G*H, I], weight_hh [G*H, H], bias_ih [G*H], bias_hh [G*H]
// (the biases only with use_bias). The state starts at zero. Output: every
// step's hidden state [T, N, H] (return_sequences, the default) or the last
// one, [N, H].
//
//   rnn  (G = 1): h' = act(W x + b_ih + R h + b_hh), act = tanh or relu
//   lstm (G = 4, gates in PyTorch's order i, f, g, o):
//        i = sigmoid(.), f = sigmoid(.), g = tanh(.), o = sigmoid(.)
//        c' = f * c + i * g,  h' = o * tanh(c')
//        with peepholes (the last input P [3H]: p_i, p_f, p_o, ONNX's P):
//        i and f add p_i * c and p_f * c, o adds p_o * c' before the sigmoid
//   gru  (G = 3, gates in PyTorch's order r, z, n):
//        r = sigmoid(.), z = sigmoid(.),
//        n = tanh(W_n x + b_in + r * (R_n h + b_hn)),  h' = (1 - z) * n + z * h
//        (linear_before_reset, the default); with linear_before_reset false
//        (ONNX's default GRU) n = tanh(W_n x + b_in + R_n (r * h) + b_hn)
//
// ONNX orders the gates differently (LSTM: i, o, f, c; GRU: z, r, h) and
// concatenates the two biases into one B. An importer reorders the row blocks.
#pragma once

#include <cstdint>
#include <string>

#include "ir/attrs.h"

namespace kiln::ir::ops {

// G: 1 for rnn, 4 for lstm, 3 for gru; 0 for any other op.
int64_t recurrent_gates(const std::string &op);

// Whether an lstm takes the peephole input (its last, [3H]: p_i, p_f, p_o).
bool has_peepholes(const Attrs &attrs);

}  // namespace kiln::ir::ops
