// The generated library accepts inputs and outputs at any float-aligned
// address. Kernels may use aligned vector stores on whole tensors, so the
// runtime stages a caller's tensor that is not 64-byte aligned through its
// own aligned copy (runtime/kiln_runtime.c, kiln_stage_io). On LeNet-5,
// misaligned results equal aligned ones exactly. (The fault this guards
// against: a 10-channel gradient sum stored with vmovaps into a 16-byte
// aligned std::vector, in FashionMnistSlice.)
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "frontend/load_model.h"
#include "tests/library_test_util.h"

namespace kiln {
namespace {

// A float pointer `shift` floats past a 64-byte boundary inside `storage`.
float *shifted(std::vector<float> &storage, size_t count, int shift) {
  storage.assign(count + 32, 0.0f);
  auto base = reinterpret_cast<uintptr_t>(storage.data());
  uintptr_t aligned = (base + 63) / 64 * 64;
  return reinterpret_cast<float *>(aligned) + shift;
}

TEST(RuntimeAlignment, MisalignedInputsAndOutputsGiveTheAlignedResults) {
  ir::Graph g =
      testing::optimized(frontend::load_model(testing::source_path("examples/lenet5.json")));
  std::vector<reference::Tensor> inputs = testing::random_graph_inputs(g, 3);
  std::vector<reference::Tensor> want = testing::run_compiled(g, inputs);

  testing::TempDir dir;
  codegen::CompileOptions options;
  options.out_dir = dir / "lib";
  options.cache_dir = codegen::default_cache_dir();
  codegen::CompileReport report = codegen::compile_library(g, options);
  codegen::LoadedLibrary lib(report.shared_library, report.name);
  codegen::LoadedLibrary::Instance instance(lib);
  for (int shift : {1, 3, 4, 15}) {
    std::vector<std::vector<float>> in_store(inputs.size()), out_store(want.size());
    std::vector<const float *> in;
    std::vector<float *> out;
    for (size_t i = 0; i < inputs.size(); i++) {
      float *p = shifted(in_store[i], inputs[i].data.size(), shift);
      std::copy(inputs[i].data.begin(), inputs[i].data.end(), p);
      in.push_back(p);
    }
    for (size_t k = 0; k < want.size(); k++)
      out.push_back(shifted(out_store[k], want[k].data.size(), shift));
    instance.run(in, out);
    for (size_t k = 0; k < want.size(); k++)
      for (size_t i = 0; i < want[k].data.size(); i++)
        ASSERT_EQ(out[k][i], want[k].data[i])
            << "shift " << shift << ", output " << k << " [" << i << "]";
  }
}

}  // namespace
}  // namespace kiln
