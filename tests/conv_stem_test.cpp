// The stem convolution (the direct driver reading plain NCHW input one channel per step) and the
// direct driver's output-block grouping and thread partition, on every ISA this CPU has, against
// the reference (double accumulation), outputs poisoned first; and bitwise equality of results
// across thread counts (the partition is static and never changes a sum's order).
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <cstring>
#include <random>

using namespace castnet;
using castnet::testing::PoisonScope;
using castnet::testing::random_tensor;

namespace {

std::vector<std::string> fast_isas() {
  std::vector<std::string> r;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512})
    if (isa_supported(isa, CpuFeatures::host())) r.push_back(isa_name(isa));
  return r;
}

ConvDesc make(int64_t n, int64_t ic, int64_t oc, int64_t ih, int64_t iw, int64_t k, int64_t s, int64_t pt,
              int64_t pl, int64_t pb, int64_t pr) {
  ConvDesc d;
  d.batch = n; d.in_channels = ic; d.out_channels = oc; d.rank = 2;
  d.in = {ih, iw, 1}; d.kernel = {k, k, 1}; d.stride = {s, s, 1}; d.dilation = {1, 1, 1};
  d.pad_begin = {pt, pl, 0}; d.pad_end = {pb, pr, 0};
  d.compute_output();
  return d;
}

std::string algorithm_of(const Session& s, size_t step = 0) { return s.impl().plan().steps[step].kernel->algorithm(); }

bool bitwise_equal(const Tensor& a, const Tensor& b) {
  return a.numel() == b.numel() && std::memcmp(a.data_as<float>(), b.data_as<float>(), a.numel() * sizeof(float)) == 0;
}

// The conv on every fast ISA at 1, 2 and 3 threads against the reference; the algorithm must
// start with `algo_prefix`, and the three thread counts must agree bit for bit.
void check(const Model& model, const Tensor& x, const std::string& what, const std::string& algo_prefix,
           size_t step = 0) {
  PoisonScope poison;
  Session ref(model, Options{.threads = 1, .isa = "reference"});
  Tensor want = ref.run({{"x", x}})[0];
  for (const std::string& isa : fast_isas()) {
    Tensor first;
    for (int threads : {1, 2, 3}) {
      Session fast(model, Options{.threads = threads, .isa = isa});
      Tensor got = fast.run({{"x", x}})[0];
      const std::string algo = algorithm_of(fast, step);
      EXPECT_EQ(algo.rfind(algo_prefix, 0), 0u) << what << " isa=" << isa << " algorithm=" << algo;
      EXPECT_LE(castnet::testing::relative_l2(got, want), 1e-5)
          << what << " isa=" << isa << " threads=" << threads << " algorithm=" << algo;
      if (threads == 1) first = got;
      else EXPECT_TRUE(bitwise_equal(got, first)) << what << " isa=" << isa << " threads=" << threads;
    }
  }
}

void check_conv(const ConvDesc& d, bool bias, uint64_t seed, const std::string& algo_prefix) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  Model model = castnet::testing::single_conv_model(d, bias, rng);
  Tensor x = random_tensor({d.batch, d.in_channels, d.ih(), d.iw()}, rng);
  check(model, x, d.to_string() + " bias=" + std::to_string(bias), algo_prefix);
}

struct ForcedAlgorithm {
  explicit ForcedAlgorithm(const char* name) { setenv("CASTNET_CONV_ALGO", name, 1); }
  ~ForcedAlgorithm() { unsetenv("CASTNET_CONV_ALGO"); }
};

}  // namespace

// 7×7/2 and 3×3/2 stems with 1 to 4 input channels: odd sizes (border columns on one side
// only), asymmetric and over-sized pads, batch 2, output channels that are not whole blocks.
TEST(ConvStem, ShapesAgainstReference) {
  uint64_t seed = 1;
  for (int64_t c = 1; c <= 4; ++c) {
    check_conv(make(1, c, 64, 32, 30, 7, 2, 3, 3, 3, 3), true, seed++, "conv_stem_");    // ResNet stem, small
    check_conv(make(2, c, 32, 23, 19, 3, 2, 1, 1, 1, 1), false, seed++, "conv_stem_");   // MobileNet stem, odd, batch 2
    check_conv(make(1, c, 40, 17, 21, 7, 2, 3, 2, 1, 3), true, seed++, "conv_stem_");    // asymmetric pads, 2.5 blocks
    check_conv(make(2, c, 13, 11, 12, 3, 2, 0, 1, 2, 0), true, seed++, "conv_stem_");    // 13 channels, valid top
    check_conv(make(1, c, 24, 9, 9, 7, 1, 4, 4, 4, 4), false, seed++, "conv_stem_");     // stride 1, pads beyond the window
  }
  check_conv(make(1, 3, 64, 5, 5, 7, 2, 3, 3, 3, 3), true, seed++, "conv_stem_");  // every column a border column
  check_conv(make(1, 3, 64, 64, 64, 7, 2, 3, 3, 3, 3), true, seed++, "conv_stem_");
  check_conv(make(1, 3, 32, 57, 63, 3, 2, 1, 1, 1, 1), true, seed++, "conv_stem_");
}

// Conv + activation, fused into one stem step, for every activation, batch 2, odd size.
TEST(ConvStem, EveryActivationFused) {
  for (std::string op : {"Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid"}) {
    castnet::testing::GraphBuilder b(7, "test:stem-" + op);
    Tensor w = random_tensor({40, 3, 3, 3}, b.rng, -0.4f, 0.4f);
    Tensor bias = random_tensor({40}, b.rng);
    ir::ValueId x = b.value("x", {2, 3, 15, 13});
    ir::ValueId y = b.node("Conv", {x, b.value("w", w.shape(), &w), b.value("b", bias.shape(), &bias)}, "conv");
    b.last().attrs.set_ints("pads", {1, 1, 1, 1});
    b.last().attrs.set_ints("strides", {2, 2});
    if (op == "Clip") {
      Tensor lo = Tensor::from_vector<float>({}, {-0.5f}), hi = Tensor::from_vector<float>({}, {0.75f});
      y = b.node("Clip", {y, b.value("lo", {}, &lo), b.value("hi", {}, &hi)}, "act");
    } else {
      y = b.node(op, {y}, "act");
      if (op == "LeakyRelu") b.last().attrs.set_float("alpha", 0.13f);
      if (op == "HardSigmoid") b.last().attrs.set_float("alpha", 0.3f), b.last().attrs.set_float("beta", 0.4f);
    }
    Model m = b.finish({x}, {y});
    std::mt19937 rng(3);
    Tensor in = random_tensor({2, 3, 15, 13}, rng, -2.f, 2.f);
    check(m, in, "stem + " + op, "conv_stem_");
    Session s(m, Options{.threads = 1});
    size_t kernels = 0;
    for (const auto& st : s.impl().plan().steps) kernels += st.op_type != "Reorder";
    EXPECT_EQ(kernels, 1u) << op << ": conv and activation in one step";
  }
}

// im2col stays available behind the stem when forced, and agrees with it.
TEST(ConvStem, Im2colStillForcible) {
  ForcedAlgorithm im2col("conv_im2col_nchwc");
  check_conv(make(1, 3, 64, 30, 30, 7, 2, 3, 3, 3, 3), true, 90, "conv_im2col_");
}

// The direct driver's even output-block groups and tiles of up to 12 pixels for 1-3 blocks, the
// partial last input block (24 = 16 + 8 channels on AVX-512), and the thread partition over
// groups and bands on small planes (1, 2 and 3 threads agree bit for bit).
TEST(ConvDirectPartition, GroupsBandsAndPartialBlocks) {
  ForcedAlgorithm direct("conv_nchwc_direct");
  const ConvDesc cases[] = {
      make(1, 24, 144, 9, 10, 1, 1, 0, 0, 0, 0),   // 1×1, 24 channels, 9 blocks: 3 + 3 + 3
      make(1, 16, 96, 13, 13, 1, 1, 0, 0, 0, 0),   // 1×1, 16 channels, 6 blocks
      make(1, 96, 160, 7, 7, 1, 1, 0, 0, 0, 0),    // 7×7 stage: 10 blocks over threads
      make(2, 40, 24, 7, 7, 1, 1, 0, 0, 0, 0),     // 2 blocks (one partial), batch 2
      make(1, 37, 16, 11, 11, 1, 1, 0, 0, 0, 0),   // one output block: 12-pixel tiles
      make(1, 24, 80, 14, 14, 3, 1, 1, 1, 1, 1),   // 3×3, 5 blocks, partial input block
      make(1, 72, 96, 14, 14, 3, 2, 1, 1, 1, 1),   // 3×3 s2: border columns with 8 × 3 tiles
      make(1, 40, 72, 14, 14, 1, 2, 0, 0, 0, 0),   // 1×1 s2, gathered
      make(1, 1100, 40, 5, 5, 1, 1, 0, 0, 0, 0),   // K chunks with a partial last block
      make(2, 20, 200, 3, 5, 3, 1, 1, 0, 2, 1),    // 13 blocks, batch 2, asymmetric pads
  };
  uint64_t seed = 300;
  for (const ConvDesc& d : cases) {
    check_conv(d, (seed & 1) != 0, seed, "conv_direct_");
    ++seed;
  }
}
