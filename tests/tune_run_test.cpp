// `kiln tune` end to end on a tiny model (examples/tiny_resnet.json): the
// records are written, broken candidates (KILN_TUNE_INJECT) are discarded
// and logged, an interrupted run resumes without losing or repeating
// measurements, and `kiln compile --tuning-db` lowers with the recorded
// schedules.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/test_util.h"
#include "tune/tuning_db.h"

namespace fs = std::filesystem;
using namespace kiln;

namespace {

std::string model() { return kiln::testing::source_path("examples/tiny_resnet.json"); }

std::string cache_env() {
  const char *c = std::getenv("KILN_CACHE_DIR");
  return c ? std::string("KILN_CACHE_DIR=") + c + " " : "";
}

size_t trial_count(const tune::TuningDb &db) {
  size_t n = 0;
  for (const auto &[k, r] : db.records) n += r.trials.size();
  return n;
}

std::string read_text(const std::string &path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t line_count(const std::string &path) {
  std::string t = read_text(path);
  return std::count(t.begin(), t.end(), '\n');
}

// Run A: a long run whose candidates 6 (crash) and 7 (wrong numbers) are
// broken, killed once both were discarded and 7 trials are recorded. Run
// B: --resume with room for 3 more trials, the first of them hanging.
// Every run pins --conv-algo direct so that which convs the cost model sends
// to a compile-time-transformed Winograd kernel (those are not tuned) cannot
// change the number of tunable kernels.
struct TuneRun {
  static void set_up() {
    char templ[] = "/tmp/kiln-tune-run-test-XXXXXX";
    dir_ = ::mkdtemp(templ);
    db_ = dir_ + "/db.json";
    pid_t pid = ::fork();
    if (pid == 0) {
      ::setenv("KILN_TUNE_INJECT", "crash@6,wrong@7", 1);
      std::string cmd = kiln::testing::kiln_binary();
      ::execl(cmd.c_str(), cmd.c_str(), "tune", model().c_str(), "--tuning-db", db_.c_str(),
              "--budget", "200", "-j", "2", "--timeout", "120", "--quiet", "--conv-algo", "direct",
              (char *)nullptr);
      ::_exit(127);
    }
    for (int i = 0; i < 1200; i++) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (fs::exists(db_) && line_count(db_ + ".failures.log") >= 2 &&
          trial_count(tune::read_db(db_)) >= 7)
        break;
    }
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    before_ = tune::read_db(db_);
    second_ = kiln::testing::run_shell(cache_env() + "KILN_TUNE_INJECT=hang@1 " +
                                       kiln::testing::kiln_binary() + " tune " + model() +
                                       " --tuning-db " + db_ +
                                       " --resume -j 2 --timeout 15 --conv-algo direct --budget " +
                                       std::to_string(trial_count(before_) + 3));
  }
  static void tear_down() { fs::remove_all(dir_); }
  static std::string dir_, db_;
  static tune::TuningDb before_;
  static kiln::testing::CommandResult second_;
};
std::string TuneRun::dir_, TuneRun::db_;
tune::TuningDb TuneRun::before_;
kiln::testing::CommandResult TuneRun::second_;

void check_WritesRecordsAndDiscardsBrokenCandidates() {
  using T = TuneRun;
  // stem, conv_a, conv_b, down (conv2d) and fc (dense).
  EXPECT_EQ(T::before_.records.size(), 5u);
  for (const auto &[key, r] : T::before_.records) {
    EXPECT_TRUE(r.default_ms().has_value()) << r.kernel.dump();
    ASSERT_NE(r.best(), nullptr);
    EXPECT_GT(r.best()->median_ms, 0);
  }
  std::string log = read_text(T::db_ + ".failures.log");
  EXPECT_NE(log.find("crashed"), std::string::npos) << log;
  EXPECT_NE(log.find("wrong output"), std::string::npos) << log;
  EXPECT_NE(log.find("timed out"), std::string::npos) << log;  // run B's hang
  ASSERT_EQ(T::second_.exit_code, 0) << T::second_.output;
  EXPECT_NE(T::second_.output.find("1 discarded"), std::string::npos) << T::second_.output;
  EXPECT_NE(T::second_.output.find("eta"), std::string::npos) << T::second_.output;
  // No discarded candidate was recorded: every trial's schedule passed.
  for (const auto &[key, r] : tune::load_db(T::db_).records)
    for (const auto &t : r.trials) EXPECT_GT(t.median_ms, 0);
}

void check_ResumesAfterAnInterruptionWithoutLosingTrials() {
  using T = TuneRun;
  ASSERT_EQ(T::second_.exit_code, 0) << T::second_.output;
  size_t before = trial_count(T::before_);
  EXPECT_NE(T::second_.output.find("resuming: " + std::to_string(before) + " trials"),
            std::string::npos)
      << T::second_.output;
  EXPECT_NE(T::second_.output.find("3 trials in"), std::string::npos) << T::second_.output;
  tune::TuningDb now = tune::load_db(T::db_);
  EXPECT_EQ(trial_count(now), before + 2);  // 3 measured, the hanging one discarded
  for (const auto &[key, r0] : T::before_.records) {
    const tune::Record *r1 = now.find(key);
    ASSERT_NE(r1, nullptr);
    // Every earlier trial is still there, and no choice was measured twice.
    std::set<std::pair<std::string, int>> ids;
    for (const auto &t : r1->trials) ids.insert({t.run, t.id});
    for (const auto &t : r0.trials) EXPECT_TRUE(ids.count({t.run, t.id}));
    std::set<std::string> choices;
    for (const auto &t : r1->trials) {
      if (!t.is_default) {
        EXPECT_TRUE(choices.insert(t.choice.algorithm + t.choice.knobs.str()).second);
      }
    }
  }
}

void check_CompileUsesTheRecordedSchedules() {
  using T = TuneRun;
  ASSERT_EQ(T::second_.exit_code, 0) << T::second_.output;
  std::string out = T::dir_ + "/lib", report = T::dir_ + "/report.json";
  kiln::testing::CommandResult c = kiln::testing::run_shell(
      cache_env() + kiln::testing::kiln_binary() + " compile " + model() + " -o " + out +
      " --tuning-db " + T::db_ + " --conv-algo direct --report " + report);
  ASSERT_EQ(c.exit_code, 0) << c.output;
  EXPECT_NE(c.output.find("5 of "), std::string::npos) << c.output;
  std::ifstream in(report);
  nlohmann::json j = nlohmann::json::parse(in);
  tune::TuningDb db = tune::load_db(T::db_);
  std::map<std::string, std::string> best_by_name;
  for (const auto &[key, r] : db.records) best_by_name[r.kernel["name"]] = r.best()->schedule;
  int tuned = 0;
  for (const auto &k : j["kernels"]) {
    std::string node = k["node"];
    if (!best_by_name.count(node)) {
      EXPECT_FALSE(k["tuned"].get<bool>()) << node;
      continue;
    }
    tuned++;
    EXPECT_TRUE(k["tuned"].get<bool>()) << node;
    // What lowering built at compile time is what the winning worker measured.
    EXPECT_EQ(k["schedule"].get<std::string>(), best_by_name[node]) << node;
  }
  EXPECT_EQ(tuned, 5);
}

// One test: the runs are shared by every check (ctest runs each TEST in its
// own process, and the runs take most of the time).
TEST(TuneRun, TunesDiscardsResumesAndCompiles) {
  TuneRun::set_up();
  {
    SCOPED_TRACE("records and discarded candidates");
    check_WritesRecordsAndDiscardsBrokenCandidates();
  }
  {
    SCOPED_TRACE("resume");
    check_ResumesAfterAnInterruptionWithoutLosingTrials();
  }
  {
    SCOPED_TRACE("compile --tuning-db");
    check_CompileUsesTheRecordedSchedules();
  }
  TuneRun::tear_down();
}

}  // namespace
