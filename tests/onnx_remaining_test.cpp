// ONNX conformance cases that kiln passes since conv_transpose3d,
// to_bfloat16 and empty tensors (docs/conformance.md): each case of Debian's
// libonnx-testdata imported, run on the reference interpreter and compiled
// into a library and run, compared with the case's expected outputs with
// ONNX's tolerance (tests/onnx_conformance.h), and the kiln ops the importer
// chose. Skipped where the test data is missing.
#include <gtest/gtest.h>

#include "onnx_conformance.h"

namespace kiln {
namespace {

using namespace onnx_conformance;

struct RemainingCase {
  std::string dir;  // under kTestDataRoot
  std::string op;   // a kiln op the import must contain ("": any)
};

void PrintTo(const RemainingCase &c, std::ostream *os) { *os << c.dir; }

class OnnxRemaining : public ::testing::TestWithParam<RemainingCase> {};

TEST_P(OnnxRemaining, PassesReferenceAndCompiled) {
  const RemainingCase &c = GetParam();
  const fs::path dir = fs::path(kTestDataRoot) / c.dir;
  if (!fs::exists(dir / "model.onnx")) GTEST_SKIP() << dir << " is missing (libonnx-testdata)";
  PreparedCase p = prepare_case(dir);
  ASSERT_EQ(p.result.status, Status::Passed) << p.result.detail;
  EXPECT_TRUE(p.result.reference_checked);
  if (!c.op.empty()) {
    bool found = false;
    for (const ir::Node &n : p.graph.nodes) found = found || n.op == c.op;
    EXPECT_TRUE(found) << "no " << c.op << " node in the import of " << c.dir;
  }
  check_compiled_batch({&p});
  EXPECT_TRUE(p.result.compiled_checked);
  EXPECT_EQ(p.result.status, Status::Passed) << p.result.detail;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, OnnxRemaining,
    ::testing::Values(RemainingCase{"node/test_convtranspose_3d", "conv_transpose3d"},
                      RemainingCase{"node/test_cast_FLOAT_to_BFLOAT16", "to_bfloat16"},
                      RemainingCase{"node/test_castlike_FLOAT_to_BFLOAT16", "to_bfloat16"},
                      RemainingCase{"node/test_castlike_FLOAT_to_BFLOAT16_expanded", "to_bfloat16"},
                      RemainingCase{"node/test_cast_BFLOAT16_to_FLOAT", ""},
                      RemainingCase{"node/test_castlike_BFLOAT16_to_FLOAT", ""},
                      RemainingCase{"node/test_castlike_BFLOAT16_to_FLOAT_expanded", ""},
                      RemainingCase{"node/test_slice_start_out_of_bounds", "empty"},
                      RemainingCase{"node/test_reshape_allowzero_reordered", "empty"},
                      RemainingCase{"node/test_split_zero_size_splits", "empty"},
                      RemainingCase{"node/test_constantofshape_int_shape_zero", "empty"}),
    [](const auto &info) {
      std::string name = info.param.dir.substr(info.param.dir.find('/') + 6);  // after "test_"
      for (char &ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      return name;
    });

// An empty graph output is a node with no kernel; the library writes nothing
// there, so its caller may pass NULL for it.
TEST(OnnxEmptyOutputs, LibraryAcceptsNullForAnEmptyOutput) {
  const fs::path dir = fs::path(kTestDataRoot) / "node/test_split_zero_size_splits";
  if (!fs::exists(dir / "model.onnx")) GTEST_SKIP() << dir << " is missing (libonnx-testdata)";
  PreparedCase p = prepare_case(dir);
  ASSERT_EQ(p.result.status, Status::Passed) << p.result.detail;
  ASSERT_EQ(p.graph.outputs.size(), 3u);
  EXPECT_TRUE(p.graph.inputs.empty());  // the empty input is a constant
  testing::TempDir tmp;
  codegen::CompileOptions options;
  options.out_dir = tmp / "lib";
  options.cache_dir = codegen::default_cache_dir();
  codegen::CompileReport report = codegen::compile_library(p.graph, options);
  EXPECT_TRUE(report.kernels.empty());
  codegen::LoadedLibrary lib(report.shared_library, report.name);
  codegen::LoadedLibrary::Instance instance(lib);
  EXPECT_NO_THROW(instance.run({}, {nullptr, nullptr, nullptr}));
}

}  // namespace
}  // namespace kiln
