#include "bench/model_bench.h"

#include <chrono>

#include "bench/compiled_model.h"
#include "bench/stats.h"
#include "ir/errors.h"
#include "ir/op.h"

namespace kiln::bench {

namespace {

using Clock = std::chrono::steady_clock;

void say(const BenchOptions &o, const std::string &line) {
  if (o.progress) o.progress(line);
}

KernelTiming describe_kernel(const ir::Graph &g, const codegen::KernelReport &k) {
  int id = g.find_node(k.node);
  if (id < 0)
    throw InternalError("bench: the library runs node '" + k.node + "', which the graph lacks");
  const ir::Node &n = g.node(id);
  std::vector<ir::TensorType> outs;
  for (int v : n.outputs) outs.push_back(g.value(v).type);
  KernelTiming t;
  t.node = n.name;
  t.op = n.op;
  t.algorithm = kernel_algorithm(n);
  t.schedule = k.schedule;
  t.output_shape = outs.empty() ? ir::Shape{} : outs[0].shape;
  t.flops = ir::get_op(n.op).cost(n.attrs, g.input_types(n), outs).flops;
  return t;
}

}  // namespace

std::string kernel_algorithm(const ir::Node &node) {
  if (node.attrs.has("algorithm") && node.attrs.is_string("algorithm"))
    return node.attrs.get_string("algorithm");
  if (node.op == "conv2d") return "direct";
  return "-";
}

void check_options(const BenchOptions &o) {
  if (o.repeat < 1) throw UserError("--repeat must be at least 1, got " + std::to_string(o.repeat));
  if (o.warmup < 0)
    throw UserError("--warmup must not be negative, got " + std::to_string(o.warmup));
  if (o.threads < 0)
    throw UserError("--threads must not be negative, got " + std::to_string(o.threads));
}

ModelTiming bench_model(const ir::Graph &g, const BenchOptions &o) {
  check_options(o);
  CompiledModel model(g, o.progress, o.tuned);
  const codegen::LoadedLibrary &lib = model.library();
  // The plan's steps are the first kernels of the compile, in order (a
  // training library lists its training kernels after them).
  const auto &steps = lib.step_names();
  const auto &compiled = model.report().kernels;
  if (compiled.size() < steps.size())
    throw InternalError("bench: the library has " + std::to_string(steps.size()) +
                        " steps but the compile made " + std::to_string(compiled.size()) +
                        " kernels");
  std::vector<codegen::KernelReport> kernels(compiled.begin(), compiled.begin() + steps.size());
  for (size_t s = 0; s < steps.size(); s++)
    if (kernels[s].node != steps[s])
      throw InternalError("bench: step " + std::to_string(s) + " runs node '" + steps[s] +
                          "' but the compile's kernel " + std::to_string(s) + " is '" +
                          kernels[s].node + "'");

  ModelTiming result;
  result.model = model.report().name;
  result.batch = g.inputs.empty() || g.value(g.inputs[0]).type.shape.empty()
                     ? 1
                     : g.value(g.inputs[0]).type.shape[0];
  for (const auto &k : kernels) result.kernels.push_back(describe_kernel(g, k));

  if (o.threads > 0) lib.set_num_threads(o.threads);
  codegen::LoadedLibrary::Instance instance(lib);
  ModelBuffers buffers(lib, o.seed);
  say(o, "timing: " + std::to_string(o.warmup) + " warm-up runs");
  for (int r = 0; r < o.warmup; r++) instance.run(buffers.input_ptrs, buffers.output_ptrs);

  // Plain and profiled runs alternate, so both see the same machine load.
  std::vector<double> run_ms;
  std::vector<std::vector<double>> step_ms(kernels.size());
  const int report_every = std::max(1, o.repeat / 4);
  for (int r = 0; r < o.repeat; r++) {
    auto start = Clock::now();
    instance.run(buffers.input_ptrs, buffers.output_ptrs);
    run_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    std::vector<double> seconds = instance.run_profiled(buffers.input_ptrs, buffers.output_ptrs);
    for (size_t s = 0; s < seconds.size(); s++) step_ms[s].push_back(seconds[s] * 1e3);
    if ((r + 1) % report_every == 0 || r + 1 == o.repeat)
      say(o, "timing: run " + std::to_string(r + 1) + "/" + std::to_string(o.repeat) + " (" +
                 std::to_string(kernels.size()) + " kernels each)");
  }
  for (size_t s = 0; s < kernels.size(); s++) result.kernels[s].median_ms = median(step_ms[s]);
  result.median_ms = median(run_ms);
  result.p10_ms = quantile(run_ms, 0.1);
  result.p90_ms = quantile(run_ms, 0.9);
  return result;
}

}  // namespace kiln::bench
