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
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "codegen/lowering.h"
#include "ir/errors.h"
#include "ir/ops/winograd.h"
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

nlohmann::json batch_json(const std::vector<std::pair<bool, codegen::TunedChoice>> &batch) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto &[is_default, c] : batch)
    j.push_back({{"default", is_default},
                 {"algorithm", c.algorithm},
                 {"family", c.knobs.family},
                 {"knobs", c.knobs.values},
                 {"autoscheduler", c.knobs.autoscheduler}});
  return j;
}

std::vector<std::pair<bool, codegen::TunedChoice>> batch_from_json(const nlohmann::json &j) {
  std::vector<std::pair<bool, codegen::TunedChoice>> out;
  for (const auto &e : j) {
    codegen::TunedChoice c;
    c.algorithm = e.at("algorithm").get<std::string>();
    c.knobs.family = e.at("family").get<std::string>();
    c.knobs.values = e.at("knobs").get<std::map<std::string, int64_t>>();
    c.knobs.autoscheduler = e.at("autoscheduler").get<std::string>();
    out.push_back({e.at("default").get<bool>(), c});
  }
  return out;
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

nlohmann::json job_json(const MeasureJob &j) {
  return {{"kernel", kernel_json(j.kernel)},
          {"name", j.kernel.name},
          {"pretransform_winograd", j.kernel.pretransform_winograd},
          {"target", j.target},
          {"default", j.is_default},
          {"algorithm", j.choice.algorithm},
          {"family", j.choice.knobs.family},
          {"knobs", j.choice.knobs.values},
          {"autoscheduler", j.choice.knobs.autoscheduler},
          {"expected_path", j.expected_path},
          {"save_expected", j.save_expected},
          {"measure_lock", j.measure_lock},
          {"tolerance", j.tolerance},
          {"min_ms", j.min_ms},
          {"inject", j.inject},
          {"batch", batch_json(j.batch)},
          {"rounds", j.rounds}};
}

MeasureJob job_from_json(const nlohmann::json &j) {
  MeasureJob m;
  m.kernel = kernel_from_json(j.at("kernel"));
  m.kernel.name = j.value("name", m.kernel.op);
  m.kernel.pretransform_winograd = j.value("pretransform_winograd", false);
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
  m.choice.knobs.autoscheduler = j.value("autoscheduler", "");
  m.batch = batch_from_json(j.value("batch", nlohmann::json::array()));
  m.rounds = j.value("rounds", 5);
  return m;
}

nlohmann::json result_json(const MeasureResult &r) {
  return {{"ok", r.ok},
          {"error", r.error},
          {"median_ms", r.median_ms},
          {"schedule", r.schedule},
          {"batch_samples", r.batch_samples},
          {"batch_ms", r.batch_ms}};
}

MeasureResult result_from_json(const nlohmann::json &j) {
  MeasureResult r{j.at("ok").get<bool>(),
                  j.at("error").get<std::string>(),
                  j.at("median_ms").get<double>(),
                  j.at("schedule").get<std::string>(),
                  {},
                  {}};
  r.batch_samples = j.value("batch_samples", std::vector<std::vector<double>>{});
  r.batch_ms = j.value("batch_ms", std::vector<double>{});
  return r;
}

namespace {

// One candidate compiled and bound to seeded inputs and an output buffer.
// `graph` and `inputs` are the kernel as described (what the reference
// runs); a Winograd candidate of a conv whose filter the library transforms
// at compile time runs on `lowered_graph` and `kernel_inputs` instead: the
// same conv reading the transformed filter U (bench/conv_candidate_timer.cpp
// times `--conv-algo measure`'s candidates the same way).
struct Candidate {
  KernelDesc kernel;
  ir::Graph graph, lowered_graph;
  Halide::Target target;
  codegen::LoweredKernel k;
  std::vector<reference::Tensor> inputs, kernel_inputs;
  reference::Tensor out;
  std::vector<Halide::Buffer<>> outs;

  void run() { k.pipeline.realize(Halide::Realization(outs), target); }
};

// The kernel as the library would run it: for a Winograd conv2d with
// pretransform_winograd, its weight replaced by U = G g GT.
void as_compiled(Candidate &c) {
  c.lowered_graph = c.graph;
  c.kernel_inputs = c.inputs;
  const KernelDesc &d = c.kernel;
  if (d.op != "conv2d" || !d.pretransform_winograd || !d.attrs.has("algorithm")) return;
  int m = ir::ops::winograd_tile(d.attrs.get_string("algorithm"));
  if (m == 0) return;
  const int64_t K = d.inputs[1].shape[0], C = d.inputs[1].shape[1];
  KernelDesc t = d;
  t.inputs[1].shape = ir::ops::winograd_weight_shape(m, C, K);
  t.attrs.set("weights_pretransformed", int64_t{1});
  c.lowered_graph = one_node_graph(t);
  c.kernel_inputs[1] = reference::Tensor(t.inputs[1].shape);
  c.kernel_inputs[1].data = ir::ops::winograd_transform_weights(m, c.inputs[1].data, K, C);
}

// Lowers and JIT-compiles the candidate; "" or why it failed.
std::string prepare(Candidate &c, const KernelDesc &desc, const std::string &target,
                    bool is_default, const codegen::TunedChoice &choice) {
  c.kernel = desc;
  if (!choice.algorithm.empty()) c.kernel.attrs.set("algorithm", choice.algorithm);
  c.graph = one_node_graph(c.kernel);
  if (c.kernel.outputs.size() != 1) throw InternalError("the tuner measures one-output kernels");
  for (size_t i = 0; i < c.kernel.inputs.size(); i++)
    c.inputs.push_back(
        seeded_tensor(c.kernel.inputs[i].shape, 1234 + 7919 * static_cast<uint32_t>(i)));
  as_compiled(c);
  const ir::Node &node = c.lowered_graph.node(0);
  c.target = Halide::Target(target);
  codegen::LowerRequest request{node,
                                c.lowered_graph.input_types(node),
                                {},
                                c.target,
                                is_default ? codegen::schedules::ScheduleKnobs{} : choice.knobs};
  for (int v : node.outputs) request.outputs.push_back(c.lowered_graph.value(v).type);
  try {
    c.k = codegen::lower_node(request);
    c.k.pipeline.compile_jit(c.target);
  } catch (const Halide::Error &e) {
    return std::string("Halide: ") + e.what();
  }
  for (size_t i = 0; i < c.kernel_inputs.size(); i++)
    c.k.params[i].set(view_buffer(c.kernel_inputs[i].data.data(), c.k.input_views[i]));
  c.out = reference::Tensor(c.kernel.outputs[0].shape);
  Halide::Buffer<float> out_buf = view_buffer(c.out.data.data(), c.k.output_views[0]);
  c.outs = {Halide::Buffer<>(out_buf)};
  return "";
}

// The median time of at least `min_runs` runs and min_ms.
double time_block(Candidate &c, double min_ms, size_t min_runs = 5) {
  std::vector<double> times;
  auto start = std::chrono::steady_clock::now();
  while (times.size() < min_runs || (ms_since(start) < min_ms && times.size() < 1000)) {
    auto t = std::chrono::steady_clock::now();
    c.run();
    times.push_back(ms_since(t));
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

MeasureResult measure_batch(const MeasureJob &job) {
  MeasureResult r;
  std::vector<std::unique_ptr<Candidate>> cands;
  std::vector<float> want;
  if (access(job.expected_path.c_str(), R_OK) == 0) want = read_floats(job.expected_path);
  for (const auto &[is_default, choice] : job.batch) {
    auto c = std::make_unique<Candidate>();
    std::string why = prepare(*c, job.kernel, job.target, is_default, choice);
    if (why.empty()) {
      c->run();
      if (!want.empty()) why = compare(c->out.data, want, job.tolerance);
    }
    if (!why.empty()) {
      r.error += (r.error.empty() ? "" : "; ") + why.substr(0, 300);
      c.reset();
    }
    cands.push_back(std::move(c));
  }
  r.batch_samples.assign(cands.size(), {});
  FileLock lock(job.measure_lock);
  for (auto &c : cands)
    if (c) c->run();  // warm again after waiting for the lock
  // Interleaved: a burst of load hits every candidate of the round alike.
  // A round of a slow kernel may be one run: the median is over rounds.
  for (int round = 0; round < job.rounds; round++)
    for (size_t i = 0; i < cands.size(); i++)
      if (cands[i]) r.batch_samples[i].push_back(time_block(*cands[i], job.min_ms, 1));
  for (const auto &s : r.batch_samples) r.batch_ms.push_back(s.empty() ? 0 : median_of(s));
  r.ok = true;
  return r;
}

}  // namespace

MeasureResult measure(const MeasureJob &job) {
  if (!job.batch.empty()) return measure_batch(job);
  MeasureResult r;
  Candidate c;
  r.error = prepare(c, job.kernel, job.target, job.is_default, job.choice);
  if (!r.error.empty()) return r;
  r.schedule = c.k.schedule;
  if (job.inject == "crash") std::abort();
  if (job.inject == "hang")
    for (;;) std::this_thread::sleep_for(std::chrono::seconds(1));
  c.run();
  if (job.inject == "wrong")
    for (float &v : c.out.data) v = v * 1.5f + 0.5f;

  bool against_reference =
      job.expected_path.empty() || access(job.expected_path.c_str(), R_OK) != 0;
  std::vector<float> want;
  if (against_reference) {
    std::vector<const reference::Tensor *> ptrs;
    for (const auto &t : c.inputs) ptrs.push_back(&t);
    want = reference::run_node(c.graph.node(0), ptrs)[0].data;
  } else {
    want = read_floats(job.expected_path);
  }
  r.error = compare(c.out.data, want, job.tolerance);
  if (!r.error.empty()) return r;
  if (against_reference && !job.save_expected.empty()) write_floats(job.save_expected, c.out.data);

  FileLock lock(job.measure_lock);
  c.run();  // warm again after waiting for the lock
  r.median_ms = time_block(c, job.min_ms);
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
