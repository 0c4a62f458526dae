// In-place reuse in the memory plan: a step's output takes over an input's buffer when the kernel
// allows it (OpKernel::may_overwrite_input) and the step is that input's last reader. Checked
// against the reference with poisoned arenas, and on the cases where sharing must not happen
// (the input is read later, or read twice by the same step).
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <random>

using namespace castnet;
using castnet::testing::random_tensor;

namespace {

struct Builder : castnet::testing::GraphBuilder {
  Builder() : GraphBuilder(21, "test:inplace") {}
  ir::ValueId conv(ir::ValueId x, int64_t c_in, int64_t c_out, int64_t k, const std::string& name) {
    Tensor w = random_tensor({c_out, c_in, k, k}, rng, -0.3f, 0.3f);
    Tensor b = random_tensor({c_out}, rng);
    ir::ValueId y = node("Conv", {x, value(name + "_w", w.shape(), &w), value(name + "_b", b.shape(), &b)}, name);
    last().attrs.set_ints("pads", {k / 2, k / 2, k / 2, k / 2});
    return y;
  }
};

// Runs m on the reference and on the fast path (poisoned), compares, and returns the fast plan's
// count of in-place outputs.
int check(const Model& m, const Options& fast_options) {
  castnet::testing::PoisonScope poison;
  std::mt19937 rng(4);
  NamedTensors in;
  for (const TensorInfo& t : m.inputs()) in.push_back({t.name, random_tensor(t.shape, rng)});
  Session ref(m, Options{.threads = 1, .isa = "reference"});
  Session fast(m, fast_options);
  std::vector<Tensor> want = ref.run(in), got = fast.run(in);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_LE(castnet::testing::relative_l2(got[i], want[i]), 1e-5) << "output " << i;
  // Twice: the second run starts from the first run's leftovers in a reused arena.
  got = fast.run(in);
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_LE(castnet::testing::relative_l2(got[i], want[i]), 1e-5) << "output " << i << ", second run";
  const plan::Plan& p = fast.impl().plan();
  EXPECT_LE(p.arena_bytes, p.largest_live_pair_bytes * 3 / 2 + 4096);
  return p.inplace_outputs;
}

Options unfused(const char* isa = "") {
  Options o;
  o.threads = 2;
  o.isa = isa;
  o.fuse_level = 0;
  return o;
}

}  // namespace

TEST(InplaceMemory, ActivationChainReusesOneBuffer) {
  for (const char* isa : {"avx512", "avx2", "generic"}) {
    SCOPED_TRACE(isa);
    Builder b;
    ir::ValueId x = b.value("x", {2, 13, 9, 7});
    ir::ValueId y = b.conv(x, 13, 13, 3, "conv");
    y = b.node("Relu", {y}, "relu1");
    y = b.node("Sigmoid", {y}, "sig");
    y = b.node("Relu", {y}, "relu2");
    ir::ValueId z = b.conv(y, 13, 5, 1, "head");
    // Relu and Sigmoid each take over their input; the head conv cannot (different size).
    EXPECT_EQ(check(b.finish({x}, {z}), unfused(isa)), 3);
  }
}

TEST(InplaceMemory, NoSharingWhenTheInputIsReadLater) {
  Builder b;
  ir::ValueId x = b.value("x", {1, 16, 8, 8});
  ir::ValueId c = b.conv(x, 16, 16, 3, "conv");
  ir::ValueId r = b.node("Relu", {c}, "relu");   // c is read again by the Add: relu must not overwrite it
  ir::ValueId s = b.node("Add", {c, r}, "add");  // the last reader of both: may overwrite one
  ir::ValueId z = b.conv(s, 16, 3, 1, "head");
  EXPECT_EQ(check(b.finish({x}, {z}), unfused()), 1);
}

TEST(InplaceMemory, NoSharingWhenTheStepReadsTheInputTwice) {
  Builder b;
  ir::ValueId x = b.value("x", {1, 16, 8, 8});
  ir::ValueId c = b.conv(x, 16, 16, 3, "conv");
  ir::ValueId s = b.node("Add", {c, c}, "double");  // out may not alias an operand it reads twice
  ir::ValueId z = b.conv(s, 16, 3, 1, "head");
  EXPECT_EQ(check(b.finish({x}, {z}), unfused()), 0);
}

TEST(InplaceMemory, GraphInputsAndOutputsAreNeverShared) {
  Builder b;
  ir::ValueId x = b.value("x", {1, 8, 5, 5});
  ir::ValueId r = b.node("Relu", {x}, "relu");  // x belongs to the caller
  ir::ValueId s = b.node("Sigmoid", {r}, "sig");
  Options o = unfused();
  EXPECT_EQ(check(b.finish({x}, {r, s}), o), 0);  // r is a graph output: sig writes its own
}

TEST(InplaceMemory, FusedResidualOutputTakesTheResidualBuffer) {
  for (const char* isa : {"avx512", "avx2", "generic"}) {
    SCOPED_TRACE(isa);
    Builder b;
    ir::ValueId x = b.value("x", {2, 24, 11, 13});
    ir::ValueId a = b.conv(x, 24, 24, 3, "a");
    ir::ValueId m = b.conv(a, 24, 24, 3, "m");
    ir::ValueId c = b.conv(m, 24, 24, 3, "c");  // Winograd or direct, with a's output as residual
    ir::ValueId s = b.node("Add", {c, a}, "add");
    s = b.node("Relu", {s}, "relu");
    ir::ValueId z = b.conv(s, 24, 7, 1, "head");
    Options o;
    o.threads = 2;
    o.isa = isa;
    o.fuse_level = 1;
    EXPECT_GE(check(b.finish({x}, {z}), o), 1);
  }
}

TEST(InplaceMemory, ZooModelsStayWithinOneAndAHalfLargestPairs) {
  for (const char* name : {"resnet18", "resnet50", "mobilenetv2"}) {
    SCOPED_TRACE(name);
    Session s(Model::from_zoo(name), Options{.threads = 1});
    const plan::Plan& p = s.impl().plan();
    EXPECT_GT(p.largest_live_pair_bytes, 0u);
    EXPECT_LE(p.arena_bytes, p.largest_live_pair_bytes * 3 / 2);
  }
}

// A 1×1 conv whose weights are split into input-channel chunks stores partial sums before the
// residual is added: its output must not take over the residual's buffer.
TEST(InplaceMemory, ChunkedDirectConvKeepsTheResidualApart) {
  Builder b;
  ir::ValueId x = b.value("x", {1, 64, 7, 7});
  ir::ValueId a = b.conv(x, 64, 1024, 1, "a");
  ir::ValueId m = b.conv(a, 1024, 1024, 1, "m");
  ir::ValueId c = b.conv(m, 1024, 1024, 1, "c");
  ir::ValueId s = b.node("Add", {c, a}, "add");
  ir::ValueId z = b.conv(s, 1024, 8, 1, "head");
  Options o;
  o.threads = 2;
  o.fuse_level = 1;
  check(b.finish({x}, {z}), o);
}
