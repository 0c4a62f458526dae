// The ONNX backend tests shipped by Debian's libonnx-testdata, for the operators castnet supports:
// one test per case directory, run through run_onnx_test_case with the reference kernels and with
// the best kernels for this CPU.
#include <castnet/castnet.h>

#include "frontend/onnx/tensor_file.h"
#include "onnx_proto_builder.h"
#include "runtime/onnx_test_case.h"

#include <algorithm>
#include <filesystem>
#include <limits>
// GCC 12 at -O3 reports libstdc++'s own <regex> internals (the std::function inside its NFA
// states) as "may be used uninitialized": a false positive about the library, not this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <regex>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace castnet {
namespace {

// Case directories are selected by these patterns (ECMAScript regex over the directory name)...
const char* const kNodePatterns[] = {
    "test_(basic_)?conv_.*",
    "test_batchnorm_.*",
    "test_averagepool_.*", "test_maxpool_.*", "test_globalaveragepool.*", "test_globalmaxpool.*",
    "test_gemm_.*", "test_matmul_.*",
    "test_relu", "test_clip.*", "test_leakyrelu.*", "test_prelu_.*", "test_sigmoid.*",
    "test_hardsigmoid.*", "test_hardswish.*", "test_softmax_.*",
    "test_reshape_.*", "test_flatten_.*", "test_concat_.*", "test_transpose_.*",
    "test_constant_pad", "test_(add|sub|mul|div)(_.*)?",
    "test_identity", "test_dropout_.*", "test_constant", "test_shape.*", "test_gather_(?!elements).*",
    "test_unsqueeze_.*", "test_squeeze.*", "test_slice.*", "test_cast_.*", "test_constantofshape_.*",
};
const char* const kPytorchPatterns[] = {
    "test_Conv[123]d.*", "test_BatchNorm.*", "test_AvgPool.*", "test_MaxPool.*", "test_PReLU.*",
    "test_ReLU", "test_Sigmoid", "test_Softmax", "test_softmax_(functional_dim3|lastdim)",
    "test_(Zero|Constant|Reflection|Replication)Pad2d", "test_Linear.*", "test_LeakyReLU.*", "test_Embedding.*",
    "test_PixelShuffle",
};
// PyTorch's operator exports (opset 6): legacy Gemm broadcast, Clip and Slice attributes.
const char* const kPytorchOperatorPatterns[] = {
    "test_operator_(addmm|mm|clip|concat2|conv|flatten|index|maxpool|non_float_params|permute2|view)",
};

// ...minus these (regex over the name), each with the reason it cannot pass. Models declaring an
// opset below 11 (most of pytorch-converted, exported with opset 6) run like the others: the
// loader upgrades them to opset 11.
struct Exclusion {
  const char* pattern;
  const char* reason;
};
const Exclusion kExcluded[] = {
    {"test_batchnorm_.*_training_mode", "training-mode BatchNormalization (batch statistics, running-mean outputs)"},
    {"test_maxpool_with_argmax_.*", "MaxPool with the optional Indices output"},
    {"test_cast_(DOUBLE_to_.*|.*_to_DOUBLE)", "double dtype"},
    {"test_cast_(STRING_to_.*|.*_to_STRING)", "string dtype"},
    {"test_cast_(BFLOAT16_to_FLOAT|FLOAT_to_BFLOAT16)", "the test files store bfloat16 data as UINT16, which castnet does not read"},
    {"test_identity_opt", "optional type"},
    {"test_identity_sequence", "sequence type"},
    {"test_training_dropout.*", "training-mode Dropout draws random masks"},
    {"test_dropout_random_old", "training-mode Dropout draws random masks"},
    {"test_ReflectionPad2d", "non-constant Pad mode (reflect)"},
    {"test_ReplicationPad2d", "non-constant Pad mode (edge)"},
    {"test_softmax_.*_expanded", "the function-expanded form uses ReduceMax, Exp and ReduceSum, not castnet ops"},
};

const char* exclusion_reason(const std::string& name) {
  for (const Exclusion& e : kExcluded)
    if (std::regex_match(name, std::regex(e.pattern))) return e.reason;
  return nullptr;
}

struct ConformanceCase {
  std::string dir;
  std::string label;  // "node_test_relu", used in the test name
};

// gtest prints parameters in test listings and failures; the label says it all.
void PrintTo(const ConformanceCase& c, std::ostream* os) { *os << c.label; }

bool matches_any(const std::string& name, const char* const* begin, const char* const* end) {
  return std::any_of(begin, end, [&](const char* p) { return std::regex_match(name, std::regex(p)); });
}

void collect(const std::string& folder, const std::string& prefix, const char* const* begin,
             const char* const* end, std::vector<ConformanceCase>& out) {
  const std::filesystem::path root = std::filesystem::path(CASTNET_ONNX_TESTDATA) / folder;
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return;
  std::vector<ConformanceCase> found;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || !matches_any(name, begin, end) || exclusion_reason(name)) continue;
    found.push_back({entry.path().string(), prefix + name});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.label < b.label; });
  out.insert(out.end(), found.begin(), found.end());
}

std::vector<ConformanceCase> all_cases() {
  std::vector<ConformanceCase> cases;
  collect("node", "node_", std::begin(kNodePatterns), std::end(kNodePatterns), cases);
  collect("pytorch-converted", "pytorch_", std::begin(kPytorchPatterns), std::end(kPytorchPatterns), cases);
  collect("pytorch-operator", "pytorch_", std::begin(kPytorchOperatorPatterns), std::end(kPytorchOperatorPatterns),
          cases);
  return cases;
}

class OnnxConformance : public ::testing::TestWithParam<std::tuple<ConformanceCase, std::string>> {};

TEST_P(OnnxConformance, MatchesExpectedOutputs) {
  const auto& [c, isa] = GetParam();
  Options options;
  options.threads = 1;
  options.isa = isa;
  const OnnxTestResult r = run_onnx_test_case(c.dir, options);
  EXPECT_TRUE(r.passed) << c.dir << ": " << r.message;
  RecordProperty("max_abs_error", std::to_string(r.max_abs_error));
}

std::string case_name(const ::testing::TestParamInfo<OnnxConformance::ParamType>& info) {
  const auto& [c, isa] = info.param;
  return c.label + "_" + (isa.empty() ? std::string("best") : isa);
}

INSTANTIATE_TEST_SUITE_P(, OnnxConformance,
                         ::testing::Combine(::testing::ValuesIn(all_cases()),
                                            ::testing::Values(std::string("reference"), std::string())),
                         case_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxConformance);

// ---- the runner itself: it must be able to fail ---------------------------------------------------

class OnnxConformanceRunner : public ::testing::Test {
 protected:
  // A case folder: y = Relu(x), x = [-1, 2, -3, 4], expected y given by the test.
  void make_case(const std::vector<float>& expected_y, const Shape& y_shape = {4}, bool name_input = true) {
    test_onnx::ModelBuilder b(13);
    b.input("x", std::vector<test_onnx::Dim>{4});
    b.node("Relu", {"x"}, {"y"}, "relu");
    b.output("y", std::vector<test_onnx::Dim>{4});
    b.write(dir_.path() / "model.onnx");
    std::filesystem::create_directories(dir_.path() / "test_data_set_0");
    io::write_tensor_pb(dir_.file("test_data_set_0/input_0.pb"), Tensor::from_vector<float>({4}, {-1, 2, -3, 4}),
                        name_input ? "x" : "");
    io::write_tensor_pb(dir_.file("test_data_set_0/output_0.pb"), Tensor::from_vector<float>(y_shape, expected_y),
                        "y");
  }
  OnnxTestResult run(double rtol = 1e-3, double atol = 1e-5) {
    Options options;
    options.threads = 1;
    return run_onnx_test_case(dir_.path().string(), options, rtol, atol);
  }
  test_onnx::ScratchDir dir_;
};

TEST_F(OnnxConformanceRunner, PassesOnRightOutputs) {
  make_case({0, 2, 0, 4});
  OnnxTestResult r = run();
  EXPECT_TRUE(r.passed) << r.message;
  EXPECT_EQ(r.max_abs_error, 0.0);
  EXPECT_EQ(r.name, dir_.path().filename().string());
}

TEST_F(OnnxConformanceRunner, UnnamedInputTakesTheModelsInputName) {
  make_case({0, 2, 0, 4}, {4}, /*name_input=*/false);
  OnnxTestResult r = run();
  EXPECT_TRUE(r.passed) << r.message;
}

TEST_F(OnnxConformanceRunner, FailsOnAWrongElement) {
  make_case({0, 2, 0, 5});
  OnnxTestResult r = run();
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("1 of 4 elements"), std::string::npos) << r.message;
  EXPECT_NE(r.message.find("index 3: got 4, expected 5"), std::string::npos) << r.message;
  EXPECT_EQ(r.max_abs_error, 1.0);
  EXPECT_DOUBLE_EQ(r.max_rel_error, 0.2);
}

TEST_F(OnnxConformanceRunner, ToleranceIsAbsolutePlusRelative) {
  // |4 - 4.003| = 0.003 <= 1e-5 + 1e-3 * 4.003: passes; 4.01 does not.
  make_case({0, 2, 0, 4.003f});
  EXPECT_TRUE(run().passed);
  make_case({0, 2, 0, 4.01f});
  EXPECT_FALSE(run().passed);
  // A tighter rtol rejects what the default accepted.
  make_case({0, 2, 0, 4.003f});
  EXPECT_FALSE(run(1e-4, 1e-5).passed);
}

TEST_F(OnnxConformanceRunner, NanOnlyMatchesNan) {
  make_case({0, 2, 0, std::numeric_limits<float>::quiet_NaN()});
  OnnxTestResult r = run();
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("expected nan"), std::string::npos) << r.message;
}

TEST_F(OnnxConformanceRunner, FailsOnAShapeMismatch) {
  make_case({0, 2, 0, 4}, {2, 2});
  OnnxTestResult r = run();
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("shape 4, expected 2x2"), std::string::npos) << r.message;
}

TEST_F(OnnxConformanceRunner, ReportsLoadErrors) {
  OnnxTestResult r = run();  // nothing in the folder
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("model.onnx"), std::string::npos) << r.message;
  make_case({0, 2, 0, 4});
  std::filesystem::remove_all(dir_.path() / "test_data_set_0");
  r = run();
  EXPECT_FALSE(r.passed);
  EXPECT_NE(r.message.find("no test_data_set_"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace castnet
