// Every fast convolution path on every ISA this CPU has, against the reference (double
// accumulation), over named edge cases and randomised shapes. Outputs are poisoned first.
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <random>

using namespace castnet;
using castnet::testing::PoisonScope;

namespace {

std::vector<std::string> fast_isas() {
  std::vector<std::string> r;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512})
    if (isa_supported(isa, CpuFeatures::host())) r.push_back(isa_name(isa));
  return r;
}

void check_conv(const ConvDesc& d, bool bias, uint64_t seed) {
  PoisonScope poison;
  std::mt19937 rng(static_cast<uint32_t>(seed));
  Model model = castnet::testing::single_conv_model(d, bias, rng);
  Tensor x = castnet::testing::random_tensor({d.batch, d.in_channels, d.ih(), d.iw()}, rng);
  Session ref(model, Options{.threads = 1, .isa = "reference"});
  Tensor want = ref.run({{"x", x}})[0];
  for (const std::string& isa : fast_isas())
    for (int threads : {1, 2}) {
      Session fast(model, Options{.threads = threads, .isa = isa});
      Tensor got = fast.run({{"x", x}})[0];
      double err = castnet::testing::relative_l2(got, want);
      EXPECT_LE(err, 1e-5) << d.to_string() << " bias=" << bias << " isa=" << isa << " threads=" << threads
                           << " algorithm=" << fast.impl().plan().steps[0].kernel->algorithm();
    }
}

ConvDesc make(int64_t n, int64_t ic, int64_t oc, int64_t ih, int64_t iw, int64_t kh, int64_t kw, int64_t s,
              int64_t dil, int64_t pt, int64_t pl, int64_t pb, int64_t pr, int64_t groups = 1) {
  ConvDesc d;
  d.groups = groups;
  d.batch = n; d.in_channels = ic; d.out_channels = oc; d.rank = 2;
  d.in = {ih, iw, 1}; d.kernel = {kh, kw, 1}; d.stride = {s, s, 1}; d.dilation = {dil, dil, 1};
  d.pad_begin = {pt, pl, 0}; d.pad_end = {pb, pr, 0};
  d.compute_output();
  return d;
}

}  // namespace

TEST(ConvAlgorithms, NamedEdgeCases) {
  const ConvDesc cases[] = {
      make(1, 64, 64, 14, 14, 1, 1, 1, 1, 0, 0, 0, 0),      // 1×1 as GEMM
      make(1, 17, 13, 9, 11, 1, 1, 1, 1, 0, 0, 0, 0),       // channel tails on both sides
      make(1, 32, 48, 15, 15, 1, 1, 2, 1, 0, 0, 0, 0),      // 1×1 stride 2
      make(2, 16, 16, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1),        // 3×3 pad 1, batch 2
      make(1, 3, 64, 32, 32, 7, 7, 2, 1, 3, 3, 3, 3),       // the stem
      make(1, 5, 7, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1),          // 1×1 spatial, all border
      make(1, 8, 8, 6, 7, 3, 3, 1, 2, 2, 2, 2, 2),          // dilation 2
      make(1, 13, 37, 10, 9, 3, 2, 3, 1, 0, 1, 2, 0),       // asymmetric pads, stride 3
      make(3, 20, 130, 5, 5, 5, 5, 1, 1, 2, 2, 2, 2),       // oc = 130 (group tail), batch 3
      make(1, 16, 16, 4, 4, 3, 3, 1, 1, 0, 0, 0, 0),        // valid conv, tiny
      make(1, 200, 40, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1),       // several input-channel chunks (K-blocking)
      make(2, 1030, 24, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0),      // 1×1 with K chunks, batch 2
  };
  uint64_t seed = 1;
  for (const ConvDesc& d : cases) {
    check_conv(d, true, seed++);
    check_conv(d, false, seed++);
  }
}

TEST(ConvAlgorithms, RandomShapes) {
  std::mt19937 rng(2024);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 40; ++t) {
    int64_t k = pick(1, 5), dil = pick(1, 2), s = pick(1, 3);
    int64_t span = dil * (k - 1) + 1;
    int64_t ih = pick(1, 24), iw = pick(1, 24);
    int64_t pt = pick(0, 2), pl = pick(0, 2), pb = pick(0, 2), pr = pick(0, 2);
    if (ih + pt + pb < span) ih = span;
    if (iw + pl + pr < span) iw = span;
    ConvDesc d = make(pick(1, 3), pick(1, 40), pick(1, 70), ih, iw, k, k, s, dil, pt, pl, pb, pr);
    check_conv(d, pick(0, 1) == 1, 1000 + t);
  }
}

TEST(ConvAlgorithms, DepthwiseAndGrouped) {
  const ConvDesc cases[] = {
      make(1, 32, 32, 12, 12, 3, 3, 1, 1, 1, 1, 1, 1, 32),     // MobileNet 3×3 s1
      make(2, 13, 13, 11, 9, 3, 3, 2, 1, 1, 1, 1, 1, 13),      // s2, channel tail, batch 2
      make(1, 144, 144, 7, 7, 5, 5, 1, 1, 2, 2, 2, 2, 144),    // 5×5
      make(1, 24, 24, 9, 10, 3, 3, 1, 2, 2, 2, 2, 2, 24),      // dilation 2
      make(1, 17, 17, 1, 1, 3, 3, 1, 1, 1, 1, 1, 1, 17),       // 1×1 spatial, all border
      make(1, 16, 16, 6, 6, 3, 3, 3, 1, 0, 1, 2, 0, 16),       // stride 3, asymmetric pads
      make(1, 16, 32, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 2),        // grouped (not depthwise)
      make(1, 8, 16, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1, 8),         // channel multiplier 2
  };
  uint64_t seed = 500;
  for (const ConvDesc& d : cases) {
    const bool relu = (seed & 1) != 0;
    check_conv(d, relu, seed++);
  }
}

// Sets CASTNET_CONV_ALGO for the lifetime of the object (Winograd then declines 3×3 stride-1
// layers, so the direct driver computes them).
struct ForcedAlgorithm {
  explicit ForcedAlgorithm(const char* name) { setenv("CASTNET_CONV_ALGO", name, 1); }
  ~ForcedAlgorithm() { unsetenv("CASTNET_CONV_ALGO"); }
};

// The direct driver's paths: border columns computed down the column (rows whose valid kernel
// rows differ split the column), near-equal row tiles, 1×1 strided layers gathered into a dense
// plane, input-channel chunks with the next chunk prefetched across groups, and the two loop
// orders (weights under and over the L2 threshold), at 1 and 2 threads.
TEST(ConvAlgorithms, DirectDriverPaths) {
  ForcedAlgorithm direct("conv_nchwc_direct");
  const ConvDesc cases[] = {
      make(1, 24, 40, 14, 14, 3, 3, 2, 1, 1, 1, 1, 1),      // ResNet's 3×3 s2 at 14: border column of 7 rows
      make(2, 20, 33, 7, 7, 3, 3, 1, 1, 1, 1, 1, 1),        // 7×7: both border columns, OW = 7
      make(1, 16, 16, 13, 5, 5, 5, 1, 1, 2, 2, 2, 2),       // 5×5: two border columns each side, many row runs
      make(1, 9, 12, 11, 3, 3, 3, 1, 2, 2, 2, 2, 2),        // dilation 2, every column a border column
      make(1, 8, 8, 9, 9, 3, 3, 3, 1, 4, 4, 4, 4),          // pads beyond the kernel: rows and columns of bias only
      make(1, 40, 72, 14, 14, 1, 1, 2, 1, 0, 0, 0, 0),      // 1×1 s2, OW = 7: gathered, flat
      make(2, 33, 20, 28, 27, 1, 1, 2, 1, 0, 0, 0, 0),      // 1×1 s2, OW = 14, batch 2
      make(1, 16, 24, 13, 20, 1, 1, 3, 1, 0, 0, 0, 0),      // 1×1 s3
      make(1, 48, 48, 16, 16, 1, 1, 2, 1, 0, 0, 0, 0),      // 1×1 s2, OW = 8 (rows tile well: not gathered)
      make(1, 130, 150, 6, 5, 3, 3, 1, 1, 1, 1, 1, 1),      // weights > L2 threshold: bands inner, 3 groups
      make(1, 1100, 70, 4, 4, 1, 1, 1, 1, 0, 0, 0, 0),      // 1×1, several K chunks, 2 groups
      make(1, 300, 40, 5, 6, 3, 3, 2, 1, 1, 0, 0, 1),       // 3×3 s2, K chunks, asymmetric pads
  };
  uint64_t seed = 700;
  for (const ConvDesc& d : cases) {
    std::mt19937 rng(1);
    Session s(castnet::testing::single_conv_model(d, true, rng), Options{.threads = 1});
    EXPECT_EQ(s.impl().plan().steps[0].kernel->algorithm().rfind("conv_direct_", 0), 0u) << d.to_string();
    check_conv(d, (seed & 1) != 0, seed);
    ++seed;
  }
}

TEST(ConvAlgorithms, FastPathIsChosen) {
  std::mt19937 rng(5);
  Model model = castnet::testing::single_conv_model(make(1, 16, 16, 8, 8, 3, 3, 1, 1, 1, 1, 1, 1), true, rng);
  Session s(model, Options{.threads = 1});
  EXPECT_NE(s.impl().plan().steps[0].kernel->algorithm(), "reference");
  if (isa_supported(Isa::avx512, CpuFeatures::host())) {  // the 3-channel stem reads plain input
    Model stem = castnet::testing::single_conv_model(make(1, 3, 64, 32, 32, 7, 7, 2, 1, 3, 3, 3, 3), true, rng);
    Session st(stem, Options{.threads = 1, .isa = "avx512"});
    EXPECT_EQ(st.impl().plan().steps[0].kernel->algorithm().rfind("conv_stem_", 0), 0u);
  }
  Session r(model, Options{.threads = 1, .isa = "reference"});
  EXPECT_EQ(r.impl().plan().steps[0].kernel->algorithm(), "reference");
}
