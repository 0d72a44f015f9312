#include "ir/summary.h"

#include <algorithm>
#include <cstdio>

#include "ir/op.h"

namespace kiln::ir {

namespace {

int64_t bytes_of(const TensorType &t) {
  return t.numel() * static_cast<int64_t>(dtype_size(t.dtype));
}

// How many nodes read each value (a node reading it twice counts twice).
std::vector<int> reader_counts(const Graph &g) {
  std::vector<int> readers(g.values.size(), 0);
  for (const Node &n : g.nodes)
    for (int v : n.inputs) readers[v]++;
  return readers;
}

bool is_output(const Graph &g, int v) {
  return std::find(g.outputs.begin(), g.outputs.end(), v) != g.outputs.end();
}

// One data input, an activation only this node reads (and not a graph
// output), no parameters, one output of the same element count and type.
bool may_overwrite_input(const Graph &g, const Node &n, const std::vector<int> &readers) {
  if (n.inputs.size() != 1 || n.outputs.size() != 1) return false;
  const Value &in = g.value(n.inputs[0]), &out = g.value(n.outputs[0]);
  return in.kind == ValueKind::Activation && readers[n.inputs[0]] == 1 &&
         !is_output(g, n.inputs[0]) && in.type.numel() == out.type.numel() &&
         in.type.dtype == out.type.dtype;
}

void add_params(const Graph &g, const Node &n, LayerSummary &l) {
  const OpDef &def = get_op(n.op);
  for (size_t k = 0; k < n.inputs.size(); k++) {
    const Value &v = g.value(n.inputs[k]);
    if (v.kind != ValueKind::Param) continue;
    const InputSpec &spec = def.inputs[std::min(k, def.inputs.size() - 1)];
    int64_t count = v.type.numel();
    (spec.trainable ? l.params : l.buffers) += count;
    l.param_inputs.push_back({spec.name, count});
    l.weight_bytes += bytes_of(v.type);
  }
}

}  // namespace

GraphSummary summarize(const Graph &g) {
  GraphSummary s;
  std::vector<int> readers = reader_counts(g);
  for (int v : g.inputs) {
    s.input_values += g.value(v).type.numel();
    s.stored_activation_bytes += bytes_of(g.value(v).type);
  }
  s.stored_activation_values = s.input_values;
  for (const Node &n : g.nodes) {
    LayerSummary l;
    l.node = n.name;
    l.op = n.op;
    std::vector<TensorType> outs;
    for (int v : n.outputs) {
      outs.push_back(g.value(v).type);
      l.activation_values += g.value(v).type.numel();
      l.activation_bytes += bytes_of(g.value(v).type);
    }
    l.output_shape = outs.empty() ? Shape{} : outs[0].shape;
    add_params(g, n, l);
    l.in_place = may_overwrite_input(g, n, readers);
    Cost c = get_op(n.op).cost(n.attrs, g.input_types(n), outs);
    l.macs = c.macs;
    l.flops = c.flops;
    s.params += l.params;
    s.buffers += l.buffers;
    s.macs += l.macs;
    s.flops += l.flops;
    s.activation_values += l.activation_values;
    s.activation_bytes += l.activation_bytes;
    if (!l.in_place) {
      s.stored_activation_values += l.activation_values;
      s.stored_activation_bytes += l.activation_bytes;
    }
    s.layers.push_back(l);
  }
  // Parameters no node reads still take space in the library.
  for (int id : g.param_ids()) s.weight_bytes += bytes_of(g.value(id).type);
  return s;
}

namespace {

// 12345678 -> "12,345,678"
std::string grouped(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); i++) {
    if (i && (digits.size() - i) % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

std::string memory(int64_t bytes) {
  char buf[32];
  if (bytes < 1024)
    std::snprintf(buf, sizeof buf, "%lld B", static_cast<long long>(bytes));
  else if (bytes < 1024 * 1024)
    std::snprintf(buf, sizeof buf, "%.1f KiB", bytes / 1024.0);
  else
    std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / 1048576.0);
  return buf;
}

const char *kRow = "%-30s %-16s %-16s %13s %9s %15s %15s %12s %11s\n";

}  // namespace

std::string format_summary(const Graph &g, const GraphSummary &s) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, kRow, "layer", "op", "output shape", "params", "buffers", "MACs",
                "FLOPs", "activations", "weights");
  out += line;
  const std::string rule(155, '-');
  out += rule + "\n";
  for (const LayerSummary &l : s.layers) {
    std::string act = memory(l.activation_bytes) + (l.in_place ? "*" : " ");
    std::snprintf(line, sizeof line, kRow, l.node.c_str(), l.op.c_str(),
                  shape_str(l.output_shape).c_str(), grouped(l.params).c_str(),
                  grouped(l.buffers).c_str(), grouped(l.macs).c_str(), grouped(l.flops).c_str(),
                  act.c_str(), memory(l.weight_bytes).c_str());
    out += line;
  }
  out += rule + "\n";
  std::snprintf(line, sizeof line, kRow, "total", "", "", grouped(s.params).c_str(),
                grouped(s.buffers).c_str(), grouped(s.macs).c_str(), grouped(s.flops).c_str(),
                (memory(s.activation_bytes) + " ").c_str(), memory(s.weight_bytes).c_str());
  out += line;
  out += "\nparameters: " + grouped(s.params) +
         " trainable (weights, biases, batch-norm gamma and beta) and " + grouped(s.buffers) +
         " buffers (batch-norm running mean and variance): " + memory(s.weight_bytes) +
         " of float32 weights\n";
  out += "compute: " + grouped(s.macs) + " MACs (multiply-accumulates of conv2d and dense), " +
         grouped(s.flops) + " FLOPs (a MAC counts as 2, plus every elementwise operation)\n";
  out += "activations: " + grouped(s.activation_values) + " values (" + memory(s.activation_bytes) +
         ") produced per run, every layer output counted once; " +
         grouped(s.stored_activation_values) + " values (" + memory(s.stored_activation_bytes) +
         ") counting the inputs and leaving out layers marked * (they may overwrite their "
         "input), as lecture tables count them\n";
  (void)g;
  return out;
}

}  // namespace kiln::ir
