#include "tune/worker_pool.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "ir/errors.h"

namespace kiln::tune {

namespace {

// The last `n` characters of a file (a worker's log), one line.
std::string tail(const std::string &path, size_t n) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string t = s.str();
  if (t.size() > n) t = "..." + t.substr(t.size() - n);
  for (char &c : t)
    if (c == '\n') c = ' ';
  return t;
}

}  // namespace

WorkerPool::~WorkerPool() {
  for (const Running &r : running_) {
    ::kill(r.pid, SIGKILL);
    ::waitpid(r.pid, nullptr, 0);
  }
}

void WorkerPool::start(const MeasureJob &job, const std::string &job_path, int tag,
                       double timeout_s) {
  {
    std::ofstream out(job_path);
    out << job_json(job).dump() << "\n";
    if (!out) throw UserError("cannot write the tuning job " + job_path);
  }
  std::string log = job_path + ".log";
  pid_t pid = ::fork();
  if (pid < 0) throw UserError("cannot start a tuning worker (fork failed)");
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execl(exe_.c_str(), exe_.c_str(), "tune", "--worker", job_path.c_str(), (char *)nullptr);
    ::_exit(127);
  }
  running_.push_back({pid, tag, job_path, std::chrono::steady_clock::now(),
                      timeout_s > 0 ? timeout_s : timeout_s_});
}

WorkerPool::Finished WorkerPool::collect(const Running &r, int status, bool timed_out) {
  Finished f{r.tag, {}};
  std::string log = r.job_path + ".log";
  if (timed_out) {
    f.result.error =
        "timed out after " + std::to_string(static_cast<int>(r.timeout_s)) + " s (killed)";
  } else if (WIFSIGNALED(status)) {
    f.result.error =
        "worker crashed (signal " + std::to_string(WTERMSIG(status)) + "): " + tail(log, 300);
  } else if (WEXITSTATUS(status) != 0) {
    f.result.error =
        "worker exited with " + std::to_string(WEXITSTATUS(status)) + ": " + tail(log, 300);
  } else {
    std::ifstream in(r.job_path + ".result");
    if (!in) {
      f.result.error = "worker wrote no result: " + tail(log, 300);
    } else {
      try {
        f.result = result_from_json(nlohmann::json::parse(in));
      } catch (const std::exception &e) {
        f.result.error = std::string("unreadable worker result: ") + e.what();
      }
    }
  }
  return f;
}

std::vector<WorkerPool::Finished> WorkerPool::wait_some() {
  std::vector<Finished> done;
  while (done.empty() && !running_.empty()) {
    for (size_t i = 0; i < running_.size();) {
      const Running &r = running_[i];
      int status = 0;
      pid_t got = ::waitpid(r.pid, &status, WNOHANG);
      double age =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - r.started).count();
      bool timed_out = got == 0 && age > r.timeout_s;
      if (timed_out) {
        ::kill(r.pid, SIGKILL);
        ::waitpid(r.pid, &status, 0);
      }
      if (got == r.pid || timed_out) {
        done.push_back(collect(r, status, timed_out));
        running_.erase(running_.begin() + i);
      } else {
        i++;
      }
    }
    if (done.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done;
}

}  // namespace kiln::tune
