// The reference convolution against hand-computed values and an independent output-centric
// formula; Conv attribute decoding (ConvParams) and Conv shape inference.
#include "compute_test_util.h"
#include "core/conv_desc.h"
#include "core/thread_pool.h"
#include "ir/conv_params.h"
#include "ir/pool_params.h"
#include "reference/batchnorm.h"
#include "reference/conv.h"
#include "reference/gemm.h"
#include "reference/pool.h"
#include "runtime/session_impl.h"

#include <castnet/castnet.h>

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <string>
#include <vector>

namespace castnet {
namespace {

using compute_test::expect_error;
using compute_test::OneNodeGraph;
using compute_test::small_ints;

// y[n][oc][o...] = bias[oc] + sum over (ic, k...) of x[n][g*icg+ic][o*s - p + k*d] * w[oc][ic][k...],
// visiting each output and testing every input position: a different formulation from the
// reference's tap-by-tap sweep with precomputed ranges.
std::vector<float> naive_conv(const ConvDesc& d, const std::vector<float>& x, const std::vector<float>& w,
                              const float* bias) {
  std::vector<float> y(static_cast<size_t>(d.batch * d.out_channels * d.out_spatial()));
  const int64_t icg = d.ic_per_group(), ocg = d.oc_per_group();
  // Work on 3 axes: missing leading axes have size 1.
  auto axis = [&](const ConvDesc::Dims& v, int i, int64_t fill) { return i < 3 - d.rank ? fill : v[i - (3 - d.rank)]; };
  int64_t I[3], O[3], K[3], S[3], P[3], D[3];
  for (int i = 0; i < 3; ++i) {
    I[i] = axis(d.in, i, 1), O[i] = axis(d.out, i, 1), K[i] = axis(d.kernel, i, 1);
    S[i] = axis(d.stride, i, 1), P[i] = axis(d.pad_begin, i, 0), D[i] = axis(d.dilation, i, 1);
  }
  for (int64_t n = 0; n < d.batch; ++n)
    for (int64_t oc = 0; oc < d.out_channels; ++oc)
      for (int64_t o0 = 0; o0 < O[0]; ++o0)
        for (int64_t o1 = 0; o1 < O[1]; ++o1)
          for (int64_t o2 = 0; o2 < O[2]; ++o2) {
            double sum = bias ? bias[oc] : 0.0;
            for (int64_t ic = 0; ic < icg; ++ic)
              for (int64_t k0 = 0; k0 < K[0]; ++k0)
                for (int64_t k1 = 0; k1 < K[1]; ++k1)
                  for (int64_t k2 = 0; k2 < K[2]; ++k2) {
                    int64_t i0 = o0 * S[0] - P[0] + k0 * D[0];
                    int64_t i1 = o1 * S[1] - P[1] + k1 * D[1];
                    int64_t i2 = o2 * S[2] - P[2] + k2 * D[2];
                    if (i0 < 0 || i0 >= I[0] || i1 < 0 || i1 >= I[1] || i2 < 0 || i2 >= I[2]) continue;
                    int64_t c = oc / ocg * icg + ic;
                    double xv = x[static_cast<size_t>((((n * d.in_channels + c) * I[0] + i0) * I[1] + i1) * I[2] + i2)];
                    double wv = w[static_cast<size_t>((((oc * icg + ic) * K[0] + k0) * K[1] + k1) * K[2] + k2)];
                    sum += xv * wv;
                  }
            y[static_cast<size_t>((((n * d.out_channels + oc) * O[0] + o0) * O[1] + o1) * O[2] + o2)] =
                static_cast<float>(sum);
          }
  return y;
}

std::vector<float> run_reference(const ConvDesc& d, const std::vector<float>& x, const std::vector<float>& w,
                                 const float* bias, ThreadPool* pool = nullptr) {
  std::vector<float> y(static_cast<size_t>(d.batch * d.out_channels * d.out_spatial()), -12345.f);
  reference::conv(d, x.data(), w.data(), bias, y.data(), pool);
  return y;
}

ConvDesc desc_2d(int64_t ic, int64_t oc, int64_t h, int64_t w, int64_t k, int64_t stride = 1, int64_t pad = 0) {
  ConvDesc d;
  d.in_channels = ic;
  d.out_channels = oc;
  d.in = {h, w, 1};
  d.kernel = {k, k, 1};
  d.stride = {stride, stride, 1};
  d.pad_begin = d.pad_end = {pad, pad, 0};
  d.compute_output();
  return d;
}

// ---- hand-computed ---------------------------------------------------------------------------

TEST(ReferenceConv, DiagonalKernelNoPadding) {
  // x = 1..9 (3x3), w = [[1,0],[0,1]]: y[i][j] = x[i][j] + x[i+1][j+1].
  ConvDesc d = desc_2d(1, 1, 3, 3, 2);
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, 0, 0, 1};
  EXPECT_EQ(run_reference(d, x, w, nullptr), (std::vector<float>{6, 8, 12, 14}));
}

TEST(ReferenceConv, PaddedStride2WithBias) {
  // 3x3 input 1..9, 2x2 ones, pad 1, stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1).
  ConvDesc d = desc_2d(1, 1, 3, 3, 2, 2, 1);
  ASSERT_EQ(d.oh(), 2);
  ASSERT_EQ(d.ow(), 2);
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w = {1, 1, 1, 1};
  float bias = 0.5f;
  EXPECT_EQ(run_reference(d, x, w, &bias), (std::vector<float>{1.5f, 5.5f, 11.5f, 28.5f}));
}

TEST(ReferenceConv, Dilated1d) {
  // w = [2, 1] with dilation 2: y[i] = 2 x[i] + x[i+2].
  ConvDesc d = ConvDesc::parse("ic1oc1_iw5_kw2_dw2");
  ASSERT_EQ(d.rank, 1);
  ASSERT_EQ(d.out[0], 3);
  std::vector<float> x = {1, 2, 3, 4, 5}, w = {2, 1};
  EXPECT_EQ(run_reference(d, x, w, nullptr), (std::vector<float>{5, 8, 11}));
}

TEST(ReferenceConv, AsymmetricPads1d) {
  // Two zeros in front, none behind: padded [0, 0, 1, 2, 3], window of 2 ones.
  ConvDesc d = ConvDesc::parse("ic1oc1_iw3_kw2_pw2_pwe0");
  ASSERT_EQ(d.out[0], 4);
  std::vector<float> x = {1, 2, 3}, w = {1, 1};
  EXPECT_EQ(run_reference(d, x, w, nullptr), (std::vector<float>{0, 1, 3, 5}));
}

TEST(ReferenceConv, TwoGroupsScaleTheirOwnChannels) {
  ConvDesc d = ConvDesc::parse("g2ic2oc2_ih2iw2_kh1kw1");
  std::vector<float> x = {1, 2, 3, 4, 5, 6, 7, 8}, w = {2, 3};
  EXPECT_EQ(run_reference(d, x, w, nullptr), (std::vector<float>{2, 4, 6, 8, 15, 18, 21, 24}));
}

TEST(ReferenceConv, SumsInputChannelsAndBatches) {
  // 1x1 conv, 2 input channels, 2 images: y = 1*c0 + 10*c1 (+ bias 100 for oc 1 with w = -1, 0).
  ConvDesc d = ConvDesc::parse("mb2ic2oc2_ih1iw2_kh1kw1");
  std::vector<float> x = {1, 2, 3, 4, /* image 1 */ 5, 6, 7, 8};
  std::vector<float> w = {1, 10, -1, 0}, b = {0, 100};
  EXPECT_EQ(run_reference(d, x, w, b.data()), (std::vector<float>{31, 42, 99, 98, 75, 86, 95, 94}));
}

TEST(ReferenceConv, KernelCoveringAllOfPaddedInput) {
  // 1x1 input, 3x3 kernel, pad 1: only the centre tap sees data.
  ConvDesc d = desc_2d(1, 1, 1, 1, 3, 1, 1);
  ASSERT_EQ(d.oh(), 1);
  std::vector<float> x = {7}, w = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  EXPECT_EQ(run_reference(d, x, w, nullptr), (std::vector<float>{35}));
}

// ---- against the naive formula ---------------------------------------------------------------

// Problem strings named after the edge they cover.
const char* const kGeometries[] = {
    "mb1_g1ic3oc4_ih5iw5_kh3kw3_ph1pw1",                  // same padding
    "mb1_g1ic2oc3_ih7iw6_kh3kw2_sh2sw2_ph1pw0_phe0pwe1",  // asymmetric pads, stride 2
    "mb1_g1ic2oc2_ih9iw9_kh3kw3_dh2dw2_ph2pw2",           // dilation 2
    "mb1_g1ic3oc2_ih8iw7_kh3kw3_sh2sw3_dh2dw1_ph1pw2",    // mixed stride / dilation
    "mb1_g2ic4oc6_ih6iw6_kh3kw3_ph1pw1",                  // groups
    "mb1_g5ic5oc5_ih7iw7_kh3kw3_sh2sw2_ph1pw1",           // depthwise stride 2
    "mb1_g4ic4oc8_ih5iw5_kh3kw3_ph1pw1",                  // depthwise multiplier 2
    "mb2_g1ic3oc2_ih5iw4_kh2kw3_ph0pw1",                  // batch 2
    "mb1_g1ic5oc3_ih1iw1_kh1kw1",                         // 1x1 spatial
    "mb1_g1ic4oc3_ih6iw5_kh1kw1",                         // pointwise (flattened path)
    "mb1_g1ic4oc3_ih6iw5_kh1kw1_sh2sw2",                  // strided pointwise
    "mb1_g1ic3oc2_ih11iw11_kh7kw7_sh2sw2_ph3pw3",         // stem-like 7x7/2
    "mb1_g1ic2oc2_ih3iw3_kh5kw5_ph2pw2",                  // kernel larger than input
    "mb1_g1ic2oc2_ih10iw10_kh3kw3_sh3sw3_ph2pw0_phe0pwe2", // stride 3, pads on one side each
    "mb2_g1ic3oc2_iw9_kw3_sw2_pw1_pwe2",                  // 1-d
    "mb1_g1ic2oc3_iw7_kw3_dw3_pw3",                       // 1-d dilated
    "mb1_g1ic2oc2_id4ih5iw4_kd3kh3kw2_pd1ph1pw0",         // 3-d
    "mb2_g2ic4oc2_id5ih4iw5_kd2kh3kw3_sd2sh1sw2_pd0ph1pw1_pde1phe0pwe1_dd1dh2dw1",  // 3-d, everything
};

TEST(ReferenceConv, MatchesNaiveFormulaOnAwkwardGeometry) {
  int seed = 0;
  for (const char* problem : kGeometries) {
    SCOPED_TRACE(problem);
    ConvDesc d = ConvDesc::parse(problem);
    auto x = small_ints(d.batch * d.in_channels * d.in_spatial(), ++seed);
    auto w = small_ints(d.out_channels * d.ic_per_group() * d.kernel_spatial(), ++seed);
    auto b = small_ints(d.out_channels, ++seed);
    // Small integers: every sum is exact, so the two must agree bit for bit.
    EXPECT_EQ(run_reference(d, x, w, nullptr), naive_conv(d, x, w, nullptr));
    EXPECT_EQ(run_reference(d, x, w, b.data()), naive_conv(d, x, w, b.data()));
  }
}

TEST(ReferenceConv, ThreadPoolGivesIdenticalResults) {
  ThreadPool pool(3);
  ConvDesc d = ConvDesc::parse("mb2_g2ic4oc6_ih9iw8_kh3kw3_sh2sw1_ph1pw1");
  // Non-integer data: the split over threads must not change any rounding.
  std::vector<float> x(static_cast<size_t>(d.batch * d.in_channels * d.in_spatial()));
  std::vector<float> w(static_cast<size_t>(d.out_channels * d.ic_per_group() * d.kernel_spatial()));
  for (size_t i = 0; i < x.size(); ++i) x[i] = 0.1f * static_cast<float>(i % 17) - 0.7f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.03f * static_cast<float>(i % 13) - 0.2f;
  EXPECT_EQ(run_reference(d, x, w, nullptr, &pool), run_reference(d, x, w, nullptr));
}

// ---- ConvDesc problem strings ----------------------------------------------------------------

TEST(ConvParams, ProblemStringRoundTrip) {
  for (const char* problem : kGeometries) {
    SCOPED_TRACE(problem);
    ConvDesc d = ConvDesc::parse(problem);
    ConvDesc again = ConvDesc::parse(d.to_string());
    EXPECT_EQ(again.to_string(), d.to_string());
    EXPECT_EQ(again.rank, d.rank);
    EXPECT_EQ(again.batch, d.batch);
    EXPECT_EQ(again.groups, d.groups);
    EXPECT_EQ(again.in, d.in);
    EXPECT_EQ(again.kernel, d.kernel);
    EXPECT_EQ(again.stride, d.stride);
    EXPECT_EQ(again.dilation, d.dilation);
    EXPECT_EQ(again.pad_begin, d.pad_begin);
    EXPECT_EQ(again.pad_end, d.pad_end);
    EXPECT_EQ(again.out, d.out);
  }
  EXPECT_EQ(desc_2d(64, 64, 56, 56, 3, 1, 1).to_string(), "mb1_g1ic64oc64_ih56iw56_kh3kw3_sh1sw1_ph1pw1_phe1pwe1_dh1dw1");
}

// ---- attribute decoding ----------------------------------------------------------------------

TEST(ConvParams, DefaultsComeFromTheWeights) {
  ir::Attributes a;
  ConvDesc d = ir::conv_desc_from_attrs(a, {2, 6, 10, 12}, {8, 6, 3, 5});
  EXPECT_EQ(d.rank, 2);
  EXPECT_EQ(d.batch, 2);
  EXPECT_EQ(d.in_channels, 6);
  EXPECT_EQ(d.out_channels, 8);
  EXPECT_EQ(d.groups, 1);
  EXPECT_EQ(d.kernel[0], 3);
  EXPECT_EQ(d.kernel[1], 5);
  EXPECT_EQ(d.stride[0], 1);
  EXPECT_EQ(d.dilation[1], 1);
  EXPECT_EQ(d.pad_begin[0], 0);
  EXPECT_EQ(d.oh(), 8);
  EXPECT_EQ(d.ow(), 8);
}

TEST(ConvParams, PadsAreAllBeginsThenAllEnds) {
  ir::Attributes a;
  a.set_ints("pads", {1, 2, 3, 4});  // h_begin, w_begin, h_end, w_end
  a.set_ints("strides", {2, 1});
  a.set_ints("dilations", {1, 2});
  a.set_ints("kernel_shape", {3, 3});
  a.set_int("group", 2);
  ConvDesc d = ir::conv_desc_from_attrs(a, {1, 4, 10, 10}, {6, 2, 3, 3});
  EXPECT_EQ(d.pad_begin[0], 1);
  EXPECT_EQ(d.pad_begin[1], 2);
  EXPECT_EQ(d.pad_end[0], 3);
  EXPECT_EQ(d.pad_end[1], 4);
  EXPECT_EQ(d.groups, 2);
  EXPECT_EQ(d.oh(), (10 + 1 + 3 - 3) / 2 + 1);
  EXPECT_EQ(d.ow(), (10 + 2 + 4 - 5) / 1 + 1);
}

TEST(ConvParams, AutoPadSameUpperPutsTheOddPixelAtTheEnd) {
  ir::Attributes a;
  a.set_string("auto_pad", "SAME_UPPER");
  a.set_ints("strides", {2, 2});
  // h: in 4, out 2, total pad (2-1)*2 + 3 - 4 = 1; w: in 5, out 3, total (3-1)*2 + 3 - 5 = 2.
  ConvDesc d = ir::conv_desc_from_attrs(a, {1, 1, 4, 5}, {1, 1, 3, 3});
  EXPECT_EQ(d.pad_begin[0], 0);
  EXPECT_EQ(d.pad_end[0], 1);
  EXPECT_EQ(d.pad_begin[1], 1);
  EXPECT_EQ(d.pad_end[1], 1);
  EXPECT_EQ(d.oh(), 2);
  EXPECT_EQ(d.ow(), 3);
}

TEST(ConvParams, AutoPadSameLowerPutsTheOddPixelInFront) {
  ir::Attributes a;
  a.set_string("auto_pad", "SAME_LOWER");
  a.set_ints("strides", {2});
  ConvDesc d = ir::conv_desc_from_attrs(a, {1, 1, 4}, {1, 1, 3});
  EXPECT_EQ(d.pad_begin[0], 1);
  EXPECT_EQ(d.pad_end[0], 0);
  EXPECT_EQ(d.out[0], 2);
}

TEST(ConvParams, AutoPadSameUsesTheDilatedExtent) {
  ir::Attributes a;
  a.set_string("auto_pad", "SAME_UPPER");
  a.set_ints("dilations", {2, 2});
  // Extent 5: total pad 4 keeps the 7x7 size.
  ConvDesc d = ir::conv_desc_from_attrs(a, {1, 1, 7, 7}, {1, 1, 3, 3});
  EXPECT_EQ(d.pad_begin[0], 2);
  EXPECT_EQ(d.pad_end[1], 2);
  EXPECT_EQ(d.oh(), 7);
}

TEST(ConvParams, AutoPadValidPadsNothing) {
  ir::Attributes a;
  a.set_string("auto_pad", "VALID");
  a.set_ints("strides", {2, 2});
  ConvDesc d = ir::conv_desc_from_attrs(a, {1, 1, 7, 8}, {1, 1, 3, 3});
  EXPECT_EQ(d.pad_begin[0] + d.pad_end[0] + d.pad_begin[1] + d.pad_end[1], 0);
  EXPECT_EQ(d.oh(), 3);
  EXPECT_EQ(d.ow(), 3);
}

TEST(ConvParams, ThreeDimensional) {
  ir::Attributes a;
  a.set_ints("pads", {1, 0, 1, 1, 0, 1});
  ConvDesc d = ir::conv_desc_from_attrs(a, {1, 2, 4, 5, 6}, {3, 2, 3, 2, 3});
  EXPECT_EQ(d.rank, 3);
  EXPECT_EQ(d.out[0], 4);
  EXPECT_EQ(d.out[1], 4);
  EXPECT_EQ(d.out[2], 6);
}

TEST(ConvParams, RejectsInvalidAttributes) {
  const Shape x{1, 4, 8, 8}, w{6, 4, 3, 3};
  auto decode = [](ir::Attributes a, Shape xs, Shape ws) { return [=] { ir::conv_desc_from_attrs(a, xs, ws); }; };
  ir::Attributes a;

  a = {};
  a.set_ints("strides", {0, 1});
  expect_error(decode(a, x, w), "strides");
  a = {};
  a.set_ints("strides", {1, -2});
  expect_error(decode(a, x, w), "strides");
  a = {};
  a.set_ints("dilations", {1, 0});
  expect_error(decode(a, x, w), "dilations");
  a = {};
  a.set_ints("strides", {1, 1, 1});
  expect_error(decode(a, x, w), "has 3 values, expected 2");
  a = {};
  a.set_ints("kernel_shape", {5, 5});
  expect_error(decode(a, x, w), "kernel_shape [5,5] does not match weights 6x4x3x3");
  a = {};
  a.set_ints("kernel_shape", {3});
  expect_error(decode(a, x, w), "kernel_shape");
  a = {};
  a.set_ints("pads", {1, 1, -1, 1});
  expect_error(decode(a, x, w), "pads");
  a = {};
  a.set_ints("pads", {1, 1, int64_t{1} << 40, 1});
  expect_error(decode(a, x, w), "pads");
  a = {};
  a.set_ints("pads", {1, 1});
  expect_error(decode(a, x, w), "pads");
  a = {};
  a.set_string("auto_pad", "SAME");
  expect_error(decode(a, x, w), "unknown auto_pad 'SAME'");
  a = {};
  a.set_string("auto_pad", "SAME_UPPER");
  a.set_ints("pads", {1, 1, 1, 1});
  expect_error(decode(a, x, w), "cannot be used together with auto_pad");
  a = {};
  a.set_int("group", 0);
  expect_error(decode(a, x, w), "group");
  a = {};
  a.set_int("group", 2);  // needs w[1] == 2
  expect_error(decode(a, x, w), "expect 8");
  a = {};
  a.set_int("group", 4);  // 6 output channels do not split into 4 groups
  expect_error(decode(a, x, {6, 1, 3, 3}), "not divisible by group 4");
  a = {};
  a.set_int("group", 1);
  a.set_float("strides", 1.f);  // wrong attribute kind
  expect_error(decode(a, x, w), "strides");

  a = {};
  expect_error(decode(a, {1, 5, 8, 8}, w), "5 channels");
  expect_error(decode(a, x, {6, 4, 3}), "weight rank 3 does not match input rank 4");
  expect_error(decode(a, {1, 4}, {6, 4}), "rank 3, 4 or 5");
  expect_error(decode(a, {1, 4, 2, 2}, w), "larger than padded input");
  expect_error(decode(a, {1, 4, 8, 8}, {6, 4, 0, 3}), "weight shape");
}

// ---- shape inference -------------------------------------------------------------------------

TEST(ConvParams, SchemaInfersOutputShapeAndFlops) {
  OneNodeGraph g("Conv");
  g.input({2, 3, 9, 9}).input({8, 3, 3, 3}).input({8});
  g.attrs().set_ints("strides", {2, 2});
  g.attrs().set_ints("pads", {1, 1, 1, 1});
  g.infer();
  EXPECT_EQ(g.output().dtype, DType::f32);
  EXPECT_EQ(g.output().shape, (Shape{2, 8, 5, 5}));
  EXPECT_EQ(g.flops(), 2 * 2 * 8 * 25 * 3 * 9);
}

TEST(ConvParams, SchemaKeepsUnknownDimsUnknown) {
  OneNodeGraph g("Conv");
  g.input({-1, 3, -1, 16}).input({4, 3, 3, 3});
  g.attrs().set_string("auto_pad", "SAME_UPPER");
  g.infer();
  EXPECT_EQ(g.output().shape, (Shape{-1, 4, -1, 16}));
}

TEST(ConvParams, SchemaRejectsBadInputs) {
  {
    OneNodeGraph g("Conv");
    g.input({1, 3, 8, 8}).input({4, 3, 3, 3}).input({3});
    expect_error([&] { g.infer(); }, "bias shape 3 must be [4]");
  }
  {
    OneNodeGraph g("Conv");
    g.input({1, 3, 8, 8}, DType::f16).input({4, 3, 3, 3});
    expect_error([&] { g.infer(); }, "only f32 is supported");
  }
  {
    OneNodeGraph g("Conv");
    g.input({1, 3, 8, 8}).input({4, 2, 3, 3});
    expect_error([&] { g.infer(); }, "node 'node0': Conv: Conv input has 3 channels");
  }
  {
    OneNodeGraph g("Conv");
    g.input({1, 3, 8, 8});
    expect_error([&] { g.infer(); }, "takes 2..3 inputs");
  }
  {
    OneNodeGraph g("Conv");
    g.input({1, 3, 8, 8}).input({4, 3, 3, 3});
    g.attrs().set_ints("strides", {0, 0});
    expect_error([&] { g.infer(); }, "strides");
  }
}

TEST(ConvParams, SchemaAcceptsOmittedBias) {
  OneNodeGraph g("Conv");
  g.input({1, 2, 5}).input({3, 2, 2}).omitted_input();
  g.infer();
  EXPECT_EQ(g.output().shape, (Shape{1, 3, 4}));
}


// ---- end to end through a Session -------------------------------------------------------------

// A graph built value by value: inputs, constants and nodes in order.
struct GraphBuilder {
  std::shared_ptr<ir::Graph> g = std::make_shared<ir::Graph>();
  int seed = 100;

  // Room for every node up front: node() hands out references that must stay valid.
  GraphBuilder() { g->nodes.reserve(16); }

  ir::ValueId value(const std::string& name, Shape shape = {}, std::shared_ptr<const Tensor> c = nullptr) {
    ir::Value v;
    v.name = name;
    v.has_shape = c != nullptr || !shape.empty();
    v.shape = c ? c->shape() : shape;
    v.is_initializer = c != nullptr;
    v.constant = std::move(c);
    return g->add_value(std::move(v));
  }
  // A constant of small integers scaled by `scale` (positive when `positive`).
  ir::ValueId constant(const std::string& name, const Shape& shape, float scale = 0.25f, bool positive = false) {
    std::vector<float> v = small_ints(shape_numel(shape), ++seed);
    for (float& x : v) x = (positive ? std::abs(x) + 1 : x) * scale;
    return value(name, shape, std::make_shared<Tensor>(Tensor::from_vector(shape, v)));
  }
  ir::Node& node(const std::string& op, std::vector<ir::ValueId> inputs, const std::string& output) {
    ir::Node n;
    n.name = output + "_node";
    n.op_type = op;
    n.inputs = std::move(inputs);
    n.outputs = {value(output)};
    g->nodes.push_back(std::move(n));
    return g->nodes.back();
  }
  const float* data(const std::string& name) const {
    return g->value(g->find_value(name)).constant->data_as<float>();
  }
};

TEST(ReferenceConvSession, ChainMatchesDirectReferenceCalls) {
  // x -> Conv(3x3/2, pad 1, bias) -> BatchNormalization -> MaxPool(2x2, ceil) -> AveragePool(3x3,
  // pad 1) -> GlobalAveragePool -> MatMul, run by a Session on the reference ISA.
  GraphBuilder b;
  const Shape x_shape{2, 3, 9, 9};
  ir::ValueId x = b.value("x", x_shape);
  b.g->inputs = {x};
  ir::Node& conv = b.node("Conv", {x, b.constant("w", {4, 3, 3, 3}), b.constant("b", {4})}, "conv");
  conv.attrs.set_ints("strides", {2, 2});
  conv.attrs.set_ints("pads", {1, 1, 1, 1});
  ir::Node& bn = b.node("BatchNormalization",
                        {b.g->find_value("conv"), b.constant("scale", {4}), b.constant("shift", {4}),
                         b.constant("mean", {4}), b.constant("var", {4}, 0.5f, true)},
                        "bn");
  bn.attrs.set_float("epsilon", 1e-3f);
  ir::Node& mp = b.node("MaxPool", {b.g->find_value("bn")}, "mp");
  mp.attrs.set_ints("kernel_shape", {2, 2});
  mp.attrs.set_ints("strides", {2, 2});
  mp.attrs.set_int("ceil_mode", 1);
  ir::Node& ap = b.node("AveragePool", {b.g->find_value("mp")}, "ap");
  ap.attrs.set_ints("kernel_shape", {3, 3});
  ap.attrs.set_ints("pads", {1, 1, 1, 1});
  b.node("GlobalAveragePool", {b.g->find_value("ap")}, "gap");
  b.node("MatMul", {b.g->find_value("gap"), b.constant("proj", {1, 5})}, "y");
  b.g->outputs = {b.g->find_value("y")};
  // Sorting may move the nodes: keep what the direct calls need.
  const ir::Attributes conv_attrs = conv.attrs, mp_attrs = mp.attrs, ap_attrs = ap.attrs;
  b.g->verify_and_sort();

  std::vector<float> xv = small_ints(shape_numel(x_shape), 1);
  Options options;
  options.isa = "reference";
  options.threads = 2;
  Session session(Model(b.g), options);
  std::vector<Tensor> out = session.run({{"x", Tensor::from_vector(x_shape, xv)}});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].shape(), (Shape{2, 4, 1, 5}));
  for (const auto& step : session.impl().plan().steps) EXPECT_EQ(step.kernel->algorithm(), "reference") << step.name;

  // The same chain by direct calls.
  ConvDesc cd = ir::conv_desc_from_attrs(conv_attrs, x_shape, {4, 3, 3, 3});
  std::vector<float> c(static_cast<size_t>(2 * 4 * cd.out_spatial())), n(c.size());
  reference::conv(cd, xv.data(), b.data("w"), b.data("b"), c.data());
  reference::batch_norm(2, 4, cd.out_spatial(), c.data(), b.data("scale"), b.data("shift"), b.data("mean"),
                        b.data("var"), 1e-3f, n.data());
  PoolDesc md = ir::pool_desc_from_attrs(mp_attrs, {2, 4, cd.oh(), cd.ow()});
  std::vector<float> m(static_cast<size_t>(2 * 4 * md.out_spatial()));
  reference::max_pool(md, n.data(), m.data());
  PoolDesc ad = ir::pool_desc_from_attrs(ap_attrs, {2, 4, md.out[0], md.out[1]});
  std::vector<float> a(static_cast<size_t>(2 * 4 * ad.out_spatial())), gap(8), y(40);
  reference::average_pool(ad, m.data(), a.data());
  reference::global_average_pool(8, ad.out_spatial(), a.data(), gap.data());
  reference::matmul({2, 4, 1, 1}, gap.data(), {1, 5}, b.data("proj"), y.data());
  EXPECT_EQ(std::vector<float>(out[0].data_as<float>(), out[0].data_as<float>() + 40), y);
}

TEST(ReferenceConvSession, GemmAndOneDimensionalConv) {
  // x [1, 2, 7] -> Conv 1-d (k3, dilation 2, pads 2/1) -> GlobalMaxPool; a [2, 3] -> Gemm (transB,
  // alpha, beta, C broadcast over rows).
  GraphBuilder b;
  const Shape x_shape{1, 2, 7};
  ir::ValueId x = b.value("x", x_shape);
  b.g->inputs = {x};
  ir::Node& conv = b.node("Conv", {x, b.constant("w", {3, 2, 3})}, "conv");
  conv.attrs.set_ints("dilations", {2});
  conv.attrs.set_ints("pads", {2, 1});
  b.node("GlobalMaxPool", {b.g->find_value("conv")}, "gmp");
  // Gemm takes 2-d operands: it gets its own graph input.
  ir::ValueId a = b.value("a", {2, 3});
  b.g->inputs.push_back(a);
  ir::Node& gemm = b.node("Gemm", {a, b.constant("bt", {4, 3}), b.constant("c", {4})}, "y");
  gemm.attrs.set_int("transB", 1);
  gemm.attrs.set_float("alpha", 0.5f);
  gemm.attrs.set_float("beta", 2.f);
  b.g->outputs = {b.g->find_value("gmp"), b.g->find_value("y")};
  const ir::Attributes conv_attrs = conv.attrs;
  b.g->verify_and_sort();

  std::vector<float> xv = small_ints(shape_numel(x_shape), 2), av = small_ints(6, 3);
  Options options;
  options.isa = "reference";
  options.threads = 1;
  Session session(Model(b.g), options);
  std::vector<Tensor> out =
      session.run({{"x", Tensor::from_vector(x_shape, xv)}, {"a", Tensor::from_vector({2, 3}, av)}});
  ASSERT_EQ(out.size(), 2u);

  ConvDesc cd = ir::conv_desc_from_attrs(conv_attrs, x_shape, {3, 2, 3});
  ASSERT_EQ(cd.out[0], 6);  // (7 + 3 - 5) / 1 + 1
  std::vector<float> c(static_cast<size_t>(3 * cd.out_spatial())), g(3);
  reference::conv(cd, xv.data(), b.data("w"), nullptr, c.data());
  reference::global_max_pool(3, cd.out_spatial(), c.data(), g.data());
  ASSERT_EQ(out[0].shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(std::vector<float>(out[0].data_as<float>(), out[0].data_as<float>() + 3), g);

  reference::GemmDesc gd;
  gd.m = 2, gd.n = 4, gd.k = 3, gd.trans_b = true, gd.alpha = 0.5f, gd.beta = 2.f, gd.c_rows = 1, gd.c_cols = 4;
  std::vector<float> y(8);
  reference::gemm(gd, av.data(), b.data("bt"), b.data("c"), y.data());
  ASSERT_EQ(out[1].shape(), (Shape{2, 4}));
  EXPECT_EQ(std::vector<float>(out[1].data_as<float>(), out[1].data_as<float>() + 8), y);
}

}  // namespace
}  // namespace castnet
