#include "tune/tuning_db.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <tuple>

#include "ir/errors.h"

namespace fs = std::filesystem;

namespace kiln::tune {

namespace {

nlohmann::json trial_json(const Trial &t) {
  nlohmann::json j = {{"run", t.run},
                      {"id", t.id},
                      {"median_ms", t.median_ms},
                      {"schedule", t.schedule},
                      {"time", t.time}};
  if (t.is_default) {
    j["default"] = true;
    if (!t.choice.algorithm.empty()) j["algorithm"] = t.choice.algorithm;  // what it ran
  } else {
    j["algorithm"] = t.choice.algorithm;
    j["family"] = t.choice.knobs.family;
    j["knobs"] = t.choice.knobs.values;
    if (!t.choice.knobs.autoscheduler.empty()) j["autoscheduler"] = t.choice.knobs.autoscheduler;
  }
  return j;
}

void choice_to_json(nlohmann::json &j, bool is_default, const codegen::TunedChoice &c) {
  if (is_default) {
    j["default"] = true;
    return;
  }
  j["algorithm"] = c.algorithm;
  j["family"] = c.knobs.family;
  j["knobs"] = c.knobs.values;
  if (!c.knobs.autoscheduler.empty()) j["autoscheduler"] = c.knobs.autoscheduler;
}

void choice_from_json(const nlohmann::json &j, bool &is_default, codegen::TunedChoice &c) {
  is_default = j.value("default", false);
  if (is_default) return;
  c.algorithm = j.value("algorithm", "");
  c.knobs.family = j.value("family", "");
  if (j.contains("knobs")) c.knobs.values = j.at("knobs").get<std::map<std::string, int64_t>>();
  c.knobs.autoscheduler = j.value("autoscheduler", "");
}

nlohmann::json remeasure_json(const Remeasure &m) {
  nlohmann::json j = {{"run", m.run}, {"id", m.id}, {"time", m.time}, {"rounds", m.rounds}};
  j["entries"] = nlohmann::json::array();
  for (const auto &e : m.entries) {
    nlohmann::json ej = {{"median_ms", e.median_ms}, {"samples", e.samples}};
    choice_to_json(ej, e.is_default, e.choice);
    j["entries"].push_back(ej);
  }
  return j;
}

Remeasure remeasure_from_json(const nlohmann::json &j) {
  Remeasure m;
  m.run = j.at("run").get<std::string>();
  m.id = j.at("id").get<int>();
  m.time = j.value("time", "");
  m.rounds = j.value("rounds", 0);
  for (const auto &ej : j.at("entries")) {
    Remeasure::Entry e;
    choice_from_json(ej, e.is_default, e.choice);
    e.median_ms = ej.at("median_ms").get<double>();
    e.samples = ej.value("samples", std::vector<double>{});
    m.entries.push_back(e);
  }
  return m;
}

Trial trial_from_json(const nlohmann::json &j) {
  Trial t;
  t.run = j.at("run").get<std::string>();
  t.id = j.at("id").get<int>();
  t.median_ms = j.at("median_ms").get<double>();
  t.schedule = j.value("schedule", "");
  t.time = j.value("time", "");
  t.is_default = j.value("default", false);
  if (t.is_default) {
    t.choice.algorithm = j.value("algorithm", "");
  } else {
    t.choice.algorithm = j.value("algorithm", "");
    t.choice.knobs.family = j.value("family", "");
    if (j.contains("knobs"))
      t.choice.knobs.values = j.at("knobs").get<std::map<std::string, int64_t>>();
    t.choice.knobs.autoscheduler = j.value("autoscheduler", "");
  }
  return t;
}

// Holds an exclusive flock on PATH.lock while alive.
class DbLock {
 public:
  explicit DbLock(const std::string &db_path) {
    std::string lock = db_path + ".lock";
    fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw UserError("cannot open the tuning database lock " + lock);
    while (::flock(fd_, LOCK_EX) != 0)
      if (errno != EINTR) throw UserError("cannot lock " + lock);
  }
  ~DbLock() { ::close(fd_); }
  DbLock(const DbLock &) = delete;
  DbLock &operator=(const DbLock &) = delete;

 private:
  int fd_ = -1;
};

void write_db(const std::string &path, const TuningDb &db) {
  std::string tmp = path + "." + std::to_string(::getpid()) + ".tmp";
  {
    std::ofstream out(tmp);
    out << db_json(db).dump(1) << "\n";
    out.flush();
    if (!out) throw UserError("cannot write the tuning database " + tmp);
  }
  fs::rename(tmp, path);
}

}  // namespace

bool same_candidate(bool is_default_a, const codegen::TunedChoice &a, bool is_default_b,
                    const codegen::TunedChoice &b) {
  if (is_default_a || is_default_b) return is_default_a == is_default_b;
  return a.algorithm == b.algorithm && a.knobs.str() == b.knobs.str();
}

const Remeasure *Record::latest_remeasure() const {
  const Remeasure *m = nullptr;
  for (const Remeasure &r : remeasures)
    if (!m || std::tie(r.time, r.run, r.id) > std::tie(m->time, m->run, m->id)) m = &r;
  return m;
}

namespace {

// The fastest entry of a re-measurement that names a trial of the record.
std::pair<const Trial *, double> remeasured_best(const Record &r, const Remeasure &m) {
  const Trial *b = nullptr;
  double ms = 0;
  for (const auto &e : m.entries) {
    if (b && e.median_ms >= ms) continue;
    for (const Trial &t : r.trials)
      if (same_candidate(t.is_default, t.choice, e.is_default, e.choice)) {
        b = &t, ms = e.median_ms;
        break;
      }
  }
  return {b, ms};
}

}  // namespace

const Trial *Record::best() const {
  if (const Remeasure *m = latest_remeasure())
    if (const Trial *t = remeasured_best(*this, *m).first) return t;
  const Trial *b = nullptr;
  for (const Trial &t : trials)
    if (!b || t.median_ms < b->median_ms) b = &t;
  return b;
}

std::optional<double> Record::best_ms() const {
  if (const Remeasure *m = latest_remeasure()) {
    auto [t, ms] = remeasured_best(*this, *m);
    if (t) return ms;
  }
  if (const Trial *b = best()) return b->median_ms;
  return std::nullopt;
}

std::optional<double> Record::default_ms() const {
  if (const Remeasure *m = latest_remeasure())
    for (const auto &e : m->entries)
      if (e.is_default) return e.median_ms;
  for (const Trial &t : trials)
    if (t.is_default) return t.median_ms;
  return std::nullopt;
}

void TuningDb::merge(const Record &r) {
  auto [it, fresh] = records.try_emplace(r.key, Record{r.key, r.target, r.kernel, {}, {}});
  std::set<std::pair<std::string, int>> have;
  for (const Trial &t : it->second.trials) have.insert({t.run, t.id});
  for (const Trial &t : r.trials)
    if (have.insert({t.run, t.id}).second) it->second.trials.push_back(t);
  std::set<std::pair<std::string, int>> have_m;
  for (const Remeasure &m : it->second.remeasures) have_m.insert({m.run, m.id});
  for (const Remeasure &m : r.remeasures)
    if (have_m.insert({m.run, m.id}).second) it->second.remeasures.push_back(m);
}

void TuningDb::merge(const TuningDb &other) {
  for (const auto &[key, r] : other.records) merge(r);
}

const Record *TuningDb::find(const std::string &key) const {
  auto it = records.find(key);
  return it == records.end() ? nullptr : &it->second;
}

nlohmann::json db_json(const TuningDb &db) {
  nlohmann::json j = {{"format", "kiln-tuning-db"}, {"version", kTuningDbVersion}};
  j["records"] = nlohmann::json::array();
  for (const auto &[key, r] : db.records) {
    nlohmann::json rec = {{"key", r.key}, {"target", r.target}, {"kernel", r.kernel}};
    if (const Trial *b = r.best()) {
      rec["best"] = trial_json(*b);
      rec["best"]["median_ms"] = *r.best_ms();
      if (r.latest_remeasure()) rec["best"]["remeasured"] = true;
    }
    if (auto d = r.default_ms()) rec["default_ms"] = *d;
    rec["trials"] = nlohmann::json::array();
    for (const Trial &t : r.trials) rec["trials"].push_back(trial_json(t));
    if (!r.remeasures.empty()) {
      rec["remeasured"] = nlohmann::json::array();
      for (const Remeasure &m : r.remeasures) rec["remeasured"].push_back(remeasure_json(m));
    }
    j["records"].push_back(rec);
  }
  return j;
}

TuningDb db_from_json(const nlohmann::json &j, const std::string &where) {
  if (!j.is_object() || j.value("format", "") != "kiln-tuning-db")
    throw UserError(where + " is not a kiln tuning database (no \"format\": \"kiln-tuning-db\")");
  int version = j.value("version", 0);
  if (version != kTuningDbVersion && version != 1)
    throw UserError(where + " is a version " + std::to_string(version) +
                    " tuning database; this kiln reads version " +
                    std::to_string(kTuningDbVersion) + " (and 1)");
  TuningDb db;
  try {
    for (const auto &rec : j.at("records")) {
      Record r{rec.at("key").get<std::string>(),
               rec.at("target").get<std::string>(),
               rec.at("kernel"),
               {},
               {}};
      for (const auto &t : rec.at("trials")) r.trials.push_back(trial_from_json(t));
      if (version == 1) {
        // Version 1 keyed a conv2d by its algorithm too, and a default trial
        // did not name the algorithm it ran: re-key, and name it.
        KernelDesc k = kernel_from_json(r.kernel);
        r.key = record_key(k, r.target);
        std::string algorithm =
            k.attrs.has("algorithm") && k.attrs.is_string("algorithm")
                ? k.attrs.get_string("algorithm")
                : "";
        for (Trial &t : r.trials)
          if (t.is_default) t.choice.algorithm = algorithm;
      }
      if (rec.contains("remeasured"))
        for (const auto &m : rec.at("remeasured")) r.remeasures.push_back(remeasure_from_json(m));
      db.merge(r);
    }
  } catch (const nlohmann::json::exception &e) {
    throw UserError(where + ": malformed record: " + e.what());
  }
  return db;
}

TuningDb load_db(const std::string &path) {
  std::ifstream in(path);
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::exception &e) {
    throw UserError(path + ": not valid JSON: " + e.what());
  }
  return db_from_json(j, path);
}

TuningDb update_db(const std::string &path, const std::function<void(TuningDb &)> &change) {
  DbLock lock(path);
  TuningDb db = load_db(path);
  change(db);
  write_db(path, db);
  return db;
}

TuningDb read_db(const std::string &path) {
  DbLock lock(path);
  return load_db(path);
}

codegen::TunedLookup tuned_lookup(TuningDb db) {
  return [db = std::move(db)](const ir::Graph &g, const ir::Node &node,
                              const Halide::Target &target) -> std::optional<codegen::TunedChoice> {
    const Record *r = db.find(record_key(describe_kernel(g, node), target.to_string()));
    if (!r || !r->best()) return std::nullopt;
    const Trial *b = r->best();
    // A default trial names the algorithm it ran (with its default schedule).
    return b->is_default ? codegen::TunedChoice{b->choice.algorithm, {}} : b->choice;
  };
}

}  // namespace kiln::tune
