#include "passes/select_algorithm.h"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "ir/errors.h"
#include "ir/ops/conv_algorithm.h"

namespace kiln::passes {

const std::vector<std::string> &conv_algo_modes() {
  static const std::vector<std::string> modes = {"auto",   "measure",  "direct",
                                                 "im2col", "winograd", "depthwise"};
  return modes;
}

namespace {

using Candidates = std::vector<std::string>;

std::string fmt(const char *format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

// "3x3 stride 1, 64->128 channels, 56x56" (groups only when not 1).
std::string describe(const ConvFeatures &f) {
  std::string s = std::to_string(f.kernel_h) + "x" + std::to_string(f.kernel_w) + " stride " +
                  std::to_string(f.stride_h) +
                  (f.stride_w != f.stride_h ? "x" + std::to_string(f.stride_w) : "") + ", " +
                  std::to_string(f.in_channels) + "->" + std::to_string(f.out_channels) +
                  " channels";
  if (f.groups != 1) s += " in " + std::to_string(f.groups) + " groups";
  return s + ", " + std::to_string(f.out_h) + "x" + std::to_string(f.out_w) + " out";
}

bool contains(const std::vector<std::string> &v, const std::string &s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

struct ConvSite {
  const ir::Attrs &attrs;
  ir::Shape input;
  ConvFeatures features;
};

Candidates fitting(const ConvSite &c, const Candidates &among) {
  Candidates fit;
  for (const std::string &a : among)
    if (ir::ops::conv_algorithm_unfit(a, c.attrs, c.input).empty()) fit.push_back(a);
  return fit;
}

struct Pick {
  std::string algorithm, reason;
};

// The candidate the model predicts fastest; `why` compares it with direct
// (or with the runner-up when direct is not a candidate).
Pick model_pick(const CostModelConstants &model, const ConvSite &c, const Candidates &candidates) {
  std::vector<std::pair<double, std::string>> predicted;
  for (const std::string &a : candidates)
    if (auto ms = predict_ms(model, a, c.features)) predicted.push_back({*ms, a});
  if (predicted.empty())
    return {candidates.empty() ? "direct" : candidates.front(), "the cost model has no fit for it"};
  std::sort(predicted.begin(), predicted.end());
  const auto &[best_ms, best] = predicted.front();
  std::string why = "model predicts " + fmt("%.3g ms", best_ms);
  if (predicted.size() > 1) {
    auto base = std::find_if(predicted.begin(), predicted.end(),
                             [](const auto &p) { return p.second == "direct"; });
    if (base == predicted.begin() || base == predicted.end()) base = predicted.begin() + 1;
    why += ", " + fmt("%.2fx", base->first / best_ms) + " over " + base->second;
  }
  return {best, why};
}

// auto: among the fitting algorithms whose lowering exists.
Pick auto_pick(const CostModelConstants &model, const ConvSite &c) {
  Candidates all = fitting(c, ir::ops::conv_algorithms()), lowered;
  for (const std::string &a : all)
    if (contains(model.lowered_algorithms, a)) lowered.push_back(a);
  Pick p = model_pick(model, c, lowered);
  p.reason = "auto: " + describe(c.features) + ": " + p.reason;
  if (lowered.size() == 1) p.reason += " (the only lowered algorithm that fits)";
  return p;
}

Candidates forced_algorithms(const std::string &mode) {
  if (mode == "winograd") return {"winograd_f2", "winograd_f4"};
  return {mode};
}

Pick forced_pick(const CostModelConstants &model, const ConvSite &c, const std::string &mode) {
  Candidates wanted = forced_algorithms(mode), fit = fitting(c, wanted);
  if (fit.empty()) {
    std::string unfit = ir::ops::conv_algorithm_unfit(wanted.front(), c.attrs, c.input);
    Pick p = auto_pick(model, c);
    p.reason = mode + " does not fit (" + unfit + "); " + p.reason;
    return p;
  }
  Pick p = fit.size() == 1 ? Pick{fit.front(), ""} : model_pick(model, c, fit);
  p.reason = "--conv-algo " + mode + (p.reason.empty() ? "" : ": " + p.reason);
  return p;
}

std::string first_line(const std::string &s, size_t max_chars = 120) {
  std::string line = s.substr(0, s.find('\n'));
  return line.size() > max_chars ? line.substr(0, max_chars) + "..." : line;
}

// measure: times every fitting algorithm; failures are skipped with the reason.
Pick measure_pick(const ir::Graph &g, const ir::Node &conv, const ConvSite &c,
                  const ConvAlgoOptions &o, const std::string &progress_prefix) {
  std::string timings, failures, best;
  double best_ms = 0;
  for (const std::string &a : fitting(c, ir::ops::conv_algorithms())) {
    ir::Node candidate = conv;
    candidate.attrs.set("algorithm", a);
    try {
      double ms = o.time_ms(g, candidate);
      timings += (timings.empty() ? "" : ", ") + a + " " + fmt("%.3g ms", ms);
      if (best.empty() || ms < best_ms) best = a, best_ms = ms;
    } catch (const std::exception &e) {
      failures += (failures.empty() ? "" : "; ") + a + " failed: " + first_line(e.what());
    }
  }
  if (best.empty())
    throw UserError("conv2d '" + conv.name + "': no algorithm could be measured (" + failures +
                    ")");
  if (o.progress)
    o.progress(progress_prefix + timings + " -> " + best +
               (failures.empty() ? "" : " (" + failures + ")"));
  return {best, "measured: " + timings + (failures.empty() ? "" : " (" + failures + ")")};
}

bool is_auto(const ir::Node &n) {
  return !n.attrs.has("algorithm") || n.attrs.get_string("algorithm") == "auto";
}

}  // namespace

ir::Graph select_algorithm(const ir::Graph &input, const ConvAlgoOptions &o,
                           std::vector<AlgorithmChoice> *choices, const CostModelConstants &model) {
  if (!contains(conv_algo_modes(), o.mode)) {
    std::string known;
    for (const std::string &m : conv_algo_modes()) known += (known.empty() ? "" : ", ") + m;
    throw UserError("unknown --conv-algo '" + o.mode + "' (known: " + known + ")");
  }
  if (o.mode == "measure" && !o.time_ms)
    throw InternalError("select-algorithm: measure mode without a timer");
  ir::Graph g = input;
  int total = 0, done = 0;
  for (const ir::Node &n : g.nodes) total += n.op == "conv2d" && is_auto(n);
  for (ir::Node &n : g.nodes) {
    if (n.op != "conv2d") continue;
    if (o.tuned_algorithm) {
      std::optional<std::string> tuned = o.tuned_algorithm(g, n);
      if (tuned && *tuned != "auto" &&
          ir::ops::conv_algorithm_unfit(*tuned, n.attrs, g.value(n.inputs[0]).type.shape)
              .empty()) {
        n.attrs.set("algorithm", *tuned);
        if (choices) choices->push_back({n.name, *tuned, "the tuning database's choice"});
        continue;
      }
    }
    if (!is_auto(n)) {
      if (choices)
        choices->push_back({n.name, n.attrs.get_string("algorithm"), "set in the model"});
      continue;
    }
    ConvSite c{n.attrs, g.value(n.inputs[0]).type.shape, {}};
    c.features = conv_features(n.attrs, c.input);
    Pick p;
    if (o.mode == "auto")
      p = auto_pick(model, c);
    else if (o.mode == "measure")
      p = measure_pick(g, n, c, o,
                       "measuring conv " + std::to_string(++done) + "/" + std::to_string(total) +
                           " " + n.name + ": ");
    else
      p = forced_pick(model, c, o.mode);
    n.attrs.set("algorithm", p.algorithm);
    if (choices) choices->push_back({n.name, p.algorithm, p.reason});
  }
  return g;
}

}  // namespace kiln::passes
