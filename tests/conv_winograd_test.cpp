// Winograd F(2×2,3×3) and F(4×4,3×3) against the reference (double accumulation) on every ISA
// this CPU has: named edge cases (partial tiles, asymmetric pads, channel tails, batch), random
// shapes, a fused residual + ReLU6, NCHWc input from a previous conv, the cost rule and the
// CASTNET_CONV_ALGO override, and the error on ResNet-50 shapes with activation-like inputs.
// Outputs are poisoned with NaN first, and every check asserts that Winograd actually ran.
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>

using namespace castnet;
using castnet::testing::PoisonScope;
using castnet::testing::random_tensor;

namespace {

constexpr const char* kF2 = "conv_winograd_f2x3";
constexpr const char* kF4 = "conv_winograd_f4x3";

// Sets CASTNET_CONV_ALGO for the object's lifetime (sessions read it when they are built).
class ForceAlgo {
 public:
  explicit ForceAlgo(const char* name) {
    if (const char* old = std::getenv("CASTNET_CONV_ALGO")) old_ = old;
    setenv("CASTNET_CONV_ALGO", name, 1);
  }
  ~ForceAlgo() {
    if (old_) setenv("CASTNET_CONV_ALGO", old_->c_str(), 1);
    else unsetenv("CASTNET_CONV_ALGO");
  }

 private:
  std::optional<std::string> old_;
};

std::vector<std::string> fast_isas() {
  std::vector<std::string> r;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512})
    if (isa_supported(isa, CpuFeatures::host())) r.push_back(isa_name(isa));
  return r;
}

double tolerance(const char* algo) { return std::strcmp(algo, kF2) == 0 ? 1e-4 : 5e-4; }

// The algorithm of every convolution step of the session's plan.
std::vector<std::string> conv_algorithms(const Session& s) {
  std::vector<std::string> r;
  for (const auto& step : s.impl().plan().steps)
    if (step.op_type == "Conv" || step.op_type == "FusedConv") r.push_back(step.kernel->algorithm());
  return r;
}

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

ConvDesc make(int64_t n, int64_t ic, int64_t oc, int64_t ih, int64_t iw, int64_t pt, int64_t pl, int64_t pb,
              int64_t pr) {
  ConvDesc d;
  d.batch = n; d.in_channels = ic; d.out_channels = oc; d.rank = 2;
  d.in = {ih, iw, 1}; d.kernel = {3, 3, 1};
  d.pad_begin = {pt, pl, 0}; d.pad_end = {pb, pr, 0};
  d.compute_output();
  return d;
}

// Runs `model` forced to `algo` on every ISA and thread count given, against the reference.
void check_model(const Model& model, const NamedTensors& inputs, const char* algo, const std::string& what,
                 std::initializer_list<int> thread_counts = {1, 2}) {
  PoisonScope poison;
  Session ref(model, Options{.threads = 1, .isa = "reference"});
  std::vector<Tensor> want = ref.run(inputs);
  ForceAlgo force(algo);
  for (const std::string& isa : fast_isas())
    for (int threads : thread_counts) {
      Session fast(model, Options{.threads = threads, .isa = isa});
      std::vector<std::string> algos = conv_algorithms(fast);
      ASSERT_FALSE(algos.empty()) << what;
      for (const std::string& a : algos)
        ASSERT_TRUE(starts_with(a, algo)) << what << " isa=" << isa << " ran " << a << ", not " << algo;
      std::vector<Tensor> got = fast.run(inputs);
      for (size_t i = 0; i < want.size(); ++i) {
        double err = castnet::testing::relative_l2(got[i], want[i]);
        EXPECT_LE(err, tolerance(algo)) << what << " isa=" << isa << " threads=" << threads << " algorithm=" << algos[0];
      }
    }
}

void check_conv(const ConvDesc& d, bool bias, uint64_t seed, const char* algo,
                std::initializer_list<int> thread_counts = {1, 2}) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  Model model = castnet::testing::single_conv_model(d, bias, rng);
  Tensor x = random_tensor({d.batch, d.in_channels, d.ih(), d.iw()}, rng);
  check_model(model, {{"x", x}}, algo, d.to_string() + " bias=" + std::to_string(bias), thread_counts);
}

// A graph builder for the multi-node cases.
struct Builder : castnet::testing::GraphBuilder {
  Builder() : GraphBuilder(11, "test:winograd") {}
  ir::ValueId conv3x3(ir::ValueId x, int64_t c_in, int64_t c_out, const std::string& name) {
    float s = 1.f / std::sqrt(9.f * static_cast<float>(c_in));
    Tensor w = random_tensor({c_out, c_in, 3, 3}, rng, -s, s);
    Tensor b = random_tensor({c_out}, rng);
    ir::ValueId y = node("Conv", {x, value(name + "_w", w.shape(), &w), value(name + "_b", b.shape(), &b)}, name);
    g->nodes.back().attrs.set_ints("pads", {1, 1, 1, 1});
    return y;
  }
};

}  // namespace

TEST(ConvWinograd, NamedEdgeCases) {
  std::vector<ConvDesc> cases;
  for (int64_t s = 1; s <= 7; ++s) cases.push_back(make(1, 13, 17, s, s, 1, 1, 1, 1));  // output s×s: partial tiles
  cases.push_back(make(1, 16, 16, 13, 11, 1, 1, 1, 1));   // odd sizes
  cases.push_back(make(1, 16, 24, 9, 10, 0, 0, 0, 0));    // no padding
  cases.push_back(make(1, 8, 8, 10, 9, 0, 1, 2, 0));      // asymmetric pads
  cases.push_back(make(1, 8, 8, 7, 8, 2, 0, 1, 2));       // asymmetric pads, pad 2
  cases.push_back(make(1, 5, 6, 6, 6, 2, 2, 2, 2));       // pad 2: whole border rows of zeros
  cases.push_back(make(1, 1, 1, 9, 9, 1, 1, 1, 1));       // one channel
  cases.push_back(make(1, 1, 37, 8, 8, 1, 1, 1, 1));      // one input channel, oc tail
  cases.push_back(make(1, 37, 1, 8, 8, 1, 1, 1, 1));      // one output channel
  cases.push_back(make(1, 17, 37, 11, 9, 1, 1, 1, 1));    // channel tails
  cases.push_back(make(1, 130, 130, 6, 5, 1, 1, 1, 1));   // several microkernel groups + tail
  cases.push_back(make(2, 13, 17, 9, 11, 1, 0, 0, 1));    // batch 2
  cases.push_back(make(3, 20, 24, 5, 6, 1, 1, 1, 1));     // batch 3: bands span images
  cases.push_back(make(1, 16, 16, 3, 3, 0, 0, 0, 0));     // a single 1×1 output
  uint64_t seed = 1;
  for (const char* algo : {kF2, kF4})
    for (const ConvDesc& d : cases) {
      check_conv(d, true, seed++, algo, {1});
      check_conv(d, false, seed++, algo, {2});
    }
}

TEST(ConvWinograd, RandomShapes) {
  std::mt19937 rng(77);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (int t = 0; t < 30; ++t) {
    int64_t pt = pick(0, 2), pl = pick(0, 2), pb = pick(0, 2), pr = pick(0, 2);
    int64_t ih = pick(1, 24), iw = pick(1, 24);
    if (ih + pt + pb < 3) ih = 3;
    if (iw + pl + pr < 3) iw = 3;
    ConvDesc d = make(pick(1, 2), pick(1, 48), pick(1, 70), ih, iw, pt, pl, pb, pr);
    check_conv(d, pick(0, 1) == 1, 1000 + static_cast<uint64_t>(t), t % 2 ? kF2 : kF4, {t % 3 == 0 ? 2 : 1});
  }
}

TEST(ConvWinograd, FusedResidualAndRelu6) {
  for (const char* algo : {kF2, kF4}) {
    Builder b;
    ir::ValueId x = b.value("x", {2, 37, 11, 13});
    ir::ValueId r = b.value("r", {2, 21, 11, 13});
    ir::ValueId y = b.conv3x3(x, 37, 21, "conv");
    y = b.node("Add", {r, y}, "add");
    Tensor lo = Tensor::from_vector<float>({}, {0.f}), hi = Tensor::from_vector<float>({}, {6.f});
    y = b.node("Clip", {y, b.value("lo", {}, &lo), b.value("hi", {}, &hi)}, "relu6");
    Model m = b.finish({x, r}, {y});
    std::mt19937 rng(5);
    // Inputs large enough that the clip at 6 bites.
    NamedTensors in{{"x", random_tensor({2, 37, 11, 13}, rng, -8.f, 8.f)}, {"r", random_tensor({2, 21, 11, 13}, rng, -4.f, 8.f)}};
    check_model(m, in, algo, std::string("fused residual relu6 ") + algo);
    ForceAlgo force(algo);
    Session s(m, Options{.threads = 1});
    int kernels = 0;
    bool fused = false;
    for (const auto& step : s.impl().plan().steps) {
      kernels += step.op_type != "Reorder";
      fused = fused || step.op_type == "FusedConv";
    }
    EXPECT_EQ(kernels, 1) << algo;  // conv + add + clip in one kernel
    EXPECT_TRUE(fused) << algo;
  }
}

TEST(ConvWinograd, BlockedInputFromPreviousConv) {
  for (const char* algo : {kF2, kF4}) {
    Builder b;
    ir::ValueId x = b.value("x", {1, 19, 10, 9});
    ir::ValueId y = b.conv3x3(x, 19, 33, "conv1");
    y = b.node("Relu", {y}, "relu");
    y = b.conv3x3(y, 33, 18, "conv2");
    std::mt19937 rng(8);
    check_model(b.finish({x}, {y}), {{"x", random_tensor({1, 19, 10, 9}, rng)}}, algo, std::string("chain ") + algo);
  }
}

TEST(ConvWinograd, CostRuleAndOverride) {
  std::mt19937 rng(3);
  const std::string best = isa_name(best_isa(CpuFeatures::host()));
  auto algorithm_of = [&](const ConvDesc& d, const std::string& isa) {
    Model m = castnet::testing::single_conv_model(d, true, rng);
    Session s(m, Options{.threads = 1, .isa = isa});
    return conv_algorithms(s).at(0);
  };
  const ConvDesc layer1 = make(1, 64, 64, 56, 56, 1, 1, 1, 1);
  const ConvDesc narrow = make(1, 8, 8, 14, 14, 1, 1, 1, 1);
  const ConvDesc tiny = make(1, 64, 64, 3, 3, 1, 1, 1, 1);
  ConvDesc strided = make(1, 64, 64, 14, 14, 1, 1, 1, 1);
  strided.stride = {2, 2, 1};
  strided.compute_output();
  EXPECT_TRUE(starts_with(algorithm_of(layer1, best), kF4));
  EXPECT_FALSE(starts_with(algorithm_of(narrow, best), "conv_winograd"));
  EXPECT_FALSE(starts_with(algorithm_of(tiny, best), "conv_winograd"));
  EXPECT_FALSE(starts_with(algorithm_of(strided, best), "conv_winograd"));
  if (isa_supported(Isa::avx512, CpuFeatures::host())) {
    // A 7×7 layer with many channels at batch 1: F(4×4)'s filters (9.4 MB for 4 tiles) cost more
    // than its saved products, F(2×2) wins; at batch 4 bands span images and F(4×4) wins again.
    EXPECT_TRUE(starts_with(algorithm_of(make(1, 256, 256, 7, 7, 1, 1, 1, 1), "avx512"), kF2));
    EXPECT_TRUE(starts_with(algorithm_of(make(4, 256, 256, 7, 7, 1, 1, 1, 1), "avx512"), kF4));
  }
  {
    ForceAlgo force("conv_nchwc_direct");
    EXPECT_FALSE(starts_with(algorithm_of(layer1, best), "conv_winograd"));
  }
  {
    ForceAlgo force(kF2);
    EXPECT_TRUE(starts_with(algorithm_of(layer1, best), kF2));
    EXPECT_TRUE(starts_with(algorithm_of(narrow, best), kF2));
    EXPECT_FALSE(starts_with(algorithm_of(strided, best), "conv_winograd"));  // forced only where it can run
  }
}

// ResNet-50's 3×3 stride-1 channel counts with activation-like inputs (|N(0,1)|, as after
// BatchNorm + ReLU) and He-scaled weights. The spatial size is cut to keep the reference fast:
// the error depends on the summation length (9·C) and the transforms, not on the image size.
TEST(ConvWinogradAccuracy, ResNetShapes) {
  struct Shape2 { int64_t c, hw; };
  for (Shape2 s : {Shape2{64, 14}, Shape2{128, 14}, Shape2{256, 7}, Shape2{512, 7}}) {
    ConvDesc d = make(1, s.c, s.c, s.hw, s.hw, 1, 1, 1, 1);
    std::mt19937 rng(static_cast<uint32_t>(s.c));
    Model model = castnet::testing::single_conv_model(d, true, rng);
    Tensor x(DType::f32, {1, s.c, s.hw, s.hw});
    std::normal_distribution<float> normal(0.f, 1.f);
    for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = std::fabs(normal(rng));
    Session ref(model, Options{.threads = 1, .isa = "reference"});
    Tensor want = ref.run({{"x", x}})[0];
    const std::string best = isa_name(best_isa(CpuFeatures::host()));
    for (const char* algo : {kF2, kF4, "conv_nchwc_direct"}) {
      ForceAlgo force(algo);
      Session fast(model, Options{.threads = 2, .isa = best});
      double err = castnet::testing::relative_l2(fast.run({{"x", x}})[0], want);
      std::printf("[ accuracy ] %s c=%lld: %-40s relative L2 %.2e\n", d.to_string().c_str(),
                  static_cast<long long>(s.c), conv_algorithms(fast).at(0).c_str(), err);
      if (algo != std::string("conv_nchwc_direct")) {
        EXPECT_LE(err, tolerance(algo)) << d.to_string() << " " << algo;
      }
    }
  }
}

// The work partition across threads: batches 1..9 (tile counts that split unevenly into the
// microkernel's 6-tile rows and into 2..5 threads), one band or several (24×24 planes at batch 9
// need 5 L2-sized bands, rounded up to a multiple of the thread count), and output channels in
// one microkernel group or several (the output-channel split, taken where the tiles cannot be
// shared evenly). Every thread count must match the reference, and two runs of one session must
// agree bit for bit.
TEST(ConvWinograd, PartitionAcrossThreads) {
  struct Case { int64_t n, ic, oc, hw; const char* algo; };
  std::vector<Case> cases;
  for (int64_t n = 1; n <= 9; ++n) cases.push_back({n, 19, n % 2 ? 21 : 70, n <= 3 ? 7 : 10, n % 3 ? kF4 : kF2});
  cases.push_back({9, 20, 24, 24, kF4});   // several bands per thread
  cases.push_back({1, 24, 130, 7, kF2});    // 16 tiles: 6 + 10 is uneven, so output channels split
  uint64_t seed = 500;
  for (const Case& c : cases) {
    const ConvDesc d = make(c.n, c.ic, c.oc, c.hw, c.hw, 1, 1, 1, 1);
    std::mt19937 rng(static_cast<uint32_t>(seed++));
    Model model = castnet::testing::single_conv_model(d, true, rng);
    Tensor x = random_tensor({d.batch, d.in_channels, d.ih(), d.iw()}, rng);
    PoisonScope poison;
    Tensor want = Session(model, Options{.threads = 1, .isa = "reference"}).run({{"x", x}})[0];
    ForceAlgo force(c.algo);
    for (const std::string& isa : fast_isas())
      for (int threads = 1; threads <= 5; ++threads) {
        const std::string what = d.to_string() + " " + c.algo + " isa=" + isa + " threads=" + std::to_string(threads);
        Session fast(model, Options{.threads = threads, .isa = isa});
        ASSERT_TRUE(starts_with(conv_algorithms(fast).at(0), c.algo)) << what;
        Tensor first = fast.run({{"x", x}})[0];
        Tensor second = fast.run({{"x", x}})[0];
        EXPECT_LE(castnet::testing::relative_l2(first, want), tolerance(c.algo)) << what;
        EXPECT_EQ(std::memcmp(first.data(), second.data(), first.nbytes()), 0) << what << ": runs differ";
      }
  }
}
