// The converter table: one function per ONNX operator (or family sharing
// one), keyed by op_type. A converter reads its node through a NodeContext,
// folds it when its inputs are constants, and otherwise emits kiln nodes;
// anything it cannot express it reports with NodeContext::unsupported.
//
// The converters live by family in convert_<family>.cpp; each family file
// adds its entries through one add_<family>_converters function.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "frontend/onnx/import_context.h"

namespace kiln::frontend::onnx_import {

using Converter = void (*)(NodeContext &);
using ConverterTable = std::map<std::string, Converter>;

void add_conv_converters(ConverterTable &table);         // Conv, ConvTranspose
void add_pool_converters(ConverterTable &table);         // MaxPool, AveragePool, Global*Pool
void add_activation_converters(ConverterTable &table);   // Relu, Sigmoid, ..., Clip, PRelu
void add_elementwise_converters(ConverterTable &table);  // Add, Sub, Mul, Div, Sum
void add_linear_converters(ConverterTable &table);       // Gemm, MatMul
void add_shape_converters(ConverterTable &table);        // Reshape, Flatten, Transpose, ...
void add_constant_converters(ConverterTable &table);     // Constant, Shape, Gather, Cast, ...
void add_norm_converters(ConverterTable &table);         // BatchNormalization, LRN, Softmax, ...
void add_recurrent_converters(ConverterTable &table);    // LSTM, GRU, RNN

// The converter of `op_type`, or null.
Converter find_converter(const std::string &op_type);
// The ONNX operators with a converter, sorted.
std::vector<std::string> converter_names();

}  // namespace kiln::frontend::onnx_import
