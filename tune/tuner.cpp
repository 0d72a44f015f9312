#include "tune/tuner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>

#include "codegen/kernel_compiler.h"
#include "ir/errors.h"
#include "passes/eliminate_concat.h"
#include "tune/kernel_desc.h"
#include "tune/knob_space.h"
#include "tune/search.h"
#include "tune/tuning_db.h"
#include "tune/worker_pool.h"

namespace fs = std::filesystem;

namespace kiln::tune {

namespace {

using Clock = std::chrono::steady_clock;

struct KernelState {
  KernelDesc desc;
  std::string key;
  KnobSpace space;
  std::unique_ptr<KernelSearch> search;
  std::string expected_path;
  bool expected_ready = false;
  bool has_default = false;
  int in_flight = 0, default_failures = 0;
  bool done = false;
  double est_ms = 0;                             // before its default is measured (estimated_ms)
  int remeasures = 0;                            // re-measurements queued or run
  bool remeasuring = false;                      // one in flight: no new candidates meanwhile
  std::map<std::string, std::string> schedules;  // canonical -> the lowering's description
  std::string best_form;                         // form_of() the fastest trial so far
  KernelOutcome out;
};

// One candidate of a re-measurement.
struct BatchEntry {
  bool is_default = false;
  std::optional<Config> config;  // in this run's search space
  codegen::TunedChoice choice;
  std::string schedule;
};

// What one running job is for.
struct Pending {
  int kernel;
  bool is_default;
  Config config;
  int trial_id;
  Clock::time_point started = Clock::now();
  std::vector<BatchEntry> batch;  // a re-measurement when not empty
};

// How many of a kernel's best candidates are re-measured (with its default).
constexpr int kRemeasureTop = 3;
// A new best this many times faster than the previous one is re-measured
// at once (it may be a lucky measurement).
constexpr double kSuspiciousGain = 1.5;

std::string utc_now() {
  char buf[32];
  std::time_t t = std::time(nullptr);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string run_id() {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%d", utc_now().c_str(), static_cast<int>(::getpid()));
  return buf;
}

// {3: "crash", 5: "wrong"} from "crash@3,wrong@5".
std::map<int, std::string> parse_inject(const std::string &spec) {
  std::map<int, std::string> out;
  size_t at = 0;
  while (at < spec.size()) {
    size_t comma = spec.find(',', at);
    if (comma == std::string::npos) comma = spec.size();
    std::string item = spec.substr(at, comma - at);
    size_t sign = item.find('@');
    if (sign == std::string::npos)
      throw UserError("KILN_TUNE_INJECT: '" + item + "' is not KIND@N");
    out[std::stoi(item.substr(sign + 1))] = item.substr(0, sign);
    at = comma + 1;
  }
  return out;
}

std::string fmt_ms(std::optional<double> ms) {
  if (!ms) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", *ms);
  return buf;
}

std::string fmt_duration(double s) {
  char buf[32];
  int t = static_cast<int>(s + 0.5);
  std::snprintf(buf, sizeof buf, "%d:%02d", t / 60, t % 60);
  return buf;
}

class Tuner {
 public:
  Tuner(const ir::Graph &g, const TuneOptions &o)
      : o_(o),
        target_(codegen::parse_target(o.target)),
        run_(run_id()),
        pool_(o.worker_exe, std::max(1, o.workers), o.trial_timeout_s),
        inject_(parse_inject(o.inject)) {
    if (o.max_trials <= 0 && o.max_seconds <= 0)
      throw UserError("a tuning budget is needed (--budget N or Nm)");
    char templ[] = "/tmp/kiln-tune-XXXXXX";
    if (!::mkdtemp(templ)) throw UserError("cannot create a scratch folder for tuning");
    work_ = templ;
    collect_kernels(g);
  }
  ~Tuner() {
    std::error_code ec;
    if (!std::getenv("KILN_TUNE_KEEP")) fs::remove_all(work_, ec);
  }

  TuneSummary run() {
    if (o_.resume) resume();
    start_ = Clock::now();
    for (;;) {
      while (pool_.has_free_slot()) {
        if (!queue_.empty()) {
          launch_remeasure(queue_.front().first, queue_.front().second);
          queue_.pop_front();
          continue;
        }
        if (searching_ && out_of_budget()) searching_ = false;
        if (searching_) {
          int k = next_kernel();
          if (k >= 0) {
            launch(k);
            continue;
          }
        }
        break;
      }
      if (pool_.idle()) {
        searching_ = false;  // nothing left to launch: every kernel converged
        if (!final_queued_) {
          final_queued_ = true;
          queue_final_remeasures();
          if (!queue_.empty()) continue;
        }
        break;
      }
      for (auto &f : pool_.wait_some()) finish(f);
    }
    summary_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    for (auto &k : kernels_) summary_.kernels.push_back(k.out);
    return summary_;
  }

 private:
  void collect_kernels(const ir::Graph &g) {
    std::set<std::string> seen;
    for (const ir::Node &node : g.nodes) {
      if (passes::is_elided(node)) continue;
      KernelDesc d = describe_kernel(g, node);
      std::string key = record_key(d, target_.to_string());
      if (!seen.insert(key).second) continue;
      KernelState s;
      s.desc = d;
      s.key = key;
      s.space = knob_space(d, target_);
      s.out = {d.name, d.op, key, s.space.why_not, {}, {}, "", 0, 0};
      s.est_ms = estimated_ms(d);
      s.expected_path = work_ + "/" + key + ".expected";
      if (!s.space.tunable()) {
        s.done = true;
      } else {
        const KnobSpace space = s.space;
        const KernelDesc desc = d;
        s.search = std::make_unique<KernelSearch>(
            space, [space, desc](const Config &c) { return canonical(space, desc, c); },
            seed_configs(space, desc, target_), o_.seed + kernels_.size(), o_.patience);
      }
      kernels_.push_back(std::move(s));
    }
  }

  void resume() {
    TuningDb db = read_db(o_.db_path);
    for (auto &k : kernels_) {
      const Record *r = db.find(k.key);
      if (!r || !k.search) continue;
      for (const Trial &t : r->trials) {
        if (t.is_default) {
          if (!k.has_default) k.out.default_ms = t.median_ms;
          k.has_default = true;
          k.schedules["default"] = t.schedule;
        } else if (auto c = config_of(k.space, t.choice)) {
          k.search->record(*c, t.median_ms);
          k.schedules[canonical(k.space, k.desc, *c)] = t.schedule;
        } else {
          continue;
        }
        note_time(k, t.median_ms, t.schedule);
        k.out.trials++;
        summary_.resumed++;
      }
      if (k.has_default && k.search->converged()) k.done = true;
    }
    if (summary_.resumed)
      say("resuming: " + std::to_string(summary_.resumed) + " trials from " + o_.db_path);
  }

  bool out_of_budget() const {
    if (o_.max_trials > 0 && summary_.resumed + launched_ >= o_.max_trials) return true;
    return o_.max_seconds > 0 &&
           std::chrono::duration<double>(Clock::now() - start_).count() + final_reserve_s() >=
               o_.max_seconds;
  }

  // Seconds kept for the final re-measurement under a time budget: a
  // compile per candidate (the mean job's time so far), -j at a time, at
  // most a third of the budget.
  double final_reserve_s() const {
    if (jobs_timed_ == 0) return 0;
    int candidates = 0;
    for (const auto &k : kernels_)
      if (k.has_default && k.search && k.search->measured() > 0)
        candidates += 1 + std::min(kRemeasureTop, k.search->measured());
    double s = candidates * (job_seconds_ / jobs_timed_) / std::max(1, o_.workers);
    return std::min(s, o_.max_seconds / 3);
  }

  // Defaults first, the biggest kernels' first (by their multiply-adds): the
  // baselines, cheap next to the search. Then the kernel whose next job
  // promises the largest gain in milliseconds: its time (the best so far)
  // times its search's prior for the next proposal.
  int next_kernel() const {
    int best = -1;
    std::pair<bool, double> best_score = {false, -1};
    for (size_t i = 0; i < kernels_.size(); i++) {
      const KernelState &k = kernels_[i];
      if (k.done || k.remeasuring || (!k.expected_ready && k.in_flight > 0)) continue;
      std::pair<bool, double> score = {!k.has_default, k.est_ms};
      if (k.has_default) {
        double ms = k.out.best_ms.value_or(k.out.default_ms.value_or(k.est_ms));
        score.second = ms * k.search->next_prior() / (1 + k.in_flight);
      }
      if (score > best_score) best = static_cast<int>(i), best_score = score;
    }
    return best;
  }

  void launch(int index) {
    KernelState &k = kernels_[index];
    Pending p{index, !k.has_default, {}, ++launched_, Clock::now(), {}};
    MeasureJob job;
    job.kernel = k.desc;
    job.target = target_.to_string();
    job.is_default = p.is_default;
    if (!p.is_default) {
      std::optional<Config> c = k.search->propose();
      if (!c) {
        k.done = true;
        launched_--;
        return;
      }
      p.config = *c;
      job.choice = choice_of(k.space, *c);
      auto it = inject_.find(p.trial_id);
      if (it != inject_.end()) job.inject = it->second;
    }
    if (k.expected_ready)
      job.expected_path = k.expected_path;
    else
      job.save_expected = k.expected_path;
    job.measure_lock = work_ + "/measure.lock";
    k.in_flight++;
    pending_[p.trial_id] = p;
    // An autoscheduler's search (Adams2019's beam search above all) can run
    // for minutes on a big kernel, and what it finds rarely wins: it gets
    // 4 mean jobs' time (at least 30 s) rather than the whole --timeout.
    double timeout = 0;
    if (!job.choice.knobs.autoscheduler.empty() && jobs_timed_ > 0)
      timeout = std::min(o_.trial_timeout_s, std::max(30.0, 4 * job_seconds_ / jobs_timed_));
    pool_.start(job, work_ + "/job" + std::to_string(p.trial_id) + ".json", p.trial_id, timeout);
  }

  void finish(const WorkerPool::Finished &f) {
    Pending p = pending_.at(f.tag);
    pending_.erase(f.tag);
    KernelState &k = kernels_[p.kernel];
    k.in_flight--;
    if (!p.batch.empty()) return finish_remeasure(k, p, f.result);
    job_seconds_ += std::chrono::duration<double>(Clock::now() - p.started).count();
    jobs_timed_++;
    summary_.trials++;
    k.out.trials++;
    if (!f.result.ok) {
      discard(k, p, f.result.error);
      return;
    }
    if (!k.expected_ready) k.expected_ready = fs::exists(k.expected_path);
    Trial t;
    t.run = run_;
    t.id = p.trial_id;
    t.is_default = p.is_default;
    if (!p.is_default) t.choice = choice_of(k.space, p.config);
    // A default trial names the algorithm it ran: the record applies to
    // this conv whichever algorithm select-algorithm gives it later.
    if (p.is_default && k.desc.attrs.has("algorithm"))
      t.choice.algorithm = k.desc.attrs.get_string("algorithm");
    t.schedule = f.result.schedule;
    t.median_ms = f.result.median_ms;
    t.time = utc_now();
    std::optional<double> previous_best = k.out.best_ms;  // the default's included
    std::string previous_form = k.best_form;
    if (p.is_default) {
      k.has_default = true;
      k.out.default_ms = t.median_ms;
      k.schedules["default"] = t.schedule;
    } else {
      k.search->record(p.config, t.median_ms);
      k.schedules[canonical(k.space, k.desc, p.config)] = t.schedule;
      // A suspiciously large gain over the best so far by the same form
      // (another algorithm or an autoscheduler may well be that much
      // faster): confirm it now, interleaved with the previous best, before
      // breeding from it.
      if (previous_best && t.median_ms * kSuspiciousGain < *previous_best &&
          previous_form == form_of(k, false, t.choice) && k.remeasures < 2)
        queue_remeasure(p.kernel, 2);
    }
    if (!k.out.best_ms || t.median_ms < *k.out.best_ms)
      k.best_form = form_of(k, p.is_default, t.choice);
    note_time(k, t.median_ms, t.schedule);
    Record r{k.key, target_.to_string(), kernel_json(k.desc), {t}, {}};
    r.kernel["name"] = k.desc.name;
    update_db(o_.db_path, [&](TuningDb &db) { db.merge(r); });
    if (k.has_default && k.search->converged()) k.done = true;
    report(k, t.median_ms);
  }

  void discard(KernelState &k, const Pending &p, const std::string &why) {
    summary_.failures++;
    k.out.failures++;
    std::string line = utc_now() + " " + k.desc.name + " (" + k.key + ") " +
                       (p.is_default ? "default schedule"
                                     : choice_of(k.space, p.config).knobs.str() + " " +
                                           choice_of(k.space, p.config).algorithm) +
                       ": " + why;
    summary_.failure_log.push_back(line);
    std::ofstream(o_.db_path + ".failures.log", std::ios::app) << line << "\n";
    say("[" + counter() + "] " + k.desc.name + ": candidate discarded: " + why.substr(0, 200));
    if (p.is_default) {
      if (++k.default_failures >= 3)
        k.done = true, k.out.why_not = "its default schedule failed: " + why;
    } else {
      k.search->record_failure(p.config);
      if (k.search->converged()) k.done = true;
    }
  }

  // The algorithm a trial ran, or its autoscheduler: a new best of another
  // form than the previous best is no suspicious gain.
  static std::string form_of(const KernelState &k, bool is_default, const codegen::TunedChoice &c) {
    std::string a = is_default && k.desc.attrs.has("algorithm")
                        ? k.desc.attrs.get_string("algorithm")
                        : c.algorithm;
    if (a.empty() || a == "auto") a = "direct";
    return is_default || c.knobs.autoscheduler.empty() ? a
                                                       : "autoscheduler " + c.knobs.autoscheduler;
  }

  // The default and the `top` best candidates of the kernel's search (and,
  // at the end, the database's best when it is another), to re-measure.
  std::vector<BatchEntry> remeasure_batch(KernelState &k, int top, const Record *db_record) {
    std::vector<BatchEntry> batch;
    if (!k.has_default || !k.search || k.search->measured() == 0) return batch;
    batch.push_back({true, std::nullopt, {}, k.schedules["default"]});
    for (const auto &[c, ms] : k.search->ranked()) {
      if (static_cast<int>(batch.size()) > top) break;
      batch.push_back(
          {false, c, choice_of(k.space, c), k.schedules[canonical(k.space, k.desc, c)]});
    }
    const Trial *b = db_record ? db_record->best() : nullptr;
    if (b && !b->is_default) {
      bool have = false;
      for (const auto &e : batch) have |= same_candidate(e.is_default, e.choice, false, b->choice);
      if (!have) batch.push_back({false, config_of(k.space, b->choice), b->choice, b->schedule});
    }
    return batch;
  }

  void queue_remeasure(int index, int top) {
    KernelState &k = kernels_[index];
    std::vector<BatchEntry> batch = remeasure_batch(k, top, nullptr);
    if (batch.size() < 2) return;
    k.remeasures++;
    k.remeasuring = true;
    queue_.push_back({index, batch});
  }

  void queue_final_remeasures() {
    TuningDb db = read_db(o_.db_path);
    for (size_t i = 0; i < kernels_.size(); i++) {
      KernelState &k = kernels_[i];
      std::vector<BatchEntry> batch = remeasure_batch(k, kRemeasureTop, db.find(k.key));
      if (batch.size() < 2) continue;
      k.remeasures++;
      queue_.push_back({static_cast<int>(i), batch});
    }
    if (!queue_.empty())
      say("re-measuring the best candidates of " + std::to_string(queue_.size()) +
          " kernels (interleaved, median of 5 rounds)");
  }

  void launch_remeasure(int index, const std::vector<BatchEntry> &batch) {
    KernelState &k = kernels_[index];
    Pending p{index, false, {}, ++remeasure_ids_, Clock::now(), {}};
    p.batch = batch;
    MeasureJob job;
    job.kernel = k.desc;
    job.target = target_.to_string();
    for (const auto &e : batch) job.batch.push_back({e.is_default, e.choice});
    job.expected_path = k.expected_path;
    job.measure_lock = work_ + "/measure.lock";
    job.min_ms = 20;
    k.in_flight++;
    k.remeasuring = true;
    int tag = -p.trial_id;  // negative: apart from the trials' tags
    pending_[tag] = p;
    pool_.start(job, work_ + "/remeasure" + std::to_string(p.trial_id) + ".json", tag,
                o_.trial_timeout_s * static_cast<double>(batch.size()));
  }

  void finish_remeasure(KernelState &k, const Pending &p, const MeasureResult &r) {
    k.remeasuring = false;
    if (!r.ok || r.batch_ms.size() != p.batch.size()) {
      std::string line = utc_now() + " " + k.desc.name + " (" + k.key +
                         ") re-measurement: " + (r.error.empty() ? "no result" : r.error);
      summary_.failure_log.push_back(line);
      std::ofstream(o_.db_path + ".failures.log", std::ios::app) << line << "\n";
      say(k.desc.name + ": re-measurement failed: " + r.error.substr(0, 200));
      return;
    }
    if (!r.error.empty()) say(k.desc.name + ": re-measurement dropped: " + r.error.substr(0, 200));
    Remeasure m;
    m.run = run_;
    m.id = p.trial_id;
    m.time = utc_now();
    m.rounds = 5;
    std::optional<double> best;
    std::string best_schedule;
    for (size_t i = 0; i < p.batch.size(); i++) {
      const BatchEntry &e = p.batch[i];
      double ms = r.batch_ms[i];
      if (ms <= 0) continue;  // failed to compile or check this time
      m.entries.push_back({e.is_default, e.choice, ms, r.batch_samples[i]});
      if (e.is_default) k.out.default_ms = ms;
      if (e.config) k.search->update(*e.config, ms);
      if (!best || ms < *best) best = ms, best_schedule = e.schedule;
    }
    if (!best) return;
    k.out.best_ms = best;
    k.out.best_schedule = best_schedule;
    k.out.remeasured = true;
    Record rec{k.key, target_.to_string(), kernel_json(k.desc), {}, {m}};
    rec.kernel["name"] = k.desc.name;
    update_db(o_.db_path, [&](TuningDb &db) { db.merge(rec); });
    if (k.has_default && k.search->converged()) k.done = true;
    say("[" + counter() + "] " + k.desc.name + ": re-measured " + std::to_string(m.entries.size()) +
        " candidates: best " + fmt_ms(best) + " ms (default " + fmt_ms(k.out.default_ms) + ")");
    write_curve_row(true);
  }

  void note_time(KernelState &k, double ms, const std::string &schedule) {
    if (!k.out.best_ms || ms < *k.out.best_ms) {
      k.out.best_ms = ms;
      k.out.best_schedule = schedule;
    }
  }

  std::string counter() const {
    int used = summary_.resumed + summary_.trials;
    return std::to_string(used) + (o_.max_trials > 0 ? "/" + std::to_string(o_.max_trials) : "");
  }

  void report(const KernelState &k, double ms) {
    double best_sum = 0, default_sum = 0;
    for (const auto &s : kernels_)
      if (s.out.default_ms && s.out.best_ms)
        default_sum += *s.out.default_ms, best_sum += *s.out.best_ms;
    double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    double eta = o_.max_seconds > 0 ? std::max(0.0, o_.max_seconds - elapsed) : 0;
    if (o_.max_trials > 0 && summary_.trials > 0) {
      double per = elapsed / summary_.trials;
      double by_trials = per * std::max(0, o_.max_trials - summary_.resumed - summary_.trials);
      eta = o_.max_seconds > 0 ? std::min(eta, by_trials) : by_trials;
    }
    char line[512];
    std::snprintf(line, sizeof line,
                  "[%s] %-16s %s ms  best %s ms (default %s)  kernels %.4g -> %.4g ms  eta %s",
                  counter().c_str(), k.desc.name.c_str(), fmt_ms(ms).c_str(),
                  fmt_ms(k.out.best_ms).c_str(), fmt_ms(k.out.default_ms).c_str(), default_sum,
                  best_sum, fmt_duration(eta).c_str());
    say(line);
    write_curve_row();
  }

  // trial,seconds,best_sum_ms,default_sum_ms,remeasured (a re-measurement
  // adds a row at the same trial count with the medians).
  void write_curve_row(bool remeasure = false) {
    if (o_.curve_csv.empty()) return;
    double best_sum = 0, default_sum = 0;
    for (const auto &s : kernels_)
      if (s.out.default_ms && s.out.best_ms)
        default_sum += *s.out.default_ms, best_sum += *s.out.best_ms;
    double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
    bool fresh = !fs::exists(o_.curve_csv);
    std::ofstream csv(o_.curve_csv, std::ios::app);
    if (fresh) csv << "trial,seconds,best_sum_ms,default_sum_ms,remeasure\n";
    csv << summary_.resumed + summary_.trials << "," << elapsed << "," << best_sum << ","
        << default_sum << "," << (remeasure ? 1 : 0) << "\n";
  }

  void say(const std::string &line) const {
    if (o_.progress) o_.progress(line);
  }

  TuneOptions o_;
  Halide::Target target_;
  std::string run_, work_;
  WorkerPool pool_;
  std::map<int, std::string> inject_;
  std::vector<KernelState> kernels_;
  std::map<int, Pending> pending_;
  int launched_ = 0;
  int remeasure_ids_ = 0;
  std::deque<std::pair<int, std::vector<BatchEntry>>> queue_;  // re-measurements to launch
  bool searching_ = true, final_queued_ = false;
  double job_seconds_ = 0;
  int jobs_timed_ = 0;
  Clock::time_point start_ = Clock::now();
  TuneSummary summary_;
};

}  // namespace

TuneSummary tune_graph(const ir::Graph &g, const TuneOptions &options) {
  Tuner t(g, options);
  return t.run();
}

void parse_budget(const std::string &text, TuneOptions &o) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception &) {
    used = 0;
  }
  std::string unit = text.substr(used);
  if (used == 0 || v <= 0 || !(unit.empty() || unit == "m" || unit == "s"))
    throw UserError("--budget '" + text + "': give trials (40) or minutes (5m) or seconds (90s)");
  if (unit.empty())
    o.max_trials = static_cast<int>(v);
  else
    o.max_seconds = unit == "m" ? v * 60 : v;
}

}  // namespace kiln::tune
