// Conv + residual Add + activation fusion: fused vs reference for every activation, on the
// direct and depthwise kernels, odd channel counts, stride 2 and batch 2; and the cases where
// the rule must not fire.
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <random>

using namespace castnet;
using castnet::testing::random_tensor;

namespace {

struct Builder : castnet::testing::GraphBuilder {
  Builder() : GraphBuilder(3, "test:fusion") {}
  ir::ValueId conv(ir::ValueId x, int64_t c_in, int64_t c_out, int64_t group, int64_t stride, const std::string& name) {
    Tensor w = random_tensor({c_out, c_in / group, 3, 3}, rng, -0.3f, 0.3f);
    Tensor b = random_tensor({c_out}, rng);
    ir::ValueId y = node("Conv", {x, value(name + "_w", w.shape(), &w), value(name + "_b", b.shape(), &b)}, name);
    last().attrs.set_ints("pads", {1, 1, 1, 1});
    last().attrs.set_ints("strides", {stride, stride});
    last().attrs.set_int("group", group);
    return y;
  }
};

void expect_matches_reference(const Model& m, int expected_steps = -1) {
  castnet::testing::PoisonScope poison;
  std::mt19937 rng(9);
  NamedTensors in;
  for (const TensorInfo& t : m.inputs()) in.push_back({t.name, random_tensor(t.shape, rng)});
  Session ref(m, Options{.threads = 1, .isa = "reference"});
  Session fast(m, Options{.threads = 2});
  std::vector<Tensor> want = ref.run(in), got = fast.run(in);
  for (size_t i = 0; i < want.size(); ++i) EXPECT_LE(castnet::testing::relative_l2(got[i], want[i]), 1e-5) << "output " << i;
  if (expected_steps >= 0) {
    int kernels = 0;
    for (const auto& s : fast.impl().plan().steps) kernels += s.op_type != "Reorder";
    EXPECT_EQ(kernels, expected_steps);
  }
}

// Adds the activation `op` after value x.
ir::ValueId activation(Builder& b, const std::string& op, ir::ValueId x) {
  if (op == "Clip") {
    Tensor lo = Tensor::from_vector<float>({}, {-0.5f}), hi = Tensor::from_vector<float>({}, {0.75f});
    return b.node("Clip", {x, b.value("lo", {}, &lo), b.value("hi", {}, &hi)}, "act");
  }
  ir::ValueId y = b.node(op, {x}, "act");
  if (op == "LeakyRelu") b.last().attrs.set_float("alpha", 0.13f);
  if (op == "HardSigmoid") b.last().attrs.set_float("alpha", 0.3f), b.last().attrs.set_float("beta", 0.4f);
  return y;
}

}  // namespace

TEST(Fusion, EveryActivationWithAndWithoutResidual) {
  for (std::string op : {"Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid"})
    for (bool residual : {false, true})
      for (int64_t group : {1, 13}) {
        SCOPED_TRACE(op + (residual ? " +residual" : "") + " group=" + std::to_string(group));
        Builder b;
        ir::ValueId x = b.value("x", {2, 13, 9, 7});
        ir::ValueId y = b.conv(x, 13, 13, group, 1, "conv");
        std::vector<ir::ValueId> inputs = {x};
        if (residual) {
          ir::ValueId r = b.value("r", {2, 13, 9, 7});
          inputs.push_back(r);
          y = b.node("Add", {r, y}, "add");
        }
        y = activation(b, op, y);
        expect_matches_reference(b.finish(inputs, {y}), 1);  // one fused kernel
      }
}

TEST(Fusion, StridedDirectConvWithResidual) {
  Builder b;
  ir::ValueId x = b.value("x", {1, 37, 15, 15});
  ir::ValueId r = b.value("r", {1, 21, 8, 8});
  ir::ValueId y = b.conv(x, 37, 21, 1, 2, "conv");
  y = b.node("Add", {y, r}, "add");
  y = b.node("Relu", {y}, "relu");
  expect_matches_reference(b.finish({x, r}, {y}), 1);
}

TEST(Fusion, DoesNotFireWhenTheIntermediateIsObservable) {
  {  // the conv output also feeds a second reader: the Relu cannot be absorbed
    Builder b;
    ir::ValueId x = b.value("x", {1, 8, 6, 6});
    ir::ValueId c = b.conv(x, 8, 8, 1, 1, "conv");
    ir::ValueId r = b.node("Relu", {c}, "relu");
    ir::ValueId s = b.node("Sigmoid", {c}, "sig");
    expect_matches_reference(b.finish({x}, {r, s}), 3);
  }
  {  // the conv output is a graph output itself
    Builder b;
    ir::ValueId x = b.value("x", {1, 8, 6, 6});
    ir::ValueId c = b.conv(x, 8, 8, 1, 1, "conv");
    ir::ValueId r = b.node("Relu", {c}, "relu");
    expect_matches_reference(b.finish({x}, {c, r}), 2);
  }
  {  // grouped (not depthwise) conv: no fused kernel exists, so nothing is fused
    Builder b;
    ir::ValueId x = b.value("x", {1, 8, 6, 6});
    ir::ValueId c = b.conv(x, 8, 8, 2, 1, "conv");
    ir::ValueId r = b.node("Relu", {c}, "relu");
    expect_matches_reference(b.finish({x}, {r}), 2);
  }
}

TEST(Fusion, SmallChannelConvChainUsesIm2colOnBlockedInput) {
  Builder b;
  ir::ValueId x = b.value("x", {2, 2, 11, 9});
  ir::ValueId y = b.conv(x, 2, 2, 1, 1, "conv1");
  y = b.node("Relu", {y}, "relu");
  y = b.conv(y, 2, 3, 1, 2, "conv2");
  expect_matches_reference(b.finish({x}, {y}), 2);
}

TEST(Fusion, UserRulesLevelsPatternsAndFrozenNodes) {
  auto build = [] {
    Builder b;
    ir::ValueId x = b.value("x", {1, 8, 6, 6});
    ir::ValueId r = b.value("r", {1, 8, 6, 6});
    ir::ValueId y = b.conv(x, 8, 8, 1, 1, "conv");
    y = b.node("Add", {y, r}, "add");
    y = b.node("Relu", {y}, "relu");
    return b.finish({x, r}, {y});
  };
  Model m = build();
  auto kernel_steps = [&](Options o) {
    Session s(m, o);
    int k = 0;
    for (const auto& st : s.impl().plan().steps) k += st.op_type != "Reorder";
    return k;
  };
  EXPECT_EQ(kernel_steps(Options{.threads = 1}), 1);                                 // conv+add+relu
  EXPECT_EQ(kernel_steps(Options{.threads = 1, .fuse_level = 0}), 3);                // nothing fused
  EXPECT_EQ(kernel_steps(Options{.threads = 1, .fuse_ops = "-conv_add"}), 3);        // add blocks the chain
  EXPECT_EQ(kernel_steps(Options{.threads = 1, .fuse_ops = "-conv_activation"}), 2); // conv+add, relu
  EXPECT_EQ(kernel_steps(Options{.threads = 1, .no_fuse = {"relu"}}), 2);            // relu left alone
  EXPECT_EQ(kernel_steps(Options{.threads = 1, .no_fuse = {"conv"}}), 3);            // conv untouched
  EXPECT_EQ(kernel_steps(Options{.threads = 1, .fuse_level = 0, .fuse_ops = "+conv_add"}), 2);
  EXPECT_THROW(Session(m, Options{.fuse_ops = "-nonsense"}), Error);
  EXPECT_THROW(Session(m, Options{.fuse_level = 7}), Error);
  expect_matches_reference(m, 1);
}

namespace {
// DW3×3 (+BN folded as bias) → act → PW1×1 → act [+ residual], the depthwise-separable block.
Model dwsep_model(int64_t c, int64_t m, int64_t stride, int64_t batch, int64_t h, int64_t w,
                  const std::string& act, bool residual) {
  Builder b;
  ir::ValueId x = b.value("x", {batch, c, h, w});
  ir::ValueId y = b.conv(x, c, c, c, stride, "dw");
  y = activation(b, act, y);
  b.last().name = "dw_act";
  Tensor pw = random_tensor({m, c, 1, 1}, b.rng, -0.3f, 0.3f);
  Tensor pb = random_tensor({m}, b.rng);
  y = b.node("Conv", {y, b.value("pw_w", pw.shape(), &pw), b.value("pw_b", pb.shape(), &pb)}, "pw");
  std::vector<ir::ValueId> inputs = {x};
  if (residual) {
    int64_t oh = (h + 2 - 3) / stride + 1, ow = (w + 2 - 3) / stride + 1;
    ir::ValueId r = b.value("r", {batch, m, oh, ow});
    inputs.push_back(r);
    y = b.node("Add", {y, r}, "add");
  }
  y = b.node("Relu", {y}, "pw_relu");
  return b.finish(inputs, {y});
}
}  // namespace

TEST(Fusion, DepthwiseSeparableBlockInOnePass) {
  struct Case { int64_t c, m, stride, batch, h, w; const char* act; bool residual; };
  const Case cases[] = {
      {128, 128, 1, 1, 14, 14, "Relu", false}, {13, 37, 1, 2, 9, 7, "Clip", false},
      {37, 13, 2, 1, 11, 10, "HardSwish", true}, {16, 16, 1, 1, 1, 1, "Relu", true},
      {24, 40, 2, 2, 15, 15, "LeakyRelu", false}, {32, 32, 1, 1, 40, 3, "Sigmoid", true},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(std::to_string(k.c) + "->" + std::to_string(k.m) + " s" + std::to_string(k.stride) + " " + k.act);
    Model m = dwsep_model(k.c, k.m, k.stride, k.batch, k.h, k.w, k.act, k.residual);
    expect_matches_reference(m, 1);  // one fused step
    Session o1(m, Options{.threads = 1, .fuse_level = 1});
    int steps = 0;
    for (const auto& s : o1.impl().plan().steps) steps += s.op_type != "Reorder";
    EXPECT_EQ(steps, 2);  // level 1: the two convs with their epilogues
  }
  // Opted out by name, or the intermediate is observable: no block fusion.
  Model m = dwsep_model(16, 16, 1, 1, 8, 8, "Relu", false);
  Session frozen(m, Options{.threads = 1, .no_fuse = {"pw"}});
  for (const auto& s : frozen.impl().plan().steps) EXPECT_NE(s.op_type, "DwsepConv");
}
