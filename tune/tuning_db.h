// The tuning database (format in docs/tuning.md): one JSON file of records,
// each keyed by a kernel's content and the target, holding the best choice
// found, its time and the history of measured trials. Writes go through
// update_db(): an exclusive flock on DB.lock, a fresh read of the file, the
// caller's merge, then a temp file renamed over DB, so concurrent tuning
// runs sharing a database lose no trial and a reader never sees half a file.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "codegen/compile_library.h"
#include "tune/kernel_desc.h"

namespace kiln::tune {

// 2: conv2d keys leave out the algorithm; a default trial names its algorithm.
// Version 1 files are read (their records re-keyed).
constexpr int kTuningDbVersion = 2;

struct Trial {
  std::string run;          // the tuning run that measured it
  int id = 0;               // its number within the run; (run, id) identifies a trial
  bool is_default = false;  // the lowering's default heuristic (no choice)
  codegen::TunedChoice choice;
  std::string schedule;  // the lowering's description of what it built
  double median_ms = 0;
  std::string time;  // UTC, ISO 8601
};

// One interleaved re-measurement of a kernel's top candidates (and its
// default): `rounds` rounds, each timing every candidate once in turn; each
// candidate's time is the median of its rounds. Single measurements on a
// busy machine can be lucky; these are what the best is chosen from.
struct Remeasure {
  std::string run;  // the tuning run that made it
  int id = 0;       // its number within the run; (run, id) identifies it
  std::string time;
  int rounds = 0;
  struct Entry {
    bool is_default = false;
    codegen::TunedChoice choice;
    double median_ms = 0;
    std::vector<double> samples;  // one per round
  };
  std::vector<Entry> entries;
};

struct Record {
  std::string key, target;
  nlohmann::json kernel;  // kernel_json() plus "name" (where it was first seen)
  std::vector<Trial> trials;
  std::vector<Remeasure> remeasures;

  // The best trial (nullptr without trials): with re-measurements, the
  // trial of the fastest candidate of the latest one; else the fastest trial.
  const Trial *best() const;
  // The best's time: its re-measured median, or its trial's time.
  std::optional<double> best_ms() const;
  // The default heuristic's time, when measured: its median in the latest
  // re-measurement, else the first default trial.
  std::optional<double> default_ms() const;
  // The latest re-measurement (by time, then run and id); nullptr if none.
  const Remeasure *latest_remeasure() const;
};

// Trials and re-measurement entries name the same candidate.
bool same_candidate(bool is_default_a, const codegen::TunedChoice &a, bool is_default_b,
                    const codegen::TunedChoice &b);

struct TuningDb {
  std::map<std::string, Record> records;  // by key

  // Adds trials and re-measurements the database lacks (by run and id),
  // creating the record.
  void merge(const Record &r);
  void merge(const TuningDb &other);
  const Record *find(const std::string &key) const;
};

// An empty database when `path` does not exist; UserError when the file is
// not a tuning database of a version this kiln reads.
TuningDb load_db(const std::string &path);
nlohmann::json db_json(const TuningDb &db);
TuningDb db_from_json(const nlohmann::json &j, const std::string &where);

// Under DB.lock: reads `path`, calls `change`, writes the result atomically
// and returns it.
TuningDb update_db(const std::string &path, const std::function<void(TuningDb &)> &change);
// Reads under the lock (a consistent snapshot).
TuningDb read_db(const std::string &path);

// The lookup `kiln compile --tuning-db` gives compile_library: a record's
// best choice for a kernel on the target, nullopt without a record.
codegen::TunedLookup tuned_lookup(TuningDb db);

}  // namespace kiln::tune
