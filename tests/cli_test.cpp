// The castnet command-line tool, run as a separate process: exit codes, error lines, and what
// each subcommand writes.
#include <castnet/castnet.h>

#include "frontend/onnx/tensor_file.h"
#include "zoo/deterministic_rng.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace castnet {
namespace {

namespace fs = std::filesystem;

struct CliResult {
  int exit_code = -1;
  std::string out, err;
};

std::string read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream s(text);
  for (std::string line; std::getline(s, line);) lines.push_back(line);
  return lines;
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("castnet_cli_" + std::to_string(::getpid()) + "_" + info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  // Runs `castnet ARGS` with stdout and stderr captured.
  CliResult cli(const std::string& args) const {
    const std::string out = path("stdout.txt"), err = path("stderr.txt");
    const std::string cmd = std::string("'") + CASTNET_CLI_PATH + "' " + args + " >'" + out + "' 2>'" + err + "'";
    const int status = std::system(cmd.c_str());
    CliResult r;
    r.exit_code = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
    r.out = read_file(out);
    r.err = read_file(err);
    return r;
  }

  // Exit code 2 and exactly one line on stderr, `castnet: error: ...`.
  void expect_usage_error(const std::string& args, const std::string& mentions = {}) const {
    SCOPED_TRACE("castnet " + args);
    CliResult r = cli(args);
    EXPECT_EQ(r.exit_code, 2);
    std::vector<std::string> lines = lines_of(r.err);
    ASSERT_EQ(lines.size(), 1u) << r.err;
    EXPECT_EQ(lines[0].rfind("castnet: error: ", 0), 0u) << lines[0];
    if (!mentions.empty()) {
      EXPECT_NE(lines[0].find(mentions), std::string::npos) << lines[0];
    }
  }

  fs::path dir_;
};

double relative_l2(const Tensor& a, const Tensor& b) {
  double diff = 0, ref = 0;
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a.data_as<float>()[i], y = b.data_as<float>()[i];
    diff += (x - y) * (x - y);
    ref += y * y;
  }
  return std::sqrt(diff / std::max(ref, 1e-300));
}

bool all_finite(const Tensor& t) {
  for (int64_t i = 0; i < t.numel(); ++i)
    if (!std::isfinite(t.data_as<float>()[i])) return false;
  return true;
}

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() &&
         std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * dtype_size(a.dtype())) == 0;
}

using CliErrors = CliTest;

TEST_F(CliErrors, MissingModelFile) { expect_usage_error("run '" + path("no_such_model.onnx") + "'"); }

TEST_F(CliErrors, UnknownCommand) { expect_usage_error("frobnicate", "frobnicate"); }

TEST_F(CliErrors, BadOptions) {
  expect_usage_error("run zoo:dwsep_block --bogus 1", "--bogus");
  expect_usage_error("run zoo:dwsep_block --threads many", "--threads");
  expect_usage_error("run zoo:dwsep_block --threads 0", "--threads");
  expect_usage_error("run zoo:dwsep_block --isa sse9", "sse9");
  expect_usage_error("run zoo:dwsep_block --shape input=1xx3", "--shape");
  expect_usage_error("run zoo:dwsep_block --output-dir", "--output-dir");
  expect_usage_error("bench zoo:dwsep_block --iters -3", "--iters");
  expect_usage_error("run", "MODEL");
  expect_usage_error("run zoo:nosuchnet", "nosuchnet");
  expect_usage_error("onnx-test '" + path("missing") + "'");
  expect_usage_error("zoo frob", "frob");
  expect_usage_error("zoo export resnet50", "-o");
  expect_usage_error("zoo export nosuchnet -o '" + path("x.onnx") + "'", "resnet50");
}

TEST_F(CliErrors, HelpExitsZero) {
  for (const char* cmd : {"run --help", "bench -h", "info --help", "onnx-test --help", "zoo --help"}) {
    CliResult r = cli(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd;
    EXPECT_NE(r.out.find("usage: castnet"), std::string::npos) << cmd;
  }
}

using CliZoo = CliTest;

TEST_F(CliZoo, ListsModels) {
  CliResult r = cli("zoo list");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  const char* names[] = {"resnet18", "resnet50", "mobilenetv2", "dwsep_block", "bottleneck"};
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(lines[i].rfind(names[i], 0), 0u) << lines[i];
}

TEST_F(CliZoo, ExportedBottleneckRunsLikeTheBuiltIn) {
  const std::string onnx = path("bottleneck.onnx");
  CliResult e = cli("zoo export bottleneck -o '" + onnx + "'");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  ASSERT_TRUE(fs::exists(onnx));
  CliResult a = cli("run '" + onnx + "' --threads 2 --output-dir '" + path("from_file") + "'");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  CliResult b = cli("run zoo:bottleneck --threads 2 --output-dir '" + path("from_zoo") + "'");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const Tensor x = io::read_npy(path("from_file/output.npy"));
  const Tensor y = io::read_npy(path("from_zoo/output.npy"));
  EXPECT_EQ(x.shape(), (Shape{1, 256, 56, 56}));
  EXPECT_TRUE(bitwise_equal(x, y));
}

using CliInfo = CliTest;

TEST_F(CliInfo, Bottleneck) {
  CliResult r = cli("info zoo:bottleneck");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& o = r.out;
  EXPECT_NE(o.find("1x256x56x56"), std::string::npos) << o;
  EXPECT_NE(o.find("71,168"), std::string::npos) << o;   // initializer elements
  EXPECT_NE(o.find("70,400"), std::string::npos) << o;   // learnable (torchvision)
  // 51,380,224 MAC in each of the two 1x1 convs, 115,605,504 in the 3x3.
  auto line_with = [&](const std::string& head) {
    const size_t at = o.find("\n  " + head);
    return at == std::string::npos ? std::string() : o.substr(at + 1, o.find('\n', at + 1) - at - 1);
  };
  EXPECT_NE(line_with("conv 1x1").find(" 0.2055 GFLOP"), std::string::npos) << o;
  EXPECT_NE(line_with("conv 3x3").find(" 0.2312 GFLOP"), std::string::npos) << o;
  EXPECT_NE(line_with("depthwise").find(" 0.0000 GFLOP"), std::string::npos) << o;
  EXPECT_NE(o.find("peak activation memory"), std::string::npos) << o;
  // The 3x3 conv's problem string in the per-layer table.
  EXPECT_NE(o.find("conv2"), std::string::npos) << o;
  EXPECT_NE(o.find("mb1_g1ic64oc64_ih56iw56_kh3kw3_sh1sw1_ph1pw1_phe1pwe1_dh1dw1"), std::string::npos) << o;
}

TEST_F(CliInfo, BatchOptionScalesShapes) {
  CliResult r = cli("info zoo:dwsep_block --batch 2");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2x128x56x56"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("mb2_g128ic128oc128"), std::string::npos) << r.out;
}

// The "steps: N after rewriting (K kernels + R layout reorders) for M model nodes" line of info.
struct StepLine {
  int steps = -1, kernels = -1, reorders = -1, model_nodes = -1, fused = -1;
};
StepLine step_line(const std::string& info_out) {
  StepLine s;
  const size_t at = info_out.find("\nsteps: ");
  if (at == std::string::npos) return s;
  std::sscanf(info_out.c_str() + at + 1, "steps: %d after rewriting (%d kernels + %d layout reorders) for %d model nodes",
              &s.steps, &s.kernels, &s.reorders, &s.model_nodes);
  const size_t fused_at = info_out.find(" nodes fused into other kernels", at);
  if (fused_at != std::string::npos) {
    const size_t start = info_out.rfind('\n', fused_at) + 1;
    std::sscanf(info_out.c_str() + start, "%d", &s.fused);
  }
  return s;
}

// zoo:bottleneck is conv1 bn1 relu1 conv2 bn2 relu2 conv3 bn3 add relu3 (10 nodes). Fully fused it
// is three kernels; without rewriting, ten.
TEST_F(CliInfo, StepCountsFollowFusionOptions) {
  CliResult full = cli("info zoo:bottleneck");
  ASSERT_EQ(full.exit_code, 0) << full.err;
  StepLine s = step_line(full.out);
  EXPECT_EQ(s.model_nodes, 10) << full.out;
  EXPECT_EQ(s.kernels, 3) << full.out;
  EXPECT_EQ(s.fused, 7) << full.out;
  EXPECT_EQ(s.steps, s.kernels + s.reorders) << full.out;

  for (const char* level : {"0", "O0", "o0"}) {
    CliResult none = cli(std::string("info zoo:bottleneck --fuse-level ") + level);
    ASSERT_EQ(none.exit_code, 0) << none.err;
    s = step_line(none.out);
    EXPECT_EQ(s.kernels, 10) << none.out;
    EXPECT_EQ(s.fused, 0) << none.out;
    EXPECT_NE(none.out.find("fusion level 0"), std::string::npos) << none.out;
  }

  // conv1 kept out of every rewrite: bn1 and relu1 run on their own (conv2, conv3 still fuse).
  CliResult frozen = cli("info zoo:bottleneck --no-fuse conv1 --graph");
  ASSERT_EQ(frozen.exit_code, 0) << frozen.err;
  s = step_line(frozen.out);
  EXPECT_EQ(s.kernels, 5) << frozen.out;
  EXPECT_EQ(s.fused, 5) << frozen.out;
  EXPECT_NE(frozen.out.find("  bn1  BatchNormalization  ["), std::string::npos) << frozen.out;
  EXPECT_NE(frozen.out.find("  relu1  Relu  ["), std::string::npos) << frozen.out;
  // Two frozen nodes: the option repeats.
  CliResult two = cli("info zoo:bottleneck --no-fuse conv1 --no-fuse conv2");
  ASSERT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(step_line(two.out).kernels, 7) << two.out;

  // Without conv_add the residual Add (and the ReLU after it) stay out of conv3.
  CliResult no_add = cli("info zoo:bottleneck --fuse-ops=-conv_add --graph");
  ASSERT_EQ(no_add.exit_code, 0) << no_add.err;
  s = step_line(no_add.out);
  EXPECT_EQ(s.kernels, 5) << no_add.out;
  EXPECT_NE(no_add.out.find("  add  Add  ["), std::string::npos) << no_add.out;
  EXPECT_NE(no_add.out.find("fused: bn3\n"), std::string::npos) << no_add.out;
  // Level 0 with one pattern switched back on: only BatchNorm folding.
  CliResult fold_only = cli("info zoo:bottleneck --fuse-level 0 --fuse-ops +fold_batchnorm");
  ASSERT_EQ(fold_only.exit_code, 0) << fold_only.err;
  s = step_line(fold_only.out);
  EXPECT_EQ(s.kernels, 7) << fold_only.out;
  EXPECT_EQ(s.fused, 3) << fold_only.out;
}

TEST_F(CliInfo, GraphListsStepsWithLayoutsAndFusedNodes) {
  CliResult r = cli("info zoo:bottleneck --graph");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string& o = r.out;
  const StepLine s = step_line(o);
  const size_t at = o.find("graph after rewriting: " + std::to_string(s.steps) + " steps\n");
  ASSERT_NE(at, std::string::npos) << o;
  // Every step appears once, numbered; fused conv steps name their op domain-qualified and list
  // what they absorbed; values carry shape and layout.
  for (int i = 0; i < s.steps; ++i) EXPECT_NE(o.find("\n  #" + std::to_string(i) + "  ", at), std::string::npos) << i;
  EXPECT_NE(o.find("  conv1  castnet.FusedConv  ["), std::string::npos) << o;
  EXPECT_NE(o.find("      fused: bn1, relu1\n"), std::string::npos) << o;
  EXPECT_NE(o.find("      fused: bn3, add, relu3\n"), std::string::npos) << o;
  EXPECT_NE(o.find("input[1x256x56x56 plain]"), std::string::npos) << o;
  EXPECT_NE(o.find("[64x256x1x1 const]"), std::string::npos) << o;
  if (s.reorders > 0) {
    EXPECT_NE(o.find("castnet.Reorder"), std::string::npos) << o;
    EXPECT_NE(o.find("c]"), std::string::npos) << o;  // a blocked layout such as nchw16c
  }

  // The reference ISA runs the model as written: ten plain steps, nothing fused.
  CliResult ref = cli("info zoo:bottleneck --isa reference --graph");
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  const StepLine rs = step_line(ref.out);
  EXPECT_EQ(rs.steps, 10) << ref.out;
  EXPECT_EQ(rs.reorders, 0) << ref.out;
  EXPECT_EQ(ref.out.find("fused:"), std::string::npos) << ref.out;
  EXPECT_EQ(ref.out.find("castnet."), std::string::npos) << ref.out;
}

TEST_F(CliInfo, DotHasOneNodePerStepAndLabelledEdges) {
  const std::string dot = path("g.dot");
  CliResult r = cli("info zoo:bottleneck --dot '" + dot + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + dot), std::string::npos) << r.out;
  const StepLine s = step_line(r.out);
  const std::string text = read_file(dot);
  ASSERT_EQ(text.rfind("digraph \"bottleneck\" {\n", 0), 0u) << text;
  EXPECT_EQ(text.substr(text.size() - 2), "}\n");
  int step_nodes = 0, dashed = 0, edges = 0;
  for (const std::string& line : lines_of(text)) {
    if (line.rfind("  s", 0) == 0 && line.find(" [shape=") != std::string::npos) {
      ++step_nodes;
      if (line.find("dashed") != std::string::npos) {
        ++dashed;
        EXPECT_NE(line.find("reorder to "), std::string::npos) << line;
      }
    }
    if (line.find(" -> ") != std::string::npos) {
      ++edges;
      EXPECT_NE(line.find("[label=\"1x"), std::string::npos) << line;  // every edge names its shape
    }
  }
  EXPECT_EQ(step_nodes, s.steps) << text;
  EXPECT_EQ(dashed, s.reorders) << text;
  // Inputs and outputs of the graph are drawn too.
  EXPECT_NE(text.find("  in0 [shape=ellipse, label=\"input\\n1x256x56x56\"]"), std::string::npos) << text;
  EXPECT_NE(text.find("  out0 [shape=ellipse"), std::string::npos) << text;
  EXPECT_NE(text.find("fused: bn3, add, relu3\""), std::string::npos) << text;
  // Each step reads at least one non-constant value; the output adds one more edge.
  EXPECT_GE(edges, s.steps + 1) << text;
  // Unfused, the dot has one box per model node and no fused labels.
  CliResult unfused = cli("info zoo:bottleneck --fuse-level 0 --dot '" + dot + "'");
  ASSERT_EQ(unfused.exit_code, 0) << unfused.err;
  EXPECT_EQ(read_file(dot).find("fused:"), std::string::npos);
  expect_usage_error("info zoo:bottleneck --dot '" + path("no_such_dir/g.dot") + "'", "--dot");
}

TEST_F(CliErrors, BadFusionOptions) {
  expect_usage_error("info zoo:bottleneck --fuse-level 4", "--fuse-level");
  expect_usage_error("info zoo:bottleneck --fuse-level O5", "--fuse-level");
  expect_usage_error("run zoo:bottleneck --fuse-level -1", "--fuse-level");
  expect_usage_error("run zoo:bottleneck --fuse-level", "--fuse-level");
  expect_usage_error("bench zoo:bottleneck --fuse-ops -no_such_pattern", "no_such_pattern");
  expect_usage_error("run zoo:bottleneck --fuse-ops +", "--fuse-ops");
  expect_usage_error("run zoo:bottleneck --no-fuse no_such_node", "no_such_node");
  expect_usage_error("info zoo:bottleneck --graph=yes", "--graph");
  expect_usage_error("profile zoo:bottleneck --fuse-level 9", "--fuse-level");
  for (const char* cmd : {"run --help", "bench --help", "info --help", "onnx-test --help", "profile --help"}) {
    CliResult r = cli(cmd);
    EXPECT_EQ(r.exit_code, 0) << cmd;
    for (const char* opt : {"--fuse-level", "--fuse-ops", "--no-fuse"})
      EXPECT_NE(r.out.find(opt), std::string::npos) << cmd << " " << opt;
  }
  EXPECT_NE(cli("info --help").out.find("conv_activation (O1)"), std::string::npos);
}

using CliRun = CliTest;

// Fusion changes rounding, not results: the fused and unfused runs agree closely.
TEST_F(CliRun, FusionLevelsAgree) {
  Tensor x(DType::f32, {1, 256, 56, 56});
  zoo::SplitMix64 rng(21);
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = rng.uniform(-1.0f, 1.0f);
  io::write_npy(path("x.npy"), x);
  const std::string common = "run zoo:bottleneck --threads 2 --input input='" + path("x.npy") + "'";
  CliResult a = cli(common + " --output-dir '" + path("o3") + "'");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  CliResult b = cli(common + " --fuse-level O0 --output-dir '" + path("o0") + "'");
  ASSERT_EQ(b.exit_code, 0) << b.err;
  CliResult c = cli(common + " --no-fuse conv3 --fuse-ops=-conv_activation --output-dir '" + path("mixed") + "'");
  ASSERT_EQ(c.exit_code, 0) << c.err;
  const Tensor y3 = io::read_npy(path("o3/output.npy"));
  const Tensor y0 = io::read_npy(path("o0/output.npy"));
  const Tensor ym = io::read_npy(path("mixed/output.npy"));
  EXPECT_TRUE(all_finite(y0));
  EXPECT_LE(relative_l2(y0, y3), 1e-5);
  EXPECT_LE(relative_l2(ym, y3), 1e-5);
}

TEST_F(CliRun, WritesOutputsAsNpy) {
  CliResult r = cli("run zoo:dwsep_block --output-dir '" + path("out") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("output: f32 1x128x56x56 min="), std::string::npos) << r.out;
  const Tensor y = io::read_npy(path("out/output.npy"));
  EXPECT_EQ(y.shape(), (Shape{1, 128, 56, 56}));
  EXPECT_TRUE(all_finite(y));
}

TEST_F(CliRun, UsesGivenInputFile) {
  Tensor x(DType::f32, {1, 128, 56, 56});
  zoo::SplitMix64 rng(99);
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = rng.uniform(-2.0f, 2.0f);
  io::write_npy(path("x.npy"), x);
  CliResult r = cli("run zoo:dwsep_block --threads 2 --input input='" + path("x.npy") + "' --output-dir '" +
                    path("out") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Options options;
  options.threads = 2;
  Session session(Model::load("zoo:dwsep_block"), options);
  std::vector<Tensor> want = session.run({{"input", x}});
  EXPECT_TRUE(bitwise_equal(io::read_npy(path("out/output.npy")), want.at(0)));
  expect_usage_error("run zoo:dwsep_block --input nosuch='" + path("x.npy") + "' --input input='" +
                     path("x.npy") + "'");
}

using CliBench = CliTest;

TEST_F(CliBench, WritesJson) {
  CliResult r = cli("bench zoo:dwsep_block --iters 2 --warmup 1 --threads 1 --json '" + path("b.json") + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("load "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("first run "), std::string::npos) << r.out;
  const std::string json = read_file(path("b.json"));
  for (const char* key : {"model", "batch", "threads", "iters", "load_ms", "first_run_ms", "median_ms", "p10_ms",
                          "p90_ms", "min_ms", "max_ms", "throughput_ips", "gflops", "isa", "cpu_features"})
    EXPECT_NE(json.find(std::string("\"") + key + "\":"), std::string::npos) << key << "\n" << json;
  EXPECT_NE(json.find("\"iters\": 2,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"threads\": 1,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"model\": \"zoo:dwsep_block\""), std::string::npos) << json;
}

using CliOnnxTest = CliTest;

// Two cases made from the zoo's dwsep block: one whose expected output is right, one wrong.
TEST_F(CliOnnxTest, ReportsPassAndFail) {
  ASSERT_EQ(cli("zoo export dwsep_block -o '" + path("m.onnx") + "'").exit_code, 0);
  Tensor x(DType::f32, {1, 128, 56, 56});
  zoo::SplitMix64 rng(5);
  for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = rng.uniform(-1.0f, 1.0f);
  Options options;
  options.isa = "reference";
  Session session(Model::load(path("m.onnx")), options);
  Tensor y = session.run({{"input", x}}).at(0);
  for (const char* name : {"case_b_good", "case_a_bad"}) {
    fs::create_directories(path(std::string("cases/") + name + "/test_data_set_0"));
    fs::copy_file(path("m.onnx"), path(std::string("cases/") + name + "/model.onnx"));
    io::write_tensor_pb(path(std::string("cases/") + name + "/test_data_set_0/input_0.pb"), x, "input");
  }
  io::write_tensor_pb(path("cases/case_b_good/test_data_set_0/output_0.pb"), y, "output");
  Tensor wrong = y.clone();
  wrong.data_as<float>()[77] += 1.0f;
  io::write_tensor_pb(path("cases/case_a_bad/test_data_set_0/output_0.pb"), wrong, "output");

  CliResult good = cli("onnx-test '" + path("cases/case_b_good") + "'");
  EXPECT_EQ(good.exit_code, 0) << good.out << good.err;
  std::vector<std::string> lines = lines_of(good.out);
  ASSERT_EQ(lines.size(), 2u) << good.out;
  EXPECT_EQ(lines[0].rfind("case_b_good PASS max_abs=", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], "1 passed, 0 failed");

  CliResult both = cli("onnx-test '" + path("cases") + "' --rtol 1e-4 --atol 1e-4");
  EXPECT_EQ(both.exit_code, 1) << both.out << both.err;
  lines = lines_of(both.out);
  ASSERT_EQ(lines.size(), 3u) << both.out;
  EXPECT_EQ(lines[0].rfind("case_a_bad FAIL", 0), 0u) << lines[0];  // sorted by name
  EXPECT_EQ(lines[1].rfind("case_b_good PASS", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2], "1 passed, 1 failed");
}

TEST_F(CliOnnxTest, RunsBackendTestData) {
  const fs::path relu = fs::path(CASTNET_ONNX_TESTDATA) / "node" / "test_relu";
  if (!fs::exists(relu / "model.onnx")) GTEST_SKIP() << "no ONNX test data at " << relu;
  CliResult r = cli("onnx-test '" + relu.string() + "'");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("test_relu PASS"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 passed, 0 failed"), std::string::npos) << r.out;
}

using CliAcceptance = CliTest;

// ResNet-50 exported to ONNX, run by the CLI with the reference operators and with the best ISA
// of this machine: the outputs agree to 1e-5 in relative L2 norm.
TEST_F(CliAcceptance, ResNet50ReferenceMatchesDefaultIsa) {
  const std::string onnx = path("resnet50.onnx");
  CliResult e = cli("zoo export resnet50 -o '" + onnx + "'");
  ASSERT_EQ(e.exit_code, 0) << e.err;
  CliResult ref = cli("run '" + onnx + "' --isa reference --output-dir '" + path("ref") + "'");
  ASSERT_EQ(ref.exit_code, 0) << ref.err;
  CliResult fast = cli("run '" + onnx + "' --output-dir '" + path("fast") + "'");
  ASSERT_EQ(fast.exit_code, 0) << fast.err;
  const Tensor a = io::read_npy(path("ref/logits.npy"));
  const Tensor b = io::read_npy(path("fast/logits.npy"));
  ASSERT_EQ(a.shape(), (Shape{1, 1000}));
  ASSERT_EQ(b.shape(), (Shape{1, 1000}));
  EXPECT_TRUE(all_finite(a));
  EXPECT_LE(relative_l2(b, a), 1e-5);
}

}  // namespace
}  // namespace castnet
