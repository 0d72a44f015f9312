#include "tune/measure.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "codegen/lowering.h"
#include "ir/errors.h"
#include "reference/interpreter.h"

namespace kiln::tune {

namespace {

reference::Tensor seeded_tensor(const ir::Shape &shape, uint32_t seed) {
  std::mt19937 rng(seed);
  // Uniform in [-1, 1): valid inputs for the ops with knobs (conv2d, dense).
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  reference::Tensor t(shape);
  for (float &v : t.data) v = dist(rng);
  return t;
}

Halide::Buffer<float> view_buffer(float *data, const ir::Shape &view) {
  std::vector<int> sizes(view.rbegin(), view.rend());
  return Halide::Buffer<float>(data, sizes);
}

// "" when every element is within tolerance, else the worst one.
std::string compare(const std::vector<float> &got, const std::vector<float> &want, double tol) {
  if (got.size() != want.size())
    return "output has " + std::to_string(got.size()) + " elements, want " +
           std::to_string(want.size());
  for (size_t i = 0; i < got.size(); i++) {
    double g = got[i], w = want[i];
    if (!(std::fabs(g - w) <= tol * (1 + std::fabs(w)))) {
      std::ostringstream s;
      s << "wrong output: element " << i << " is " << g << ", want " << w;
      return s.str();
    }
  }
  return "";
}

std::vector<float> read_floats(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<float> v(bytes.size() / sizeof(float));
  std::memcpy(v.data(), bytes.data(), v.size() * sizeof(float));
  return v;
}

void write_floats(const std::string &path, const std::vector<float> &v) {
  std::string tmp = path + "." + std::to_string(getpid()) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary);
    out.write(reinterpret_cast<const char *>(v.data()),
              static_cast<std::streamsize>(v.size() * sizeof(float)));
  }
  std::rename(tmp.c_str(), path.c_str());
}

class FileLock {
 public:
  explicit FileLock(const std::string &path) {
    if (path.empty()) return;
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ >= 0) ::flock(fd_, LOCK_EX);
  }
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

nlohmann::json job_json(const MeasureJob &j) {
  return {{"kernel", kernel_json(j.kernel)},
          {"name", j.kernel.name},
          {"target", j.target},
          {"default", j.is_default},
          {"algorithm", j.choice.algorithm},
          {"family", j.choice.knobs.family},
          {"knobs", j.choice.knobs.values},
          {"expected_path", j.expected_path},
          {"save_expected", j.save_expected},
          {"measure_lock", j.measure_lock},
          {"tolerance", j.tolerance},
          {"min_ms", j.min_ms},
          {"inject", j.inject}};
}

MeasureJob job_from_json(const nlohmann::json &j) {
  MeasureJob m;
  m.kernel = kernel_from_json(j.at("kernel"));
  m.kernel.name = j.value("name", m.kernel.op);
  m.target = j.at("target").get<std::string>();
  m.is_default = j.at("default").get<bool>();
  m.choice.algorithm = j.at("algorithm").get<std::string>();
  m.choice.knobs.family = j.at("family").get<std::string>();
  m.choice.knobs.values = j.at("knobs").get<std::map<std::string, int64_t>>();
  m.expected_path = j.at("expected_path").get<std::string>();
  m.save_expected = j.at("save_expected").get<std::string>();
  m.measure_lock = j.at("measure_lock").get<std::string>();
  m.tolerance = j.at("tolerance").get<double>();
  m.min_ms = j.at("min_ms").get<double>();
  m.inject = j.at("inject").get<std::string>();
  return m;
}

nlohmann::json result_json(const MeasureResult &r) {
  return {{"ok", r.ok}, {"error", r.error}, {"median_ms", r.median_ms}, {"schedule", r.schedule}};
}

MeasureResult result_from_json(const nlohmann::json &j) {
  return {j.at("ok").get<bool>(), j.at("error").get<std::string>(), j.at("median_ms").get<double>(),
          j.at("schedule").get<std::string>()};
}

MeasureResult measure(const MeasureJob &job) {
  MeasureResult r;
  KernelDesc kernel = job.kernel;
  if (!job.choice.algorithm.empty()) kernel.attrs.set("algorithm", job.choice.algorithm);
  ir::Graph g = one_node_graph(kernel);
  const ir::Node &node = g.node(0);
  Halide::Target target(job.target);
  codegen::LowerRequest request{
      node,
      g.input_types(node),
      {},
      target,
      job.is_default ? codegen::schedules::ScheduleKnobs{} : job.choice.knobs};
  for (int v : node.outputs) request.outputs.push_back(g.value(v).type);
  codegen::LoweredKernel k;
  try {
    k = codegen::lower_node(request);
    k.pipeline.compile_jit(target);
  } catch (const Halide::Error &e) {
    r.error = std::string("Halide: ") + e.what();
    return r;
  }
  r.schedule = k.schedule;
  if (job.inject == "crash") std::abort();
  if (job.inject == "hang")
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));

  std::vector<reference::Tensor> inputs;
  for (size_t i = 0; i < kernel.inputs.size(); i++) {
    inputs.push_back(seeded_tensor(kernel.inputs[i].shape, 1234 + 7919 * static_cast<uint32_t>(i)));
    k.params[i].set(view_buffer(inputs[i].data.data(), k.input_views[i]));
  }
  reference::Tensor out(kernel.outputs[0].shape);
  if (kernel.outputs.size() != 1) throw InternalError("the tuner measures one-output kernels");
  Halide::Buffer<float> out_buf = view_buffer(out.data.data(), k.output_views[0]);
  std::vector<Halide::Buffer<>> outs = {Halide::Buffer<>(out_buf)};
  auto run = [&] { k.pipeline.realize(Halide::Realization(outs), target); };
  run();
  if (job.inject == "wrong")
    for (float &v : out.data) v = v * 1.5f + 0.5f;

  bool against_reference =
      job.expected_path.empty() || access(job.expected_path.c_str(), R_OK) != 0;
  std::vector<float> want;
  if (against_reference) {
    std::vector<const reference::Tensor *> ptrs;
    for (const auto &t : inputs) ptrs.push_back(&t);
    want = reference::run_node(node, ptrs)[0].data;
  } else {
    want = read_floats(job.expected_path);
  }
  r.error = compare(out.data, want, job.tolerance);
  if (!r.error.empty()) return r;
  if (against_reference && !job.save_expected.empty()) write_floats(job.save_expected, out.data);

  FileLock lock(job.measure_lock);
  run();  // warm again after waiting for the lock
  std::vector<double> times;
  auto start = std::chrono::steady_clock::now();
  while (times.size() < 5 || (ms_since(start) < job.min_ms && times.size() < 1000)) {
    auto t = std::chrono::steady_clock::now();
    run();
    times.push_back(ms_since(t));
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  r.median_ms = times[times.size() / 2];
  r.ok = true;
  return r;
}

int run_worker(const std::string &job_path) {
  std::ifstream in(job_path);
  if (!in) throw UserError("cannot read the tuning job " + job_path);
  MeasureJob job = job_from_json(nlohmann::json::parse(in));
  MeasureResult r;
  try {
    r = measure(job);
  } catch (const std::exception &e) {
    r.ok = false;
    r.error = e.what();
  }
  std::string tmp = job_path + ".result.tmp";
  {
    std::ofstream out(tmp);
    out << result_json(r).dump() << "\n";
  }
  std::rename(tmp.c_str(), (job_path + ".result").c_str());
  return 0;
}

}  // namespace kiln::tune
