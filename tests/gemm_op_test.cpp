// Gemm, MatMul and castnet.FusedGemm on the packed SGEMM driver (src/ops/gemm/gemm_op.cpp) against
// the reference session, on every ISA this CPU runs: every Gemm attribute combination with every
// shape of C, constant and runtime weights, numpy MatMul shapes (1-d operands, broadcast batch
// axes), and Gemm + activation fusion, including the cases where it must not fire. Outputs are
// poisoned (NaN) before each run, so an element the fast kernel forgets to write shows.
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace castnet;
using castnet::testing::random_tensor;

namespace {

std::vector<std::string> fast_isas() {
  std::vector<std::string> r;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512})
    if (isa_supported(isa, CpuFeatures::host())) r.push_back(isa_name(isa));
  return r;
}

// A graph built in code; values are runtime inputs unless given a constant.
struct Builder {
  std::shared_ptr<ir::Graph> g = std::make_shared<ir::Graph>();
  std::vector<ir::ValueId> inputs;
  std::mt19937 rng{11};

  ir::ValueId input(const std::string& name, Shape shape) {
    ir::Value v;
    v.name = name;
    v.has_shape = true;
    v.shape = std::move(shape);
    ir::ValueId id = g->add_value(std::move(v));
    inputs.push_back(id);
    return id;
  }
  ir::ValueId constant(const std::string& name, const Tensor& t) {
    ir::Value v;
    v.name = name;
    v.has_shape = true;
    v.shape = t.shape();
    v.constant = std::make_shared<Tensor>(t);
    v.is_initializer = true;
    return g->add_value(std::move(v));
  }
  // A random operand, constant or a runtime input.
  ir::ValueId operand(const std::string& name, const Shape& shape, bool is_constant) {
    return is_constant ? constant(name, random_tensor(shape, rng)) : input(name, shape);
  }
  ir::ValueId node(const std::string& op, std::vector<ir::ValueId> in, const std::string& name) {
    ir::Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(in);
    ir::Value out;
    out.name = name + "_out";
    n.outputs = {g->add_value(std::move(out))};
    g->nodes.push_back(n);
    return n.outputs[0];
  }
  ir::Node& last() { return g->nodes.back(); }
  Model finish(std::vector<ir::ValueId> outputs) {
    g->source = "test:gemm_op";
    g->inputs = inputs;
    g->outputs = std::move(outputs);
    g->verify_and_sort();
    return Model(g);
  }
};

int kernel_steps(const Session& s) {
  int k = 0;
  for (const auto& st : s.impl().plan().steps) k += st.op_type != "Reorder";
  return k;
}

// Runs `m` on the reference and on every fast ISA (1 and 2 threads), outputs poisoned; each must
// match within 1e-5 relative L2, and each fast plan must run the packed kernels (not the
// reference) for its Gemm/MatMul steps and have `expected_steps` kernels when that is given.
void expect_matches_reference(const Model& m, const std::string& what, int expected_steps = -1) {
  castnet::testing::PoisonScope poison;
  std::mt19937 rng(5);
  NamedTensors in;
  for (const TensorInfo& t : m.inputs()) in.push_back({t.name, random_tensor(t.shape, rng)});
  Session ref(m, Options{.threads = 1, .isa = "reference"});
  const std::vector<Tensor> want = ref.run(in);
  for (const std::string& isa : fast_isas())
    for (int threads : {1, 2}) {
      Session fast(m, Options{.threads = threads, .isa = isa});
      const std::vector<Tensor> got = fast.run(in);
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < want.size(); ++i) {
        ASSERT_EQ(got[i].shape(), want[i].shape()) << what << " isa=" << isa;
        EXPECT_LE(castnet::testing::relative_l2(got[i], want[i]), 1e-5)
            << what << " isa=" << isa << " threads=" << threads << " output " << i;
      }
      for (const auto& st : fast.impl().plan().steps) {
        if (st.op_type != "Gemm" && st.op_type != "MatMul" && st.op_type != "FusedGemm") continue;
        const std::string algo = st.kernel->algorithm();
        EXPECT_TRUE(algo.rfind("gemm_", 0) == 0 || algo.rfind("matmul_", 0) == 0)
            << what << " isa=" << isa << ": " << st.name << " ran " << algo;
      }
      if (expected_steps >= 0) {
        EXPECT_EQ(kernel_steps(fast), expected_steps) << what << " isa=" << isa;
      }
    }
}

struct GemmCase {
  int64_t m, n, k;
  bool trans_a, trans_b;
  float alpha, beta;
  Shape c;  // {-1}: no C
  bool constant_weights;  // B and C constant (a classifier) or runtime inputs

  std::string describe() const {
    std::ostringstream s;
    s << "Gemm m=" << m << " n=" << n << " k=" << k << " transA=" << trans_a << " transB=" << trans_b
      << " alpha=" << alpha << " beta=" << beta << " C=" << (c == Shape{-1} ? "none" : shape_to_string(c))
      << " constant_weights=" << constant_weights;
    return s.str();
  }
};

Model gemm_model(const GemmCase& tc, const std::string& activation = "") {
  Builder b;
  ir::ValueId a = b.input("a", tc.trans_a ? Shape{tc.k, tc.m} : Shape{tc.m, tc.k});
  ir::ValueId w = b.operand("b", tc.trans_b ? Shape{tc.n, tc.k} : Shape{tc.k, tc.n}, tc.constant_weights);
  std::vector<ir::ValueId> in = {a, w};
  if (tc.c != Shape{-1}) in.push_back(b.operand("c", tc.c, tc.constant_weights));
  ir::ValueId y = b.node("Gemm", in, "gemm");
  b.last().attrs.set_int("transA", tc.trans_a);
  b.last().attrs.set_int("transB", tc.trans_b);
  b.last().attrs.set_float("alpha", tc.alpha);
  b.last().attrs.set_float("beta", tc.beta);
  if (!activation.empty()) {
    if (activation == "Clip") {
      Tensor lo = Tensor::from_vector<float>({}, {-0.25f}), hi = Tensor::from_vector<float>({}, {0.5f});
      y = b.node("Clip", {y, b.constant("lo", lo), b.constant("hi", hi)}, "act");
    } else {
      y = b.node(activation, {y}, "act");
      if (activation == "LeakyRelu") b.last().attrs.set_float("alpha", 0.13f);
      if (activation == "HardSigmoid") b.last().attrs.set_float("alpha", 0.3f), b.last().attrs.set_float("beta", 0.4f);
    }
  }
  return b.finish({y});
}

}  // namespace

TEST(GemmOp, EveryAttributeCombinationAndShapeOfC) {
  const int64_t m = 7, n = 37, k = 19;
  const std::vector<Shape> c_shapes = {{-1}, {}, {1}, {n}, {1, n}, {m, 1}, {1, 1}, {m, n}};
  for (bool ta : {false, true})
    for (bool tb : {false, true})
      for (float alpha : {1.0f, -0.5f})
        for (float beta : {1.0f, 0.0f, 2.5f})
          for (const Shape& c : c_shapes)
            for (bool constant_weights : {false, true}) {
              const GemmCase tc{m, n, k, ta, tb, alpha, beta, c, constant_weights};
              SCOPED_TRACE(tc.describe());
              expect_matches_reference(gemm_model(tc), tc.describe(), 1);
            }
}

TEST(GemmOp, SizesAcrossTileAndBlockEdges) {
  struct Size { int64_t m, n, k; };
  for (Size s : {Size{1, 1, 1}, Size{1, 1000, 300}, Size{3, 1000, 512}, Size{13, 65, 257}, Size{64, 33, 1},
                 Size{129, 17, 40}})
    for (bool tb : {false, true}) {
      const GemmCase tc{s.m, s.n, s.k, false, tb, 1.0f, 1.0f, {s.n}, true};
      SCOPED_TRACE(tc.describe());
      expect_matches_reference(gemm_model(tc), tc.describe(), 1);
    }
}

TEST(GemmOp, EmptyInnerDimensionGivesBetaTimesC) {
  const GemmCase tc{4, 5, 0, false, false, 1.0f, 0.5f, {4, 5}, false};
  expect_matches_reference(gemm_model(tc), tc.describe(), 1);
}

TEST(GemmOp, ConstantAInsteadOfB) {
  Builder b;
  ir::ValueId a = b.constant("a", random_tensor({9, 21}, b.rng));
  ir::ValueId x = b.input("x", {21, 40});
  ir::ValueId y = b.node("Gemm", {a, x, b.input("c", {9, 1})}, "gemm");
  b.last().attrs.set_float("beta", 0.75f);
  expect_matches_reference(b.finish({y}), "constant A", 1);
}

TEST(GemmOpMatMul, NumpyShapesWithBroadcastBatches) {
  struct Case { Shape a, b; };
  const std::vector<Case> cases = {
      {{7}, {7}},                  // dot product: a scalar
      {{7}, {7, 4}},               // row vector
      {{5, 7}, {7}},               // column vector
      {{3, 5, 7}, {7}},            // batched matrix × vector
      {{7}, {3, 7, 4}},            // vector × batched matrix
      {{5, 7}, {7, 4}},            // plain 2-d
      {{2, 1, 5, 7}, {3, 7, 4}},   // both broadcast: [2, 3, 5, 4]
      {{1, 5, 7}, {2, 7, 4}},      // A broadcast along the batch
      {{2, 3, 5, 7}, {7, 4}},      // B shared: batches fold into M
      {{2, 3, 5, 7}, {1, 1, 7, 4}},
      {{4, 5, 7}, {4, 7, 4}},      // same batch on both sides
      {{8, 33, 40}, {8, 40, 17}},  // enough batches to run them in parallel
      {{3, 9, 300}, {3, 300, 65}},
  };
  for (const Case& c : cases)
    for (bool constant_b : {false, true}) {
      const std::string what = "MatMul " + shape_to_string(c.a) + " @ " + shape_to_string(c.b) +
                               (constant_b ? " constant B" : "");
      SCOPED_TRACE(what);
      Builder b;
      ir::ValueId a = b.input("a", c.a);
      ir::ValueId y = b.node("MatMul", {a, b.operand("b", c.b, constant_b)}, "matmul");
      expect_matches_reference(b.finish({y}), what, 1);
    }
}

TEST(GemmOpMatMul, ConstantBatchedA) {
  Builder b;
  ir::ValueId a = b.constant("a", random_tensor({3, 6, 10}, b.rng));
  ir::ValueId y = b.node("MatMul", {a, b.input("x", {2, 1, 10, 5})}, "matmul");
  expect_matches_reference(b.finish({y}), "constant batched A", 1);
}

TEST(GemmOpFusion, EveryActivationRunsAsOneFusedGemm) {
  for (std::string act : {"Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid"})
    for (bool constant_weights : {true, false}) {
      const GemmCase tc{5, 70, 33, false, true, 1.5f, 0.5f, {70}, constant_weights};
      SCOPED_TRACE(act + " " + tc.describe());
      const Model m = gemm_model(tc, act);
      expect_matches_reference(m, act + " " + tc.describe(), 1);
      Session s(m, Options{.threads = 1});
      ASSERT_EQ(s.impl().plan().steps.size(), 1u);
      EXPECT_EQ(s.impl().plan().steps[0].op_type, "FusedGemm");
      EXPECT_EQ(s.impl().plan().steps[0].name, "gemm+act");
    }
}

TEST(GemmOpFusion, FusedGemmReluWithFullC) {
  const GemmCase tc{6, 9, 4, true, false, 1.0f, -1.0f, {6, 9}, false};
  expect_matches_reference(gemm_model(tc, "Relu"), "Gemm+Relu full C", 1);
}

TEST(GemmOpFusion, RulesLevelsFrozenNodesAndObservableIntermediates) {
  const GemmCase tc{3, 10, 8, false, true, 1.0f, 1.0f, {10}, true};
  const Model m = gemm_model(tc, "Relu");
  auto steps = [&](Options o) { return kernel_steps(Session(m, o)); };
  EXPECT_EQ(steps(Options{.threads = 1}), 1);
  EXPECT_EQ(steps(Options{.threads = 1, .fuse_level = 0}), 2);
  EXPECT_EQ(steps(Options{.threads = 1, .fuse_ops = "-gemm_activation"}), 2);
  EXPECT_EQ(steps(Options{.threads = 1, .fuse_level = 0, .fuse_ops = "+gemm_activation"}), 1);
  EXPECT_EQ(steps(Options{.threads = 1, .no_fuse = {"gemm"}}), 2);
  EXPECT_EQ(steps(Options{.threads = 1, .no_fuse = {"act"}}), 2);
  {  // the Gemm's output is also a graph output
    Builder b;
    ir::ValueId y = b.node("Gemm", {b.input("a", {3, 8}), b.input("w", {8, 10})}, "gemm");
    ir::ValueId r = b.node("Relu", {y}, "act");
    expect_matches_reference(b.finish({y, r}), "observable Gemm output", 2);
  }
  {  // a second reader of the Gemm's output
    Builder b;
    ir::ValueId y = b.node("Gemm", {b.input("a", {3, 8}), b.input("w", {8, 10})}, "gemm");
    ir::ValueId r = b.node("Relu", {y}, "act");
    ir::ValueId s = b.node("Sigmoid", {y}, "sig");
    expect_matches_reference(b.finish({r, s}), "two readers", 3);
  }
  {  // Clip with a bound known only at run time
    Builder b;
    ir::ValueId y = b.node("Gemm", {b.input("a", {3, 8}), b.input("w", {8, 10})}, "gemm");
    ir::ValueId r = b.node("Clip", {y, b.input("lo", {})}, "act");
    expect_matches_reference(b.finish({r}), "runtime Clip bound", 2);
  }
}
