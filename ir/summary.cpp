#include "ir/summary.h"

#include <cstdio>

#include "ir/op.h"

namespace kiln::ir {

GraphSummary summarize(const Graph &g) {
  GraphSummary s;
  for (const Node &n : g.nodes) {
    LayerSummary l;
    l.node = n.name;
    l.op = n.op;
    std::vector<TensorType> outs;
    for (int v : n.outputs) {
      outs.push_back(g.value(v).type);
      l.activation_bytes += g.value(v).type.numel() * static_cast<int64_t>(dtype_size(g.value(v).type.dtype));
    }
    l.output_shape = outs.empty() ? Shape{} : outs[0].shape;
    for (int v : n.inputs)
      if (g.value(v).kind == ValueKind::Param) l.params += g.value(v).type.numel();
    Cost c = get_op(n.op).cost(n.attrs, g.input_types(n), outs);
    l.macs = c.macs;
    l.flops = c.flops;
    s.macs += l.macs;
    s.flops += l.flops;
    s.activation_bytes += l.activation_bytes;
    s.layers.push_back(l);
  }
  s.params = g.param_count();
  s.weight_bytes = s.params * 4;
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

std::string mib(int64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f MiB", bytes / 1048576.0);
  return buf;
}
}  // namespace

std::string format_summary(const Graph &g, const GraphSummary &s) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "%-26s %-16s %-18s %14s %16s %16s\n", "layer", "op",
                "output shape", "params", "MACs", "FLOPs");
  out += line;
  out += std::string(111, '-') + "\n";
  for (const LayerSummary &l : s.layers) {
    std::snprintf(line, sizeof line, "%-26s %-16s %-18s %14s %16s %16s\n", l.node.c_str(),
                  l.op.c_str(), shape_str(l.output_shape).c_str(), grouped(l.params).c_str(),
                  grouped(l.macs).c_str(), grouped(l.flops).c_str());
    out += line;
  }
  out += std::string(111, '-') + "\n";
  std::snprintf(line, sizeof line, "%-26s %-16s %-18s %14s %16s %16s\n", "total", "", "",
                grouped(s.params).c_str(), grouped(s.macs).c_str(), grouped(s.flops).c_str());
  out += line;
  out += "\nparameters: " + grouped(s.params) + " (" + mib(s.weight_bytes) + " of float32 weights)\n";
  out += "activations: " + grouped(s.activation_bytes / 4) + " values (" + mib(s.activation_bytes) +
         ") produced per run, every layer output counted once\n";
  out += "MACs are multiply-accumulates; FLOPs count a MAC as 2 plus one per elementwise operation.\n";
  (void)g;
  return out;
}

}  // namespace kiln::ir
