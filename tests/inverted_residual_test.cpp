// The fused inverted-residual block (castnet.InvertedResidual: 1×1 expand → depthwise → 1×1
// project + residual): fused against unfused and reference over randomised shapes on every ISA,
// awkward depthwise geometries, the cases where the rule must not fire, the user's fusion
// switches, and MobileNetV2 at every fusion level.
#include <castnet/castnet.h>
#include <castnet/error.h>
#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <random>
#include <string>
#include <vector>

using namespace castnet;
using castnet::testing::random_tensor;

namespace {

struct Block {
  int64_t batch = 1, c_in = 16, ratio = 6, c_out = 16, h = 9, w = 9;
  int64_t kernel = 3, stride = 1, dilation = 1, pad = 1;
  std::string act_expand = "Clip", act_dw = "Clip", act_project;  // "", "Relu" or "Clip" (ReLU6)
  bool residual = false, batchnorm = true, bias = true;

  int64_t oh() const { return (h + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1; }
  int64_t ow() const { return (w + 2 * pad - dilation * (kernel - 1) - 1) / stride + 1; }
  std::string describe() const {
    return "mb" + std::to_string(batch) + "ic" + std::to_string(c_in) + "t" + std::to_string(ratio) + "oc" +
           std::to_string(c_out) + "h" + std::to_string(h) + "w" + std::to_string(w) + "k" + std::to_string(kernel) +
           "s" + std::to_string(stride) + "d" + std::to_string(dilation) + "p" + std::to_string(pad) +
           " act=" + act_expand + "/" + act_dw + "/" + act_project + (residual ? " +residual" : "") +
           (batchnorm ? " +bn" : "") + (bias ? "" : " nobias");
  }
};

struct Builder : castnet::testing::GraphBuilder {
  Builder() : GraphBuilder(17, "test:inverted_residual") {}

  ir::ValueId conv(ir::ValueId x, int64_t c_in, int64_t c_out, int64_t k, int64_t group, int64_t stride,
                   int64_t dilation, int64_t pad, const std::string& name, bool bias = true) {
    float scale = 1.5f / std::sqrt(static_cast<float>(c_in / group * k * k));
    Tensor w = random_tensor({c_out, c_in / group, k, k}, rng, -scale, scale);
    Tensor b = random_tensor({c_out}, rng, -0.2f, 0.2f);
    std::vector<ir::ValueId> in = {x, value(name + "_w", w.shape(), &w)};
    if (bias) in.push_back(value(name + "_b", b.shape(), &b));
    ir::ValueId y = node("Conv", in, name);
    last().attrs.set_ints("kernel_shape", {k, k});
    last().attrs.set_ints("pads", {pad, pad, pad, pad});
    last().attrs.set_ints("strides", {stride, stride});
    last().attrs.set_ints("dilations", {dilation, dilation});
    last().attrs.set_int("group", group);
    return y;
  }
  ir::ValueId batchnorm(ir::ValueId x, int64_t c, const std::string& name) {
    Tensor gamma = random_tensor({c}, rng, 0.5f, 1.5f), beta = random_tensor({c}, rng, -0.3f, 0.3f);
    Tensor mean = random_tensor({c}, rng, -0.2f, 0.2f), var = random_tensor({c}, rng, 0.5f, 1.5f);
    return node("BatchNormalization",
                {x, value(name + "_g", {c}, &gamma), value(name + "_b", {c}, &beta), value(name + "_m", {c}, &mean),
                 value(name + "_v", {c}, &var)},
                name);
  }
  ir::ValueId activation(ir::ValueId x, const std::string& op, const std::string& name) {
    if (op.empty()) return x;
    if (op == "Clip") {  // ReLU6
      Tensor lo = Tensor::from_vector<float>({}, {0.f}), hi = Tensor::from_vector<float>({}, {6.f});
      return node("Clip", {x, value(name + "_lo", {}, &lo), value(name + "_hi", {}, &hi)}, name);
    }
    return node(op, {x}, name);
  }
};

// The block as separate nodes, named expand / dw / project (+ _bn, _act, add).
Model block_model(const Block& k) {
  Builder b;
  const int64_t ce = k.c_in * k.ratio;
  ir::ValueId x = b.value("x", {k.batch, k.c_in, k.h, k.w});
  ir::ValueId y = b.conv(x, k.c_in, ce, 1, 1, 1, 1, 0, "expand", k.bias);
  if (k.batchnorm) y = b.batchnorm(y, ce, "expand_bn");
  y = b.activation(y, k.act_expand, "expand_act");
  y = b.conv(y, ce, ce, k.kernel, ce, k.stride, k.dilation, k.pad, "dw", k.bias);
  if (k.batchnorm) y = b.batchnorm(y, ce, "dw_bn");
  y = b.activation(y, k.act_dw, "dw_act");
  y = b.conv(y, ce, k.c_out, 1, 1, 1, 1, 0, "project", k.bias);
  if (k.batchnorm) y = b.batchnorm(y, k.c_out, "project_bn");
  if (k.residual) y = b.node("Add", {y, x}, "add");
  y = b.activation(y, k.act_project, "project_act");
  return b.finish({x}, {y});
}

int count_steps(const Session& s, const std::string& op_type) {
  int n = 0;
  for (const auto& step : s.impl().plan().steps) n += step.op_type == op_type;
  return n;
}

std::vector<Isa> fast_isas() {
  std::vector<Isa> out;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512})
    if (isa_supported(isa, CpuFeatures::host())) out.push_back(isa);
  return out;
}

// Fused (one InvertedResidual step) against the same ISA unfused and against the reference.
void expect_fused_matches(const Model& m, int threads, int fused_blocks = 1) {
  castnet::testing::PoisonScope poison;
  std::mt19937 rng(5);
  NamedTensors in;
  for (const TensorInfo& t : m.inputs()) in.push_back({t.name, random_tensor(t.shape, rng)});
  Session ref(m, Options{.threads = 1, .isa = "reference"});
  const Tensor want = ref.run(in)[0];
  for (Isa isa : fast_isas()) {
    SCOPED_TRACE(std::string("isa=") + isa_name(isa) + " threads=" + std::to_string(threads));
    Session fused(m, Options{.threads = threads, .isa = isa_name(isa)});
    Session unfused(m, Options{.threads = threads, .isa = isa_name(isa), .fuse_ops = "-inverted_residual"});
    EXPECT_EQ(count_steps(fused, "InvertedResidual"), fused_blocks);
    EXPECT_EQ(count_steps(unfused, "InvertedResidual"), 0);
    const Tensor got = fused.run(in)[0];
    const Tensor base = unfused.run(in)[0];
    EXPECT_LE(castnet::testing::relative_l2(got, want), 1e-5) << "fused vs reference";
    EXPECT_LE(castnet::testing::relative_l2(got, base), 1e-5) << "fused vs unfused";
    EXPECT_LE(castnet::testing::relative_l2(base, want), 1e-5) << "unfused vs reference";
  }
}

}  // namespace

TEST(InvertedResidual, RandomShapesEveryIsaAndActivation) {
  std::mt19937 rng(2024);
  auto pick = [&](std::initializer_list<int64_t> v) { return *(v.begin() + rng() % v.size()); };
  const char* acts[] = {"", "Relu", "Clip"};
  for (int i = 0; i < 27; ++i) {
    Block k;
    k.batch = i % 2 ? 2 : 1;
    k.c_in = pick({13, 16, 24, 37});
    k.ratio = pick({1, 4, 6});
    k.stride = i % 3 == 2 ? 2 : 1;
    k.residual = k.stride == 1 && i % 4 != 3;
    k.c_out = k.residual ? k.c_in : pick({13, 16, 24, 37});
    k.h = 7 + 2 * static_cast<int64_t>(rng() % 26);  // odd, 7..57
    k.w = 7 + static_cast<int64_t>(rng() % 51);
    if (k.c_in * k.ratio > 150) k.h = std::min<int64_t>(k.h, 31);  // keep the double-precision reference quick
    // Every (expand, depthwise, project) activation triple once over the 27 cases.
    k.act_expand = acts[i % 3];
    k.act_dw = acts[i / 3 % 3];
    k.act_project = acts[i / 9 % 3];
    k.batchnorm = i % 5 != 4;
    k.bias = k.batchnorm || i % 2 == 1;  // cases 4, 14, 24: no bias at all (no BN to fold one in either)
    SCOPED_TRACE(k.describe());
    expect_fused_matches(block_model(k), 1 + i % 3);
  }
}

TEST(InvertedResidual, MobileNetV2Shapes) {
  // features.3 (56×56, stride 1, residual), features.4 (56→28, stride 2), features.5 (28×28).
  for (Block k : {Block{.c_in = 24, .c_out = 24, .h = 56, .w = 56, .residual = true},
                  Block{.c_in = 24, .c_out = 32, .h = 56, .w = 56, .stride = 2},
                  Block{.c_in = 32, .c_out = 32, .h = 28, .w = 28, .residual = true}}) {
    k.act_project = "";
    SCOPED_TRACE(k.describe());
    expect_fused_matches(block_model(k), 2);
  }
}

TEST(InvertedResidual, AwkwardDepthwiseGeometry) {
  // 5×5 windows, dilation, stride 3, padding wider than the image, 1-pixel planes, tall and thin.
  const Block cases[] = {
      {.c_in = 13, .ratio = 4, .c_out = 13, .h = 17, .w = 11, .kernel = 5, .pad = 2, .residual = true},
      {.batch = 2, .c_in = 16, .ratio = 6, .c_out = 24, .h = 19, .w = 23, .kernel = 3, .stride = 2, .dilation = 2, .pad = 2},
      {.c_in = 8, .ratio = 6, .c_out = 8, .h = 25, .w = 14, .kernel = 3, .stride = 3, .pad = 1},
      {.c_in = 16, .ratio = 4, .c_out = 16, .h = 1, .w = 1, .residual = true},
      {.c_in = 13, .ratio = 6, .c_out = 16, .h = 5, .w = 5, .kernel = 3, .pad = 3},
      {.batch = 2, .c_in = 24, .ratio = 6, .c_out = 24, .h = 120, .w = 3, .residual = true},
  };
  for (const Block& k : cases) {
    SCOPED_TRACE(k.describe());
    for (int threads : {1, 3}) expect_fused_matches(block_model(k), threads);
  }
}

TEST(InvertedResidual, DoesNotFireWhereTheIntermediateIsObservableOrTheShapeIsWrong) {
  auto expect_not_fused = [](const Model& m) {
    castnet::testing::PoisonScope poison;
    std::mt19937 rng(3);
    NamedTensors in;
    for (const TensorInfo& t : m.inputs()) in.push_back({t.name, random_tensor(t.shape, rng)});
    Session ref(m, Options{.threads = 1, .isa = "reference"});
    Session fast(m, Options{.threads = 2});
    EXPECT_EQ(count_steps(fast, "InvertedResidual"), 0);
    std::vector<Tensor> want = ref.run(in), got = fast.run(in);
    for (size_t i = 0; i < want.size(); ++i) EXPECT_LE(castnet::testing::relative_l2(got[i], want[i]), 1e-5);
  };
  const int64_t c = 16, ce = 64;
  {  // the expanded tensor has a second reader
    SCOPED_TRACE("expanded tensor read twice");
    Builder b;
    ir::ValueId x = b.value("x", {1, c, 9, 9});
    ir::ValueId e = b.activation(b.conv(x, c, ce, 1, 1, 1, 1, 0, "expand"), "Relu", "expand_act");
    ir::ValueId side = b.node("Sigmoid", {e}, "side");
    ir::ValueId y = b.conv(b.activation(b.conv(e, ce, ce, 3, ce, 1, 1, 1, "dw"), "Relu", "dw_act"), ce, c, 1, 1, 1, 1, 0, "project");
    expect_not_fused(b.finish({x}, {y, side}));
  }
  {  // the expanded tensor is a graph output
    SCOPED_TRACE("expanded tensor is an output");
    Builder b;
    ir::ValueId x = b.value("x", {1, c, 9, 9});
    ir::ValueId e = b.activation(b.conv(x, c, ce, 1, 1, 1, 1, 0, "expand"), "Relu", "expand_act");
    ir::ValueId y = b.conv(b.activation(b.conv(e, ce, ce, 3, ce, 1, 1, 1, "dw"), "Relu", "dw_act"), ce, c, 1, 1, 1, 1, 0, "project");
    expect_not_fused(b.finish({x}, {y, e}));
  }
  {  // the depthwise output is a graph output
    SCOPED_TRACE("depthwise output is an output");
    Builder b;
    ir::ValueId x = b.value("x", {1, c, 9, 9});
    ir::ValueId e = b.activation(b.conv(x, c, ce, 1, 1, 1, 1, 0, "expand"), "Relu", "expand_act");
    ir::ValueId d = b.activation(b.conv(e, ce, ce, 3, ce, 1, 1, 1, "dw"), "Relu", "dw_act");
    ir::ValueId y = b.conv(d, ce, c, 1, 1, 1, 1, 0, "project");
    expect_not_fused(b.finish({x}, {y, d}));
  }
  {  // grouped 1×1 expand: not a GEMM over all channels
    SCOPED_TRACE("grouped expand");
    Builder b;
    ir::ValueId x = b.value("x", {1, c, 9, 9});
    ir::ValueId e = b.activation(b.conv(x, c, ce, 1, 2, 1, 1, 0, "expand"), "Relu", "expand_act");
    ir::ValueId y = b.conv(b.activation(b.conv(e, ce, ce, 3, ce, 1, 1, 1, "dw"), "Relu", "dw_act"), ce, c, 1, 1, 1, 1, 0, "project");
    expect_not_fused(b.finish({x}, {y}));
  }
  {  // 3×3 "expand", and a strided 1×1 expand
    for (int variant = 0; variant < 2; ++variant) {
      SCOPED_TRACE(variant ? "strided expand" : "3x3 expand");
      Builder b;
      ir::ValueId x = b.value("x", {1, c, 9, 9});
      ir::ValueId e = variant ? b.conv(x, c, ce, 1, 1, 2, 1, 0, "expand") : b.conv(x, c, ce, 3, 1, 1, 1, 1, "expand");
      e = b.activation(e, "Relu", "expand_act");
      ir::ValueId y = b.conv(b.activation(b.conv(e, ce, ce, 3, ce, 1, 1, 1, "dw"), "Relu", "dw_act"), ce, c, 1, 1, 1, 1, 0, "project");
      expect_not_fused(b.finish({x}, {y}));
    }
  }
  {  // the project conv adds the depthwise output back as its residual
    SCOPED_TRACE("depthwise output is also the residual");
    Builder b;
    ir::ValueId x = b.value("x", {1, c, 9, 9});
    ir::ValueId e = b.activation(b.conv(x, c, ce, 1, 1, 1, 1, 0, "expand"), "Relu", "expand_act");
    ir::ValueId d = b.activation(b.conv(e, ce, ce, 3, ce, 1, 1, 1, "dw"), "Relu", "dw_act");
    ir::ValueId y = b.node("Add", {b.conv(d, ce, ce, 1, 1, 1, 1, 0, "project"), d}, "add");
    expect_not_fused(b.finish({x}, {y}));
  }
  {  // a dense 3×3 in the middle instead of a depthwise one
    SCOPED_TRACE("dense middle conv");
    Builder b;
    ir::ValueId x = b.value("x", {1, c, 9, 9});
    ir::ValueId e = b.activation(b.conv(x, c, ce, 1, 1, 1, 1, 0, "expand"), "Relu", "expand_act");
    ir::ValueId y = b.conv(b.activation(b.conv(e, ce, ce, 3, 1, 1, 1, 1, "mid"), "Relu", "mid_act"), ce, c, 1, 1, 1, 1, 0, "project");
    expect_not_fused(b.finish({x}, {y}));
  }
}

TEST(InvertedResidual, FusionSwitchesLevelsAndOptOuts) {
  Block k{.c_in = 16, .c_out = 16, .h = 12, .w = 10, .residual = true};
  Model m = block_model(k);
  auto steps = [&](Options o, const std::string& op) {
    o.threads = 1;
    Session s(m, o);
    return count_steps(s, op);
  };
  EXPECT_EQ(steps(Options{}, "InvertedResidual"), 1);
  EXPECT_EQ(steps(Options{.fuse_level = 2}, "InvertedResidual"), 1);
  EXPECT_EQ(steps(Options{.fuse_level = 1}, "InvertedResidual"), 0);
  EXPECT_EQ(steps(Options{.fuse_level = 1, .fuse_ops = "+inverted_residual"}, "InvertedResidual"), 1);
  // Switched off, the depthwise → project pair still fuses into the depthwise-separable block.
  EXPECT_EQ(steps(Options{.fuse_ops = "-inverted_residual"}, "InvertedResidual"), 0);
  EXPECT_EQ(steps(Options{.fuse_ops = "-inverted_residual"}, "DwsepConv"), 1);
  EXPECT_EQ(steps(Options{.fuse_ops = "-dwsep_block"}, "InvertedResidual"), 1);
  for (const char* node : {"expand", "dw", "project"}) {
    SCOPED_TRACE(std::string("no_fuse ") + node);
    EXPECT_EQ(steps(Options{.no_fuse = {node}}, "InvertedResidual"), 0);
  }
  // The step carries every absorbed node's name, and the same FLOPs as the unfused graph.
  Session fused(m, Options{.threads = 1});
  Session unfused(m, Options{.threads = 1, .fuse_ops = "-inverted_residual"});
  bool named = false;
  for (const auto& s : fused.impl().plan().steps)
    if (s.op_type == "InvertedResidual") {
      named = true;
      for (const char* part : {"expand", "expand_bn", "expand_act", "dw", "dw_bn", "dw_act", "project", "project_bn", "add"})
        EXPECT_NE(s.name.find(part), std::string::npos) << s.name << " lacks " << part;
      EXPECT_EQ(s.kernel->algorithm().rfind("invres_fused_", 0), 0u) << s.kernel->algorithm();
    }
  EXPECT_TRUE(named);
  EXPECT_EQ(fused.impl().plan().total_flops, unfused.impl().plan().total_flops);
  EXPECT_LT(fused.impl().plan().arena_bytes, unfused.impl().plan().arena_bytes);
  EXPECT_THROW(Session(m, Options{.fuse_ops = "-inverted_residuals"}), Error);
}

TEST(InvertedResidual, SchemaRejectsMismatchedStages) {
  // A hand-written node whose project weights expect a different number of expanded channels.
  Builder b;
  ir::ValueId x = b.value("x", {1, 8, 6, 6});
  Tensor we = random_tensor({24, 8, 1, 1}, b.rng), wd = random_tensor({24, 1, 3, 3}, b.rng);
  Tensor wp = random_tensor({8, 16, 1, 1}, b.rng);
  ir::ValueId y = b.node("InvertedResidual",
                         {x, b.value("we", we.shape(), &we), ir::kNoValue, b.value("wd", wd.shape(), &wd), ir::kNoValue,
                          b.value("wp", wp.shape(), &wp)},
                         "block");
  b.last().domain = "castnet";
  b.last().attrs.set_int("dw.group", 24);
  b.last().attrs.set_ints("dw.pads", {1, 1, 1, 1});
  try {
    b.finish({x}, {y});
    Session s(Model(b.g), Options{.threads = 1});
    FAIL() << "mismatched project weights accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("project weights"), std::string::npos) << e.what();
  }
}

TEST(InvertedResidual, MobileNetV2EveryFusionLevelMatchesO0) {
  castnet::testing::PoisonScope poison;
  Model model = Model::from_zoo("mobilenetv2", 1);
  std::mt19937 rng(13);
  TensorInfo in = model.inputs()[0];
  Tensor x = random_tensor(in.shape, rng);
  Session o0(model, Options{.threads = 2, .fuse_level = 0});
  Tensor want = o0.run({{in.name, x}})[0];
  for (int level = 1; level <= 3; ++level) {
    SCOPED_TRACE("O" + std::to_string(level));
    Session s(model, Options{.threads = 2, .fuse_level = level});
    // 16 of the 17 blocks have an expand conv (the first, t = 1, is a depthwise-separable pair).
    EXPECT_EQ(count_steps(s, "InvertedResidual"), level >= 2 ? 16 : 0);
    EXPECT_LE(castnet::testing::relative_l2(s.run({{in.name, x}})[0], want), 1e-4);
  }
}
