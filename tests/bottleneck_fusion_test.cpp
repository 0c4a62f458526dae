// Bottleneck fusion (1×1 → 3×3 → 1×1 + residual as one castnet.BottleneckConv): the fused kernel
// against the reference (graph as written, double accumulation) and against the unfused fast
// path, over random shapes (mid channels 13/16/37/64, odd planes, batch 2, several activations,
// identity and projected residuals) on every ISA this CPU has, outputs poisoned first; ResNet-50
// fused vs unfused; and the cases where the rewrite must not fire.
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"
#include "zoo/model_stats.h"

#include <cmath>
#include <random>

using namespace castnet;
using castnet::testing::PoisonScope;
using castnet::testing::random_tensor;
using castnet::testing::relative_l2;

namespace {

// Every fused 3×3 runs as Winograd (F(4×4) on planes of 28 and more): its error bound, as in
// conv_winograd_test.
constexpr double kTolerance = 5e-4;

std::vector<std::string> fast_isas() {
  std::vector<std::string> r;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512})
    if (isa_supported(isa, CpuFeatures::host())) r.push_back(isa_name(isa));
  return r;
}

struct Block {
  int64_t batch = 2, c = 32, mid = 16, out = 32, h = 9, w = 9;
  int64_t stride = 1;
  std::string act1 = "Relu", act2 = "Relu", act3 = "Relu";  // "" for none
  bool residual = true;   // Add after the last conv
  bool identity = true;   // the residual is X itself (else a second input R)
  bool expose_mid = false;  // conv1's output is also a graph output
  bool bias = true;         // the convs have biases

  std::string str() const {
    return "mb" + std::to_string(batch) + "ic" + std::to_string(c) + "mid" + std::to_string(mid) + "oc" +
           std::to_string(out) + "h" + std::to_string(h) + "w" + std::to_string(w) + "s" + std::to_string(stride) +
           " " + act1 + "/" + act2 + "/" + act3 + (residual ? identity ? " +x" : " +r" : "");
  }
};

struct Builder : castnet::testing::GraphBuilder {
  Builder() : GraphBuilder(5, "test:bottleneck") {}
  ir::ValueId conv(ir::ValueId x, int64_t c_in, int64_t c_out, int64_t k, int64_t stride, const std::string& name,
                   bool bias = true) {
    const float s = 1.f / std::sqrt(static_cast<float>(c_in * k * k));
    Tensor w = random_tensor({c_out, c_in, k, k}, rng, -s, s);
    Tensor b = random_tensor({c_out}, rng, -0.2f, 0.2f);
    std::vector<ir::ValueId> in = {x, value(name + "_w", w.shape(), &w)};
    if (bias) in.push_back(value(name + "_b", b.shape(), &b));
    ir::ValueId y = node("Conv", in, name);
    const int64_t p = k / 2;
    last().attrs.set_ints("pads", {p, p, p, p});
    last().attrs.set_ints("strides", {stride, stride});
    return y;
  }
  ir::ValueId activation(const std::string& op, ir::ValueId x, const std::string& name) {
    if (op.empty()) return x;
    if (op == "Clip") {
      Tensor lo = Tensor::from_vector<float>({}, {0.f}), hi = Tensor::from_vector<float>({}, {6.f});
      return node("Clip", {x, value(name + "_lo", {}, &lo), value(name + "_hi", {}, &hi)}, name);
    }
    ir::ValueId y = node(op, {x}, name);
    if (op == "LeakyRelu") last().attrs.set_float("alpha", 0.1f);
    return y;
  }
};

Model block_model(const Block& k) {
  Builder b;
  ir::ValueId x = b.value("x", {k.batch, k.c, k.h, k.w});
  ir::ValueId t1 = b.activation(k.act1, b.conv(x, k.c, k.mid, 1, 1, "conv1", k.bias), "act1");
  ir::ValueId t2 = b.activation(k.act2, b.conv(t1, k.mid, k.mid, 3, k.stride, "conv2", k.bias), "act2");
  ir::ValueId y = b.conv(t2, k.mid, k.out, 1, 1, "conv3", k.bias);
  std::vector<ir::ValueId> inputs = {x};
  if (k.residual) {
    ir::ValueId r = x;
    if (!k.identity) {
      const int64_t oh = (k.h - 1) / k.stride + 1, ow = (k.w - 1) / k.stride + 1;
      r = b.value("r", {k.batch, k.out, oh, ow});
      inputs.push_back(r);
    }
    y = b.node("Add", {y, r}, "add");
  }
  y = b.activation(k.act3, y, "act3");
  std::vector<ir::ValueId> outputs = {y};
  if (k.expose_mid) outputs.push_back(t1);
  return b.finish(inputs, outputs);
}

NamedTensors random_inputs(const Model& m, uint32_t seed) {
  std::mt19937 rng(seed);
  NamedTensors in;
  for (const TensorInfo& t : m.inputs()) in.push_back({t.name, random_tensor(t.shape, rng)});
  return in;
}

// Session options (a function rather than designated initializers, which leave -Wextra
// complaining about every member not named).
Options opts(int threads, const std::string& isa, int level, const std::string& fuse_ops,
             std::vector<std::string> no_fuse = {}) {
  Options o;
  o.threads = threads;
  o.isa = isa;
  o.fuse_level = level;
  o.fuse_ops = fuse_ops;
  o.no_fuse = std::move(no_fuse);
  return o;
}

int count_steps(const Session& s, const std::string& op) {
  int n = 0;
  for (const auto& step : s.impl().plan().steps) n += step.op_type == op;
  return n;
}

// The fused kernel (forced on with +bottleneck; `fusable` false: the block is left as three
// kernels even so) and the unfused fast path both match the reference on every ISA and thread
// count given.
void check_block(const Block& k, std::initializer_list<int> threads = {1, 2}, bool fusable = true) {
  SCOPED_TRACE(k.str());
  PoisonScope poison;
  Model m = block_model(k);
  NamedTensors in = random_inputs(m, 3);
  std::vector<Tensor> want = Session(m, opts(1, "reference", 3, "")).run(in);
  for (const std::string& isa : fast_isas())
    for (int t : threads) {
      SCOPED_TRACE(isa + " threads=" + std::to_string(t));
      Session fused(m, opts(t, isa, 3, "+bottleneck"));
      ASSERT_EQ(count_steps(fused, "BottleneckConv"), fusable ? 1 : 0);
      for (const auto& step : fused.impl().plan().steps) {
        if (step.op_type == "BottleneckConv") {
          EXPECT_EQ(step.kernel->algorithm().rfind("bottleneck_fused_", 0), 0u);
        }
      }
      Session unfused(m, opts(t, isa, 3, "-bottleneck"));
      EXPECT_EQ(count_steps(unfused, "BottleneckConv"), 0);
      std::vector<Tensor> got = fused.run(in), ref3 = unfused.run(in);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_LE(relative_l2(got[i], want[i]), kTolerance) << "fused, output " << i;
        EXPECT_LE(relative_l2(ref3[i], want[i]), kTolerance) << "unfused, output " << i;
      }
    }
}

}  // namespace

// Named edges: channel tails (13, 37: not a multiple of 8 or 16), planes that are not a multiple
// of the Winograd tile, 1-pixel-wide planes, no activation, projected residual, no residual.
TEST(BottleneckFusion, NamedEdges) {
  check_block({.batch = 2, .c = 26, .mid = 13, .out = 26, .h = 5, .w = 7});
  check_block({.batch = 2, .c = 37, .mid = 37, .out = 37, .h = 11, .w = 6, .act1 = "Clip", .act2 = "LeakyRelu"});
  check_block({.batch = 1, .c = 16, .mid = 16, .out = 40, .h = 1, .w = 9, .act3 = "", .identity = false});
  check_block({.batch = 2, .c = 24, .mid = 16, .out = 20, .h = 7, .w = 1, .act1 = "", .act2 = "", .residual = false});
  check_block({.batch = 2, .c = 8, .mid = 8, .out = 8, .h = 6, .w = 5, .bias = false});
  // Batch 1 on 2 and 3 threads: the plane split into segments, each with several bands (64 mid
  // channels at 57×57: a band's buffers outgrow L2 unless it is one tile row), so the halo rows
  // carried from band to band are exercised, and the segment seams.
  check_block({.batch = 1, .c = 64, .mid = 64, .out = 64, .h = 57, .w = 53}, {1, 2, 3});
}

TEST(BottleneckFusion, RandomShapes) {
  std::mt19937 rng(17);
  const int64_t mids[] = {13, 16, 37, 64};
  const char* acts[] = {"Relu", "Clip", "LeakyRelu", ""};
  for (int i = 0; i < 8; ++i) {
    Block k;
    k.mid = mids[i % 4];
    k.c = k.mid * (1 + static_cast<int64_t>(rng() % 2));
    k.identity = rng() % 3 != 0;
    k.out = k.identity ? k.c : k.mid * 2 + 3;
    k.h = 5 + static_cast<int64_t>(rng() % 27) * 2;  // odd, 5..57
    k.w = 5 + static_cast<int64_t>(rng() % 27) * 2;
    k.act1 = acts[rng() % 4];
    k.act2 = acts[rng() % 4];
    k.act3 = i % 2 ? "Relu" : "";
    check_block(k);
  }
}

// The whole of ResNet-50 with every eligible bottleneck fused matches the unfused graph (O0: no
// BatchNorm folding either) on every ISA; 13 of its 16 blocks qualify (stages 2–4 open with a
// stride-2 3×3, which is left as three kernels). FLOPs are unchanged by the rewrite.
TEST(BottleneckFusion, ResNet50FusedMatchesUnfused) {
  PoisonScope poison;
  Model m = Model::from_zoo("resnet50", 1);
  NamedTensors in = random_inputs(m, 4);
  for (const std::string& isa : fast_isas()) {
    SCOPED_TRACE(isa);
    Session o0(m, opts(2, isa, 0, ""));
    Session all(m, opts(2, isa, 3, "+bottleneck"));
    EXPECT_EQ(count_steps(all, "BottleneckConv"), 13);
    EXPECT_LE(relative_l2(all.run(in)[0], o0.run(in)[0]), 1e-4);
    if (isa == fast_isas().back()) {
      Session o2(m, opts(2, isa, 2, ""));
      ir::Graph g2 = o2.impl().graph(), g3 = all.impl().graph();
      EXPECT_EQ(zoo::count_flops(g3).total(), zoo::count_flops(g2).total());
      // Opt-in only: level 3 alone leaves every block as three kernels.
      Session o3(m, opts(2, isa, 3, ""));
      EXPECT_EQ(count_steps(o3, "BottleneckConv"), 0);
    }
  }
}

// Cases where the rewrite must not fire: an intermediate that something else observes, a node
// opted out by name, a stride-2 3×3, a level or pattern list that leaves it off, the reference
// ISA.
TEST(BottleneckFusion, DoesNotFire) {
  const Block base{.batch = 1, .c = 16, .mid = 16, .out = 16, .h = 8, .w = 8};
  auto fused_steps = [](const Model& m, const std::string& fuse_ops, int level = 3, std::vector<std::string> no_fuse = {},
                        const std::string& isa = "") {
    return count_steps(Session(m, opts(1, isa, level, fuse_ops, std::move(no_fuse))), "BottleneckConv");
  };
  const Model plain = block_model(base);
  EXPECT_EQ(fused_steps(plain, "+bottleneck"), 1);  // the control
  Block exposed = base;
  exposed.expose_mid = true;
  EXPECT_EQ(fused_steps(block_model(exposed), "+bottleneck"), 0);
  for (const char* node : {"conv1", "conv2", "conv3"})
    EXPECT_EQ(fused_steps(plain, "+bottleneck", 3, {node}), 0) << node;
  Block strided = base;
  strided.stride = 2;
  strided.identity = false;
  EXPECT_EQ(fused_steps(block_model(strided), "+bottleneck"), 0);
  EXPECT_EQ(fused_steps(plain, "+bottleneck,-bottleneck", 2), 0);
  EXPECT_EQ(fused_steps(plain, "", 2), 0);
  EXPECT_EQ(fused_steps(plain, "+bottleneck", 3, {}, "reference"), 0);
  // Opt-in: no level turns it on; +bottleneck fuses small and large planes alike.
  EXPECT_EQ(fused_steps(plain, ""), 0);
  EXPECT_EQ(fused_steps(plain, "", 3), 0);
  Block wide = base;
  wide.h = wide.w = 56;
  EXPECT_EQ(fused_steps(block_model(wide), "+bottleneck"), 1);
  // Strided blocks still compute correctly (as three kernels).
  check_block(strided, {2}, /*fusable=*/false);
}

// A BottleneckConv whose weights do not chain is refused with a clear error, not run.
TEST(BottleneckFusion, InconsistentNodeIsAnError) {
  Builder b;
  ir::ValueId x = b.value("x", {1, 8, 6, 6});
  Tensor w1 = random_tensor({4, 8, 1, 1}, b.rng), w2 = random_tensor({4, 4, 3, 3}, b.rng);
  Tensor w3 = random_tensor({8, 5, 1, 1}, b.rng);  // 5 input channels after a 4-channel 3×3
  ir::ValueId none = ir::kNoValue;
  ir::ValueId y = b.node("BottleneckConv",
                         {x, b.value("w1", w1.shape(), &w1), none, b.value("w2", w2.shape(), &w2), none,
                          b.value("w3", w3.shape(), &w3)},
                         "bn");
  b.last().domain = "castnet";
  b.last().attrs.set_ints("c2.pads", {1, 1, 1, 1});
  try {
    Model m = b.finish({x}, {y});
    Session s(m, opts(1, "", 3, ""));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("do not fit"), std::string::npos) << e.what();
  }
}
