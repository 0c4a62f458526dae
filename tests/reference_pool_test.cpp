// The reference pooling against hand-computed values and an independent formula; pooling
// attribute decoding and shape inference.
#include "compute_test_util.h"
#include "core/pool_desc.h"
#include "core/thread_pool.h"
#include "ir/pool_params.h"
#include "reference/pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

namespace castnet {
namespace {

using compute_test::expect_error;
using compute_test::OneNodeGraph;
using compute_test::small_ints;

PoolDesc pool_1d(int64_t in, int64_t k, int64_t s, int64_t pb = 0, int64_t pe = 0, bool ceil = false,
                 bool include_pad = false, int64_t dilation = 1) {
  PoolDesc d;
  d.rank = 1;
  d.channels = 1;
  d.in[0] = in;
  d.kernel[0] = k;
  d.stride[0] = s;
  d.pad_begin[0] = pb;
  d.pad_end[0] = pe;
  d.dilation[0] = dilation;
  d.ceil_mode = ceil;
  d.count_include_pad = include_pad;
  d.compute_output();
  return d;
}

std::vector<float> run_max(const PoolDesc& d, const std::vector<float>& x, ThreadPool* pool = nullptr) {
  std::vector<float> y(static_cast<size_t>(d.batch * d.channels * d.out_spatial()), -999.f);
  reference::max_pool(d, x.data(), y.data(), pool);
  return y;
}
std::vector<float> run_avg(const PoolDesc& d, const std::vector<float>& x, ThreadPool* pool = nullptr) {
  std::vector<float> y(static_cast<size_t>(d.batch * d.channels * d.out_spatial()), -999.f);
  reference::average_pool(d, x.data(), y.data(), pool);
  return y;
}

// ---- output size -----------------------------------------------------------------------------

TEST(ReferencePool, OutputSizeFloorAndCeil) {
  EXPECT_EQ(pool_1d(5, 2, 2).out[0], 2);
  EXPECT_EQ(pool_1d(5, 2, 2, 0, 0, true).out[0], 3);
  // Ceil would give 3, but the third window would start at 3 = in + pad_begin: only padding.
  EXPECT_EQ(pool_1d(3, 2, 2, 1, 1, false).out[0], 2);
  EXPECT_EQ(pool_1d(3, 2, 2, 1, 1, true).out[0], 2);
  EXPECT_EQ(pool_1d(6, 3, 2, 1, 1, true).out[0], 4);
  EXPECT_EQ(pool_1d(6, 3, 2, 1, 1, false).out[0], 3);
}

TEST(ReferencePool, DescriptorRejectsBadGeometry) {
  expect_error([] { pool_1d(5, 0, 1); }, "kernel size must be positive");
  expect_error([] { pool_1d(5, 2, 0); }, "stride must be positive");
  expect_error([] { pool_1d(5, 2, 1, -1); }, "pads must not be negative");
  expect_error([] { pool_1d(5, 2, 1, 2); }, "smaller than the window");
  expect_error([] { pool_1d(2, 4, 1, 1, 0); }, "larger than padded input");
  expect_error([] { pool_1d(5, 2, 1, 0, 0, false, false, 0); }, "dilation must be positive");
}

TEST(ReferencePool, ToStringNamesEveryParameter) {
  PoolDesc d;
  d.channels = 64;
  d.in = {112, 112, 1};
  d.kernel = {3, 3, 1};
  d.stride = {2, 2, 1};
  d.pad_begin = d.pad_end = {1, 1, 0};
  d.compute_output();
  EXPECT_EQ(d.to_string(), "mb1c64_ih112iw112_kh3kw3_sh2sw2_ph1pw1_phe1pwe1_dh1dw1_ceil0_cip0");
  EXPECT_EQ(d.out[0], 56);
}

// ---- hand-computed ---------------------------------------------------------------------------

TEST(ReferencePool, MaxPool2x2Stride2) {
  PoolDesc d;
  d.channels = 1;
  d.in = {4, 4, 1};
  d.kernel = {2, 2, 1};
  d.stride = {2, 2, 1};
  d.compute_output();
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[static_cast<size_t>(i)] = static_cast<float>(i + 1);
  EXPECT_EQ(run_max(d, x), (std::vector<float>{6, 8, 14, 16}));
}

TEST(ReferencePool, MaxPoolCeilModeKeepsThePartialWindow) {
  std::vector<float> x = {1, 2, 3, 4, 5};
  EXPECT_EQ(run_max(pool_1d(5, 2, 2), x), (std::vector<float>{2, 4}));
  EXPECT_EQ(run_max(pool_1d(5, 2, 2, 0, 0, true), x), (std::vector<float>{2, 4, 5}));
}

TEST(ReferencePool, MaxPoolPaddingNeverWins) {
  std::vector<float> x = {-5, -3};
  EXPECT_EQ(run_max(pool_1d(2, 2, 1, 1, 1), x), (std::vector<float>{-5, -3, -3}));
}

TEST(ReferencePool, MaxPoolDilation) {
  // Window {i, i + 2}.
  std::vector<float> x = {1, 9, 2, 8, 3, 7};
  EXPECT_EQ(run_max(pool_1d(6, 2, 1, 0, 0, false, false, 2), x), (std::vector<float>{2, 9, 3, 8}));
}

TEST(ReferencePool, CeilModeWithPadsDropsTheWindowStartingInPadding) {
  // in 3, k 2, s 2, pads 1/1: windows [-1, 0] and [1, 2].
  std::vector<float> x = {1, 5, 3};
  EXPECT_EQ(run_max(pool_1d(3, 2, 2, 1, 1, true), x), (std::vector<float>{1, 5}));
  EXPECT_EQ(run_avg(pool_1d(3, 2, 2, 1, 1, true), x), (std::vector<float>{1, 4}));
  EXPECT_EQ(run_avg(pool_1d(3, 2, 2, 1, 1, true, true), x), (std::vector<float>{0.5f, 4}));
}

TEST(ReferencePool, AverageCeilModeOverhangIsNeverCounted) {
  // in 6, k 3, s 2, pads 1/1, ceil: windows start at -1, 1, 3, 5; the last covers 5 (input),
  // 6 (end pad) and 7 (past the padded input).
  std::vector<float> x = {1, 2, 3, 4, 5, 6};
  EXPECT_EQ(run_avg(pool_1d(6, 3, 2, 1, 1, true, false), x), (std::vector<float>{1.5f, 3, 5, 6}));
  EXPECT_EQ(run_avg(pool_1d(6, 3, 2, 1, 1, true, true), x), (std::vector<float>{1, 3, 5, 3}));
  // Without pads, the overhang past the end counts in neither mode.
  std::vector<float> y = {1, 2, 3, 4, 5};
  EXPECT_EQ(run_avg(pool_1d(5, 2, 2, 0, 0, true, true), y), (std::vector<float>{1.5f, 3.5f, 5}));
}

TEST(ReferencePool, AveragePadsExcludedOrIncluded) {
  PoolDesc d;
  d.channels = 1;
  d.in = {2, 2, 1};
  d.kernel = {2, 2, 1};
  d.pad_begin = d.pad_end = {1, 1, 0};
  d.compute_output();
  std::vector<float> x = {1, 2, 3, 4};
  EXPECT_EQ(run_avg(d, x), (std::vector<float>{1, 1.5f, 2, 2, 2.5f, 3, 3, 3.5f, 4}));
  d.count_include_pad = true;
  EXPECT_EQ(run_avg(d, x), (std::vector<float>{0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1}));
}

TEST(ReferencePool, GlobalPools) {
  std::vector<float> x = {1, 2, 3, 4, -1, -2, -3, -4, /* image 1 */ 0, 0, 0, 8, 5, 5, 5, 5};
  std::vector<float> y(4);
  reference::global_average_pool(4, 4, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{2.5f, -2.5f, 2, 5}));
  reference::global_max_pool(4, 4, x.data(), y.data());
  EXPECT_EQ(y, (std::vector<float>{4, -1, 8, 5}));
}

TEST(ReferencePool, MaxPoolIntegerTypes) {
  PoolDesc d = pool_1d(4, 2, 2);
  std::vector<uint8_t> xu = {200, 3, 7, 255}, yu(2);
  reference::max_pool(d, xu.data(), yu.data());
  EXPECT_EQ(yu, (std::vector<uint8_t>{200, 255}));
  std::vector<int8_t> xi = {-100, -128, 7, -1}, yi(2);
  reference::max_pool(d, xi.data(), yi.data());
  EXPECT_EQ(yi, (std::vector<int8_t>{-100, 7}));
}

// ---- against an independent formula ---------------------------------------------------------

// Each output from an explicit list of the window's coordinates; divisor for count_include_pad:
// the window clipped to [-pad_begin, in + pad_end) on every axis.
void naive_pool(const PoolDesc& d, const std::vector<float>& x, std::vector<float>& max_y, std::vector<float>& avg_y) {
  const int shift = 3 - d.rank;
  auto ax = [&](const PoolDesc::Dims& v, int i, int64_t fill) { return i < shift ? fill : v[i - shift]; };
  int64_t I[3], O[3], K[3], S[3], PB[3], PE[3], D[3];
  for (int i = 0; i < 3; ++i) {
    I[i] = ax(d.in, i, 1), O[i] = ax(d.out, i, 1), K[i] = ax(d.kernel, i, 1), S[i] = ax(d.stride, i, 1);
    PB[i] = ax(d.pad_begin, i, 0), PE[i] = ax(d.pad_end, i, 0), D[i] = ax(d.dilation, i, 1);
  }
  max_y.clear();
  avg_y.clear();
  for (int64_t p = 0; p < d.batch * d.channels; ++p)
    for (int64_t o0 = 0; o0 < O[0]; ++o0)
      for (int64_t o1 = 0; o1 < O[1]; ++o1)
        for (int64_t o2 = 0; o2 < O[2]; ++o2) {
          std::vector<float> values;
          int64_t clipped = 1;
          int64_t pos[3] = {o0, o1, o2};
          for (int a = 0; a < 3; ++a) {
            int64_t n = 0;
            for (int64_t k = 0; k < K[a]; ++k) {
              int64_t i = pos[a] * S[a] - PB[a] + k * D[a];
              if (i < I[a] + PE[a]) ++n;
            }
            clipped *= n;
          }
          for (int64_t k0 = 0; k0 < K[0]; ++k0)
            for (int64_t k1 = 0; k1 < K[1]; ++k1)
              for (int64_t k2 = 0; k2 < K[2]; ++k2) {
                int64_t i0 = o0 * S[0] - PB[0] + k0 * D[0], i1 = o1 * S[1] - PB[1] + k1 * D[1],
                        i2 = o2 * S[2] - PB[2] + k2 * D[2];
                if (i0 >= 0 && i0 < I[0] && i1 >= 0 && i1 < I[1] && i2 >= 0 && i2 < I[2])
                  values.push_back(x[static_cast<size_t>(((p * I[0] + i0) * I[1] + i1) * I[2] + i2)]);
              }
          double sum = 0;
          for (float v : values) sum += v;
          max_y.push_back(values.empty() ? std::numeric_limits<float>::lowest()
                                         : *std::max_element(values.begin(), values.end()));
          int64_t divisor = d.count_include_pad ? clipped : static_cast<int64_t>(values.size());
          avg_y.push_back(static_cast<float>(sum / static_cast<double>(divisor)));
        }
}

TEST(ReferencePool, MatchesNaiveFormulaOnAwkwardGeometry) {
  std::vector<PoolDesc> cases;
  auto add = [&](int rank, PoolDesc::Dims in, PoolDesc::Dims k, PoolDesc::Dims s, PoolDesc::Dims pb,
                 PoolDesc::Dims pe, PoolDesc::Dims dil, bool ceil, int64_t batch = 1, int64_t channels = 2) {
    PoolDesc d;
    d.rank = rank;
    d.batch = batch;
    d.channels = channels;
    d.in = in, d.kernel = k, d.stride = s, d.pad_begin = pb, d.pad_end = pe, d.dilation = dil;
    d.ceil_mode = ceil;
    d.compute_output();
    cases.push_back(d);
  };
  add(2, {7, 7, 1}, {3, 3, 1}, {2, 2, 1}, {1, 1, 0}, {1, 1, 0}, {1, 1, 1}, false);           // ResNet stem pool
  add(2, {8, 9, 1}, {3, 2, 1}, {2, 2, 1}, {1, 0, 0}, {0, 1, 0}, {1, 1, 1}, true, 2);         // asymmetric, ceil
  add(2, {9, 8, 1}, {3, 3, 1}, {3, 2, 1}, {2, 1, 0}, {1, 2, 0}, {1, 1, 1}, true);            // stride 3, ceil
  add(2, {9, 9, 1}, {2, 3, 1}, {1, 2, 1}, {1, 2, 0}, {1, 2, 0}, {2, 2, 1}, false);           // dilation
  add(2, {1, 1, 1}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, {1, 1, 1}, false, 2, 3);     // 1x1
  add(1, {11, 1, 1}, {4, 1, 1}, {3, 1, 1}, {2, 1, 1}, {3, 1, 1}, {1, 1, 1}, true);           // 1-d, ceil
  add(3, {6, 6, 4}, {3, 3, 2}, {2, 2, 1}, {1, 1, 0}, {1, 1, 1}, {1, 1, 1}, true);         // 3-d, ceil overhang
  add(3, {4, 5, 5}, {2, 2, 2}, {1, 2, 2}, {0, 1, 1}, {1, 0, 1}, {2, 1, 1}, false, 2, 1);     // 3-d dilated
  int seed = 0;
  for (PoolDesc& d : cases) {
    for (bool include_pad : {false, true}) {
      d.count_include_pad = include_pad;
      SCOPED_TRACE(d.to_string());
      auto x = small_ints(d.batch * d.channels * d.in_spatial(), ++seed, 20);
      std::vector<float> max_y, avg_y;
      naive_pool(d, x, max_y, avg_y);
      EXPECT_EQ(run_max(d, x), max_y);
      std::vector<float> avg = run_avg(d, x);
      ASSERT_EQ(avg.size(), avg_y.size());
      for (size_t i = 0; i < avg.size(); ++i) EXPECT_FLOAT_EQ(avg[i], avg_y[i]) << "at " << i;
    }
  }
}

TEST(ReferencePool, ThreadPoolGivesIdenticalResults) {
  ThreadPool pool(3);
  PoolDesc d;
  d.batch = 2;
  d.channels = 5;
  d.in = {9, 7, 1};
  d.kernel = {3, 3, 1};
  d.stride = {2, 2, 1};
  d.pad_begin = d.pad_end = {1, 1, 0};
  d.compute_output();
  auto x = small_ints(d.batch * d.channels * d.in_spatial(), 7, 50);
  EXPECT_EQ(run_max(d, x, &pool), run_max(d, x));
  EXPECT_EQ(run_avg(d, x, &pool), run_avg(d, x));
}

// ---- attribute decoding and shape inference --------------------------------------------------

TEST(ReferencePoolParams, DecodesAttributes) {
  ir::Attributes a;
  a.set_ints("kernel_shape", {3, 2});
  a.set_ints("strides", {2, 1});
  a.set_ints("pads", {1, 0, 1, 1});
  a.set_int("ceil_mode", 1);
  a.set_int("count_include_pad", 1);
  PoolDesc d = ir::pool_desc_from_attrs(a, {2, 3, 8, 5});
  EXPECT_EQ(d.batch, 2);
  EXPECT_EQ(d.channels, 3);
  EXPECT_EQ(d.pad_begin[1], 0);
  EXPECT_EQ(d.pad_end[1], 1);
  EXPECT_TRUE(d.ceil_mode);
  EXPECT_TRUE(d.count_include_pad);
  EXPECT_EQ(d.out[0], 5);  // ceil((8 + 2 - 3) / 2) + 1
  EXPECT_EQ(d.out[1], 5);
}

TEST(ReferencePoolParams, AutoPadSame) {
  ir::Attributes a;
  a.set_ints("kernel_shape", {3, 3});
  a.set_ints("strides", {2, 2});
  a.set_string("auto_pad", "SAME_LOWER");
  PoolDesc d = ir::pool_desc_from_attrs(a, {1, 1, 4, 5});
  EXPECT_EQ(d.pad_begin[0], 1);
  EXPECT_EQ(d.pad_end[0], 0);
  EXPECT_EQ(d.pad_begin[1], 1);
  EXPECT_EQ(d.pad_end[1], 1);
  EXPECT_EQ(d.out[0], 2);
  EXPECT_EQ(d.out[1], 3);
}

TEST(ReferencePoolParams, RejectsInvalidAttributes) {
  auto decode = [](ir::Attributes a) { return [=] { ir::pool_desc_from_attrs(a, {1, 2, 6, 6}); }; };
  ir::Attributes a;
  expect_error(decode(a), "kernel_shape' is required");
  a.set_ints("kernel_shape", {2});
  expect_error(decode(a), "has 1 values, expected 2");
  a.set_ints("kernel_shape", {2, 2});
  a.set_ints("strides", {0, 1});
  expect_error(decode(a), "strides");
  a.erase("strides");
  a.set_ints("pads", {2, 0, 0, 0});
  expect_error(decode(a), "smaller than the window");
  a.erase("pads");
  a.set_int("ceil_mode", 2);
  expect_error(decode(a), "ceil_mode' must be 0 or 1");
}

TEST(ReferencePoolParams, SchemasInferShapes) {
  {
    OneNodeGraph g("MaxPool");
    g.input({1, 64, 112, 112});
    g.attrs().set_ints("kernel_shape", {3, 3});
    g.attrs().set_ints("strides", {2, 2});
    g.attrs().set_ints("pads", {1, 1, 1, 1});
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{1, 64, 56, 56}));
    EXPECT_EQ(g.flops(), 64 * 56 * 56 * 9);
  }
  {
    OneNodeGraph g("AveragePool");
    g.input({-1, 8, -1, 10});
    g.attrs().set_ints("kernel_shape", {2, 2});
    g.attrs().set_ints("strides", {2, 2});
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{-1, 8, -1, 5}));
  }
  {
    OneNodeGraph g("GlobalAveragePool");
    g.input({2, 2048, 7, 7});
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{2, 2048, 1, 1}));
  }
  {
    OneNodeGraph g("GlobalMaxPool");
    g.input({2, 16, 3, 4, 5});
    g.infer();
    EXPECT_EQ(g.output().shape, (Shape{2, 16, 1, 1, 1}));
  }
  {
    OneNodeGraph g("MaxPool");
    g.input({1, 3, 8, 8}, DType::u8);
    g.attrs().set_ints("kernel_shape", {2, 2});
    g.infer();
    EXPECT_EQ(g.output().dtype, DType::u8);
  }
}

TEST(ReferencePoolParams, SchemasRejectUnsupported) {
  {
    OneNodeGraph g("MaxPool");
    g.input({1, 3, 8, 8});
    g.attrs().set_ints("kernel_shape", {2, 2});
    expect_error([&] { g.infer(2); }, "Indices output is not supported");
  }
  {
    OneNodeGraph g("MaxPool");
    g.input({1, 3, 8, 8});
    g.attrs().set_ints("kernel_shape", {2, 2});
    g.attrs().set_int("storage_order", 3);
    expect_error([&] { g.infer(); }, "storage_order");
  }
  {
    OneNodeGraph g("AveragePool");
    g.input({1, 3, 8, 8}, DType::i32);
    g.attrs().set_ints("kernel_shape", {2, 2});
    expect_error([&] { g.infer(); }, "only f32");
  }
  {
    OneNodeGraph g("GlobalAveragePool");
    g.input({1, 3});
    expect_error([&] { g.infer(); }, "rank 3 or more");
  }
  {
    OneNodeGraph g("AveragePool");
    g.input({1, 3, 2, 2});
    g.attrs().set_ints("kernel_shape", {3, 3});
    expect_error([&] { g.infer(); }, "larger than padded input");
  }
}

}  // namespace
}  // namespace castnet
