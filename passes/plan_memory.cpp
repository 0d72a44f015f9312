#include "passes/plan_memory.h"

#include <algorithm>

namespace kiln::passes {

namespace {

struct Interval {
  int value;
  int first, last;  // node steps, inclusive
  int64_t bytes;
};

int64_t align_up(int64_t n, int64_t a) { return (n + a - 1) / a * a; }

std::vector<Interval> live_intervals(const ir::Graph &g, int64_t alignment) {
  std::vector<bool> is_output(g.values.size(), false);
  for (int id : g.outputs) is_output[id] = true;
  std::vector<int> last_use(g.values.size(), -1);
  for (size_t step = 0; step < g.nodes.size(); step++)
    for (int v : g.nodes[step].inputs) last_use[v] = static_cast<int>(step);
  std::vector<Interval> out;
  for (size_t id = 0; id < g.values.size(); id++) {
    const ir::Value &v = g.values[id];
    if (v.kind != ir::ValueKind::Activation || is_output[id]) continue;
    int64_t bytes = align_up(v.type.numel() * ir::dtype_size(v.type.dtype), alignment);
    // A value nobody reads still needs room while its producer writes it.
    out.push_back({static_cast<int>(id), v.producer, std::max(v.producer, last_use[id]), bytes});
  }
  return out;
}

}  // namespace

MemoryPlan plan_memory(const ir::Graph &g, int64_t alignment) {
  MemoryPlan plan;
  plan.offset.assign(g.values.size(), -1);
  std::vector<Interval> intervals = live_intervals(g, alignment);

  std::vector<int64_t> live_at(g.nodes.size(), 0);
  for (const Interval &iv : intervals) {
    plan.naive_bytes += iv.bytes;
    for (int s = iv.first; s <= iv.last; s++) live_at[s] += iv.bytes;
  }
  for (int64_t b : live_at) plan.lower_bound_bytes = std::max(plan.lower_bound_bytes, b);

  std::stable_sort(intervals.begin(), intervals.end(),
                   [](const Interval &a, const Interval &b) { return a.bytes > b.bytes; });
  std::vector<const Interval *> placed;
  for (const Interval &iv : intervals) {
    // Blocks already placed that are live at the same time, by offset.
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (const Interval *p : placed)
      if (p->first <= iv.last && iv.first <= p->last)
        busy.push_back({plan.offset[p->value], plan.offset[p->value] + p->bytes});
    std::sort(busy.begin(), busy.end());
    int64_t offset = 0;
    for (const auto &[begin, end] : busy) {
      if (offset + iv.bytes <= begin) break;  // fits in the gap before this block
      offset = std::max(offset, end);
    }
    plan.offset[iv.value] = offset;
    plan.arena_bytes = std::max(plan.arena_bytes, offset + iv.bytes);
    placed.push_back(&iv);
  }
  return plan;
}

}  // namespace kiln::passes
