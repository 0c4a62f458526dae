// Reference BatchNormalization, Gemm and MatMul against hand-computed values and naive loops;
// their shape inference.
#include "compute_test_util.h"
#include "core/thread_pool.h"
#include "reference/batchnorm.h"
#include "reference/gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace castnet {
namespace {

using compute_test::expect_error;
using compute_test::OneNodeGraph;
using compute_test::small_ints;

// ---- BatchNormalization ----------------------------------------------------------------------

TEST(ReferenceBatchNorm, HandComputed) {
  // c0: (x - 1) / 2 * 2 + 1 = x;  c1: (x - 2) / 0.5 * 0.5 - 1 = x - 3.
  std::vector<float> x = {1, 2, 3, 4, /* image 1 */ 10, 20, 30, 40};
  std::vector<float> scale = {2, 0.5f}, bias = {1, -1}, mean = {1, 2}, var = {4, 0.25f};
  std::vector<float> y(8);
  reference::batch_norm(2, 2, 2, x.data(), scale.data(), bias.data(), mean.data(), var.data(), 0.0, y.data());
  EXPECT_EQ(y, (std::vector<float>{1, 2, 0, 1, 10, 20, 27, 37}));
}

TEST(ReferenceBatchNorm, EpsilonIsAddedToVariance) {
  std::vector<float> x = {3}, scale = {1}, bias = {0}, mean = {0}, var = {0.5f};
  std::vector<float> y(1);
  reference::batch_norm(1, 1, 1, x.data(), scale.data(), bias.data(), mean.data(), var.data(), 0.5, y.data());
  EXPECT_EQ(y[0], 3.f);
  reference::batch_norm(1, 1, 1, x.data(), scale.data(), bias.data(), mean.data(), var.data(), 1e-5, y.data());
  EXPECT_FLOAT_EQ(y[0], static_cast<float>(3 / std::sqrt(0.5 + 1e-5)));
}

TEST(ReferenceBatchNorm, ThreadPoolGivesIdenticalResults) {
  ThreadPool pool(2);
  const int64_t n = 2, c = 5, s = 7;
  std::vector<float> x(n * c * s), scale = {1, 2, 3, 4, 5}, bias = {0, 1, 0, 1, 0}, mean = {.1f, .2f, .3f, .4f, .5f},
                                   var = {1, 2, 3, 4, 5};
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.37f * static_cast<float>(i);
  std::vector<float> a(x.size()), b(x.size());
  reference::batch_norm(n, c, s, x.data(), scale.data(), bias.data(), mean.data(), var.data(), 1e-3, a.data(), &pool);
  reference::batch_norm(n, c, s, x.data(), scale.data(), bias.data(), mean.data(), var.data(), 1e-3, b.data());
  EXPECT_EQ(a, b);
}

TEST(ReferenceBatchNorm, SchemaInfersAndRejects) {
  {
    OneNodeGraph g("BatchNormalization");
    g.input({2, 3, 4, 4}).input({3}).input({3}).input({3}).input({3});
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{2, 3, 4, 4}));
    EXPECT_EQ(g.flops(), 2 * 2 * 3 * 16);
  }
  {
    OneNodeGraph g("BatchNormalization");
    g.input({2, 3}).input({3}).input({3}).input({3}).input({3});
    g.infer(3);
    EXPECT_EQ(g.output(0).shape, (Shape{2, 3}));
    EXPECT_EQ(g.output(1).shape, (Shape{3}));
    EXPECT_EQ(g.output(2).shape, (Shape{3}));
  }
  {
    OneNodeGraph g("BatchNormalization");
    g.input({2, 3, 4, 4}).input({3}).input({3}).input({3}).input({3});
    g.attrs().set_int("training_mode", 1);
    expect_error([&] { g.infer(3); }, "training mode not supported");
  }
  {
    OneNodeGraph g("BatchNormalization");
    g.input({2, 3, 4, 4}).input({3}).input({4}).input({3}).input({3});
    expect_error([&] { g.infer(); }, "B shape 4 must be [3]");
  }
  {
    OneNodeGraph g("BatchNormalization");
    g.input({2, 3, 4, 4}).input({3}).input({3}).input({3});
    expect_error([&] { g.infer(); }, "takes 5..5 inputs");
  }
  {
    OneNodeGraph g("BatchNormalization");
    g.input({2, 3, 4, 4}).input({3}).input({3}).input({3}).input({3});
    expect_error([&] { g.infer(4); }, "has 4 outputs");
  }
}

// ---- Gemm ------------------------------------------------------------------------------------

TEST(ReferenceGemm, HandComputed) {
  // A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]]: A B = [[4,5],[10,11]].
  std::vector<float> a = {1, 2, 3, 4, 5, 6}, b = {1, 0, 0, 1, 1, 1}, y(4);
  reference::GemmDesc d;
  d.m = 2, d.n = 2, d.k = 3;
  reference::gemm(d, a.data(), b.data(), nullptr, y.data());
  EXPECT_EQ(y, (std::vector<float>{4, 5, 10, 11}));
  // alpha 2, beta 0.5, C = [10, 20] broadcast over rows.
  std::vector<float> c = {10, 20};
  d.alpha = 2, d.beta = 0.5f, d.c_rows = 1, d.c_cols = 2;
  reference::gemm(d, a.data(), b.data(), c.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{13, 20, 25, 32}));
  // C = [[100], [200]] broadcast over columns.
  d.c_rows = 2, d.c_cols = 1;
  std::vector<float> c_col = {100, 200};
  reference::gemm(d, a.data(), b.data(), c_col.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{58, 60, 120, 122}));
}

TEST(ReferenceGemm, TransposedOperandsAndAllBroadcasts) {
  const int64_t m = 3, n = 4, k = 5;
  auto a = small_ints(m * k, 1), b = small_ints(k * n, 2), c_full = small_ints(m * n, 3);
  // Naive product of the untransposed operands.
  auto expected = [&](float alpha, float beta, int64_t c_rows, int64_t c_cols, const std::vector<float>& c) {
    std::vector<float> y(m * n);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p) s += static_cast<double>(a[i * k + p]) * b[p * n + j];
        double cv = c.empty() ? 0.0 : c[(c_rows == 1 ? 0 : i) * c_cols + (c_cols == 1 ? 0 : j)];
        y[i * n + j] = static_cast<float>(alpha * s + beta * cv);
      }
    return y;
  };
  std::vector<float> a_t(m * k), b_t(k * n);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t p = 0; p < k; ++p) a_t[p * m + i] = a[i * k + p];
  for (int64_t p = 0; p < k; ++p)
    for (int64_t j = 0; j < n; ++j) b_t[j * k + p] = b[p * n + j];

  struct CCase { int64_t rows, cols; };
  for (CCase cc : {CCase{1, 1}, CCase{1, n}, CCase{m, 1}, CCase{m, n}}) {
    std::vector<float> c(c_full.begin(), c_full.begin() + cc.rows * cc.cols);
    for (int trans = 0; trans < 4; ++trans) {
      SCOPED_TRACE("c " + std::to_string(cc.rows) + "x" + std::to_string(cc.cols) + " trans " + std::to_string(trans));
      reference::GemmDesc d;
      d.m = m, d.n = n, d.k = k, d.trans_a = trans & 1, d.trans_b = trans & 2;
      d.alpha = 2, d.beta = -1, d.c_rows = cc.rows, d.c_cols = cc.cols;
      std::vector<float> y(m * n);
      reference::gemm(d, d.trans_a ? a_t.data() : a.data(), d.trans_b ? b_t.data() : b.data(), c.data(), y.data());
      EXPECT_EQ(y, expected(2, -1, cc.rows, cc.cols, c));
    }
  }
}

TEST(ReferenceGemm, BetaZeroIgnoresC) {
  std::vector<float> a = {1}, b = {2}, c = {NAN}, y(1);
  reference::GemmDesc d;
  d.m = d.n = d.k = 1;
  d.beta = 0;
  reference::gemm(d, a.data(), b.data(), c.data(), y.data());
  EXPECT_EQ(y[0], 2.f);
}

TEST(ReferenceGemm, SchemaInfersAndRejects) {
  {
    OneNodeGraph g("Gemm");
    g.input({1, 2048}).input({1000, 2048}).input({1000});
    g.attrs().set_int("transB", 1);
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{1, 1000}));
    EXPECT_EQ(g.flops(), 2 * 2048 * 1000 + 1000);
  }
  {
    OneNodeGraph g("Gemm");
    g.input({7, 3}).input({7, 5}).input({3, 1});
    g.attrs().set_int("transA", 1);
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{3, 5}));
  }
  {
    OneNodeGraph g("Gemm");
    g.input({2, 3}).input({4, 5});
    expect_error([&] { g.infer(); }, "inner dimensions differ");
  }
  {
    OneNodeGraph g("Gemm");
    g.input({2, 3}).input({3, 5}).input({3});
    expect_error([&] { g.infer(); }, "C shape 3 does not broadcast to (2, 5)");
  }
  {
    OneNodeGraph g("Gemm");
    g.input({2, 3}).input({3, 5}).input({2, 5, 1});
    expect_error([&] { g.infer(); }, "does not broadcast");
  }
  {
    OneNodeGraph g("Gemm");
    g.input({2, 3, 1}).input({3, 5});
    expect_error([&] { g.infer(); }, "must be 2-d");
  }
  {
    OneNodeGraph g("Gemm");
    g.input({2, 3}).input({3, 5});
    g.attrs().set_int("transA", 2);
    expect_error([&] { g.infer(); }, "transA must be 0 or 1");
  }
}

// ---- MatMul ----------------------------------------------------------------------------------

// Naive batched product with explicit broadcast of the batch index.
std::vector<float> naive_matmul(const Shape& as, const std::vector<float>& a, const Shape& bs,
                                const std::vector<float>& b, const Shape& batch, int64_t m, int64_t k, int64_t n) {
  const int64_t batches = shape_numel(batch);
  std::vector<float> y;
  for (int64_t bi = 0; bi < batches; ++bi) {
    // Batch coordinates of bi, then each operand's matrix index (size-1 axes stay at 0).
    Shape coord(batch.size());
    int64_t rest = bi;
    for (size_t i = batch.size(); i-- > 0;) coord[i] = rest % batch[i], rest /= batch[i];
    auto matrix_index = [&](const Shape& s) {
      const size_t r = s.size() - 2;
      int64_t idx = 0;
      for (size_t i = 0; i < r; ++i) idx = idx * s[i] + (s[i] == 1 ? 0 : coord[batch.size() - r + i]);
      return idx;
    };
    const int64_t ai = matrix_index(as), bj = matrix_index(bs);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (int64_t p = 0; p < k; ++p) s += static_cast<double>(a[(ai * m + i) * k + p]) * b[(bj * k + p) * n + j];
        y.push_back(static_cast<float>(s));
      }
  }
  return y;
}

std::vector<float> run_matmul(const Shape& as, const std::vector<float>& a, const Shape& bs, const std::vector<float>& b) {
  std::vector<float> y(static_cast<size_t>(shape_numel(reference::matmul_output_shape(as, bs))), -999.f);
  reference::matmul(as, a.data(), bs, b.data(), y.data());
  return y;
}

TEST(ReferenceMatMul, HandComputed2dAndVectors) {
  std::vector<float> a = {1, 2, 3, 4, 5, 6};  // 2x3
  std::vector<float> b = {1, 0, 0, 1, 1, 1};  // 3x2
  EXPECT_EQ(run_matmul({2, 3}, a, {3, 2}, b), (std::vector<float>{4, 5, 10, 11}));
  // [3] @ [3, 2] -> [2];  [2, 3] @ [3] -> [2];  [3] @ [3] -> scalar.
  std::vector<float> v = {1, 1, 2};
  EXPECT_EQ(reference::matmul_output_shape({3}, {3, 2}), (Shape{2}));
  EXPECT_EQ(run_matmul({3}, v, {3, 2}, b), (std::vector<float>{3, 3}));
  EXPECT_EQ(reference::matmul_output_shape({2, 3}, {3}), (Shape{2}));
  EXPECT_EQ(run_matmul({2, 3}, a, {3}, v), (std::vector<float>{9, 21}));
  EXPECT_EQ(reference::matmul_output_shape({3}, {3}), (Shape{}));
  EXPECT_EQ(run_matmul({3}, v, {3}, v), (std::vector<float>{6}));
}

TEST(ReferenceMatMul, BroadcastBatches) {
  struct Case { Shape a, b, batch; int64_t m, k, n; };
  const Case cases[] = {
      {{2, 3, 4}, {2, 4, 5}, {2}, 3, 4, 5},
      {{2, 1, 2, 3}, {3, 3, 2}, {2, 3}, 2, 3, 2},
      {{4, 3}, {2, 2, 3, 1}, {2, 2}, 4, 3, 1},
      {{1, 5, 1, 2}, {3, 1, 2, 2}, {3, 5}, 1, 2, 2},
  };
  int seed = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(shape_to_string(c.a) + " @ " + shape_to_string(c.b));
    auto a = small_ints(shape_numel(c.a), ++seed), b = small_ints(shape_numel(c.b), ++seed);
    Shape expected_shape = c.batch;
    expected_shape.push_back(c.m);
    expected_shape.push_back(c.n);
    EXPECT_EQ(reference::matmul_output_shape(c.a, c.b), expected_shape);
    EXPECT_EQ(run_matmul(c.a, a, c.b, b), naive_matmul(c.a, a, c.b, b, c.batch, c.m, c.k, c.n));
  }
}

TEST(ReferenceMatMul, RejectsMismatchedShapes) {
  expect_error([] { reference::matmul_output_shape({2, 3}, {4, 5}); }, "inner dimensions differ");
  expect_error([] { reference::matmul_output_shape({2, 2, 3}, {3, 3, 5}); }, "do not broadcast");
  expect_error([] { reference::matmul_output_shape({}, {3}); }, "rank 1 or more");
}

TEST(ReferenceMatMul, SchemaInfersAndRejects) {
  {
    OneNodeGraph g("MatMul");
    g.input({-1, 1, 4, 3}).input({5, 3, 2});
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{-1, 5, 4, 2}));
  }
  {
    OneNodeGraph g("MatMul");
    g.input({2, 4, 3}).input({3, 6});
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{2, 4, 6}));
    EXPECT_EQ(g.flops(), 2 * 2 * 4 * 6 * 3);
  }
  {
    OneNodeGraph g("MatMul");
    g.input({3}).input({3});
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{}));
  }
  {
    OneNodeGraph g("MatMul");
    g.input({2, 3}).input({4, 5});
    expect_error([&] { g.infer(); }, "inner dimensions differ");
  }
  {
    OneNodeGraph g("MatMul");
    g.input({2, 2, 3}).input({3, 3, 5});
    expect_error([&] { g.infer(); }, "batch dimensions do not broadcast");
  }
  {
    OneNodeGraph g("MatMul");
    g.input({2, 3}, DType::i64).input({3, 5}, DType::i64);
    expect_error([&] { g.infer(); }, "only f32");
  }
}

}  // namespace
}  // namespace castnet
