#include "passes/plan_memory.h"

#include <algorithm>

#include "ir/ops/op_helpers.h"
#include "passes/eliminate_concat.h"

namespace kiln::passes {

namespace {

struct Interval {
  int value;
  int first, last;  // node steps, inclusive
  int64_t bytes;
};

int64_t align_up(int64_t n, int64_t a) { return (n + a - 1) / a * a; }

// Storage roots: the inputs of in-place concats live inside the output.
void resolve_roots(const ir::Graph &g, MemoryPlan &plan) {
  plan.root.resize(g.values.size());
  plan.root_offset.assign(g.values.size(), 0);
  std::vector<int> parent(g.values.size(), -1);
  std::vector<int64_t> parent_offset(g.values.size(), 0);
  for (size_t id = 0; id < g.values.size(); id++) plan.root[id] = static_cast<int>(id);
  for (const ir::Node &n : g.nodes) {
    if (!is_elided(n)) continue;
    int64_t offset = 0;
    for (int v : n.inputs) {
      parent[v] = n.outputs[0];
      parent_offset[v] = offset;
      offset += g.value(v).type.numel() * static_cast<int64_t>(ir::dtype_size(g.value(v).type.dtype));
    }
  }
  for (size_t id = 0; id < g.values.size(); id++)
    for (int v = static_cast<int>(id); parent[v] >= 0; v = parent[v]) {
      plan.root[id] = parent[v];
      plan.root_offset[id] += parent_offset[v];
    }
}

std::vector<Interval> live_intervals(const ir::Graph &g, const MemoryPlan &plan, int64_t alignment) {
  std::vector<bool> is_output(g.values.size(), false);
  for (int id : g.outputs) is_output[id] = true;
  std::vector<int> first(g.values.size(), -1), last(g.values.size(), -1);
  auto touch = [&](int v, int step) {
    int r = plan.root[v];
    first[r] = first[r] < 0 ? step : std::min(first[r], step);
    last[r] = std::max(last[r], step);
  };
  for (size_t step = 0; step < g.nodes.size(); step++) {
    // A value nobody reads still needs room while its producer writes it.
    for (int v : g.nodes[step].outputs) touch(v, static_cast<int>(step));
    for (int v : g.nodes[step].inputs) touch(v, static_cast<int>(step));
  }
  std::vector<Interval> out;
  for (size_t id = 0; id < g.values.size(); id++) {
    const ir::Value &v = g.values[id];
    if (plan.root[id] != static_cast<int>(id) || v.kind != ir::ValueKind::Activation || is_output[id]) continue;
    int64_t bytes = align_up(v.type.numel() * ir::dtype_size(v.type.dtype), alignment);
    out.push_back({static_cast<int>(id), first[id], last[id], bytes});
  }
  return out;
}

// Places each interval, in order, at the lowest offset that overlaps no
// placed interval live at the same time. Returns the arena size.
int64_t place_greedily(const std::vector<Interval> &order, std::vector<int64_t> &offset) {
  int64_t arena = 0;
  std::vector<const Interval *> placed;
  for (const Interval &iv : order) {
    std::vector<std::pair<int64_t, int64_t>> busy;
    for (const Interval *p : placed)
      if (p->first <= iv.last && iv.first <= p->last) busy.push_back({offset[p->value], offset[p->value] + p->bytes});
    std::sort(busy.begin(), busy.end());
    int64_t at = 0;
    for (const auto &[begin, end] : busy) {
      if (at + iv.bytes <= begin) break;  // fits in the gap before this block
      at = std::max(at, end);
    }
    offset[iv.value] = at;
    arena = std::max(arena, at + iv.bytes);
    placed.push_back(&iv);
  }
  return arena;
}

}  // namespace

MemoryPlan plan_memory(const ir::Graph &g, int64_t alignment) {
  MemoryPlan plan;
  plan.offset.assign(g.values.size(), -1);
  resolve_roots(g, plan);
  std::vector<Interval> intervals = live_intervals(g, plan, alignment);

  std::vector<int64_t> live_at(g.nodes.size(), 0);
  for (const Interval &iv : intervals) {
    plan.naive_bytes += iv.bytes;
    for (int s = iv.first; s <= iv.last; s++) live_at[s] += iv.bytes;
  }
  for (int64_t b : live_at) plan.lower_bound_bytes = std::max(plan.lower_bound_bytes, b);

  // Greedy placement depends on the order; try a few and keep the smallest.
  using Order = bool (*)(const Interval &, const Interval &);
  const Order orders[] = {
      [](const Interval &a, const Interval &b) { return a.bytes > b.bytes; },
      [](const Interval &a, const Interval &b) {
        return a.last - a.first != b.last - b.first ? a.last - a.first > b.last - b.first : a.bytes > b.bytes;
      },
      [](const Interval &a, const Interval &b) { return a.first != b.first ? a.first < b.first : a.bytes > b.bytes; },
      [](const Interval &a, const Interval &b) {
        return a.bytes * (a.last - a.first + 1) > b.bytes * (b.last - b.first + 1);
      },
  };
  std::vector<int64_t> best_offset;
  int64_t best_arena = -1;
  for (Order order : orders) {
    std::vector<Interval> sorted = intervals;
    std::stable_sort(sorted.begin(), sorted.end(), order);
    std::vector<int64_t> offset(g.values.size(), -1);
    int64_t arena = place_greedily(sorted, offset);
    if (best_arena < 0 || arena < best_arena) {
      best_arena = arena;
      best_offset = offset;
    }
  }
  plan.arena_bytes = std::max<int64_t>(best_arena, 0);
  plan.offset = best_offset;
  // Members of an arena root live at the root's offset plus their own.
  for (size_t id = 0; id < g.values.size(); id++) {
    int r = plan.root[id];
    if (r != static_cast<int>(id) && plan.offset[r] >= 0) plan.offset[id] = plan.offset[r] + plan.root_offset[id];
  }
  return plan;
}

}  // namespace kiln::passes
