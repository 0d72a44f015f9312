#include "passes/plan_memory.h"

#include <algorithm>
#include <random>

#include "ir/ops/fused_elementwise.h"
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

// In-place reuse (see plan_memory.h): in node order, an elementwise node's
// output joins the storage root of the first input whose root nobody
// touches after this node; the root then lives as long as the output.
void share_in_place(const ir::Graph &g, MemoryPlan &plan) {
  plan.in_place_of.assign(g.values.size(), -1);
  std::vector<bool> is_output(g.values.size(), false);
  for (int id : g.outputs) is_output[id] = true;
  for (const ir::Update &u : g.updates) is_output[u.value] = true;  // read after the last node
  std::vector<int> last(g.values.size(), -1);  // per root: the last step touching it
  for (size_t step = 0; step < g.nodes.size(); step++)
    for (const auto *list : {&g.nodes[step].inputs, &g.nodes[step].outputs})
      for (int v : *list) last[plan.root[v]] = static_cast<int>(step);
  for (const ir::Update &u : g.updates) last[plan.root[u.value]] = static_cast<int>(g.nodes.size());
  for (size_t step = 0; step < g.nodes.size(); step++) {
    const ir::Node &n = g.nodes[step];
    if (!ir::ops::is_elementwise(n) || n.outputs.size() != 1) continue;
    const int out = n.outputs[0];
    if (is_output[out] || plan.root[out] != out) continue;
    for (int in : n.inputs) {
      const int r = plan.root[in];
      const ir::Value &v = g.value(in);
      if (v.kind != ir::ValueKind::Activation || v.type != g.value(out).type || is_output[in] ||
          is_output[r] || last[r] != static_cast<int>(step))
        continue;
      plan.root[out] = r;
      plan.root_offset[out] = plan.root_offset[in];
      plan.in_place_of[out] = in;
      last[r] = std::max(last[r], last[out]);
      break;
    }
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
  // A training step's new parameter values are copied back after the last
  // node: they live to the end.
  for (const ir::Update &u : g.updates) touch(u.value, static_cast<int>(g.nodes.size()) - 1);
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

// When no fixed order reaches `bound`: a short local search over the order
// (move one interval elsewhere, keep the move unless the arena grows), with a
// fixed seed so plans are reproducible, within a budget of about 5e7
// interval-pair checks (greedy placement is quadratic).
void improve_order(std::vector<Interval> &order, int64_t &arena, std::vector<int64_t> &offset,
                   int64_t bound) {
  const int64_t n = static_cast<int64_t>(order.size());
  if (n < 2) return;
  const int64_t tries = std::min<int64_t>(2000, 50'000'000 / (n * n));
  std::mt19937 rng(20240601);
  for (int64_t t = 0; t < tries && arena > bound; t++) {
    std::vector<Interval> next = order;
    const int64_t from = rng() % n, to = rng() % n;
    Interval moved = next[from];
    next.erase(next.begin() + from);
    next.insert(next.begin() + to, moved);
    std::vector<int64_t> next_offset(offset.size(), -1);
    const int64_t next_arena = place_greedily(next, next_offset);
    if (next_arena > arena) continue;
    order.swap(next);
    offset.swap(next_offset);
    arena = next_arena;
  }
}

}  // namespace

MemoryPlan plan_memory(const ir::Graph &g, int64_t alignment) {
  MemoryPlan plan;
  plan.offset.assign(g.values.size(), -1);
  resolve_roots(g, plan);
  share_in_place(g, plan);
  std::vector<Interval> intervals = live_intervals(g, plan, alignment);

  std::vector<int64_t> live_at(g.nodes.size(), 0);
  for (const Interval &iv : intervals) {
    plan.naive_bytes += iv.bytes;
    for (int s = iv.first; s <= iv.last; s++) live_at[s] += iv.bytes;
  }
  // The naive total gives in-place outputs their own buffers too.
  for (size_t id = 0; id < g.values.size(); id++)
    if (plan.in_place_of[id] >= 0)
      plan.naive_bytes += align_up(g.values[id].type.numel() * ir::dtype_size(g.values[id].type.dtype), alignment);
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
  std::vector<Interval> best_order;
  int64_t best_arena = -1;
  for (Order order : orders) {
    std::vector<Interval> sorted = intervals;
    std::stable_sort(sorted.begin(), sorted.end(), order);
    std::vector<int64_t> offset(g.values.size(), -1);
    int64_t arena = place_greedily(sorted, offset);
    if (best_arena < 0 || arena < best_arena) {
      best_arena = arena;
      best_offset = offset;
      best_order = sorted;
    }
  }
  improve_order(best_order, best_arena, best_offset, plan.lower_bound_bytes);
  plan.arena_bytes = std::max<int64_t>(best_arena, 0);
  plan.offset = best_offset;
  // Members of an arena root live at the root's offset plus their own.
  for (size_t id = 0; id < g.values.size(); id++) {
    int r = plan.root[id];
    if (r != static_cast<int>(id) && plan.offset[r] >= 0) plan.offset[id] = plan.offset[r] + plan.root_offset[id];
  }
  return plan;
}

int MemoryPlan::in_place_count() const {
  int count = 0;
  for (int v : in_place_of) count += v >= 0;
  return count;
}

}  // namespace kiln::passes
