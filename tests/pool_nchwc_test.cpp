// The NCHWc max-pool kernels (kernels/pool/maxpool_nchwc_<isa>.cpp) against the reference on
// every ISA this CPU has, 1 and 2 threads: kernel sizes, strides, dilations, asymmetric and
// ceil-mode padding, windows lying wholly in padding, channel tails, batch, the global pool.
// The pool's input comes from a 1×1 convolution with identity weights, so it arrives blocked (the
// layout pass blocks a pool only after a blocked producer) and still holds the exact input
// values: max pooling is exact, so the outputs must match bit for bit. Outputs are poisoned first.
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <cstring>
#include <random>
#include <string>

using namespace castnet;
using castnet::testing::PoisonScope;
using castnet::testing::random_tensor;

namespace {

struct PoolCase {
  int64_t n, c, h, w;
  std::vector<int64_t> kernel, strides, pads, dilations;
  bool ceil_mode = false;
  const char* op = "MaxPool";

  std::string name() const {
    auto list = [](const std::vector<int64_t>& v) {
      std::string s;
      for (int64_t x : v) (s += s.empty() ? "" : ",") += std::to_string(x);
      return s;
    };
    return std::string(op) + " " + std::to_string(n) + "x" + std::to_string(c) + "x" + std::to_string(h) + "x" +
           std::to_string(w) + " k" + list(kernel) + " s" + list(strides) + " p" + list(pads) + " d" +
           list(dilations) + (ceil_mode ? " ceil" : "");
  }
};

Model identity_conv_then_pool(const PoolCase& pc) {
  castnet::testing::GraphBuilder b(7, "test:pool_nchwc");
  Tensor eye(DType::f32, {pc.c, pc.c, 1, 1});
  for (int64_t i = 0; i < pc.c; ++i)
    for (int64_t j = 0; j < pc.c; ++j) eye.data_as<float>()[i * pc.c + j] = i == j ? 1.f : 0.f;
  ir::ValueId x = b.value("x", {pc.n, pc.c, pc.h, pc.w});
  ir::ValueId y = b.node("Conv", {x, b.value("eye", eye.shape(), &eye)}, "identity");
  y = b.node(pc.op, {y}, "pool");
  if (std::string(pc.op) == "MaxPool") {
    ir::Attributes& a = b.last().attrs;
    a.set_ints("kernel_shape", pc.kernel);
    if (!pc.strides.empty()) a.set_ints("strides", pc.strides);
    if (!pc.pads.empty()) a.set_ints("pads", pc.pads);
    if (!pc.dilations.empty()) a.set_ints("dilations", pc.dilations);
    if (pc.ceil_mode) a.set_int("ceil_mode", 1);
  }
  return b.finish({x}, {y});
}

}  // namespace

TEST(PoolNchwc, MaxPoolMatchesReferenceBitwise) {
  std::vector<PoolCase> cases = {
      {1, 64, 112, 112, {3, 3}, {2, 2}, {1, 1, 1, 1}, {}},  // the ResNet stem's pool
      {1, 13, 9, 11, {3, 3}, {2, 2}, {1, 1, 1, 1}, {}},     // channel tail, odd sizes
      {2, 37, 8, 7, {2, 2}, {2, 2}, {}, {}},                // 2×2 stride 2, batch 2
      {1, 16, 7, 7, {3, 3}, {1, 1}, {1, 1, 1, 1}, {}},      // stride 1, "same"
      {1, 17, 10, 9, {3, 2}, {2, 3}, {0, 1, 2, 0}, {}},     // asymmetric pads and windows
      {1, 8, 9, 9, {3, 3}, {2, 2}, {1, 1, 1, 1}, {2, 2}},   // dilation 2
      {1, 24, 6, 7, {3, 3}, {2, 2}, {0, 0, 1, 1}, {}, true},  // ceil mode: partial last windows
      {3, 5, 5, 5, {5, 5}, {1, 1}, {2, 2, 2, 2}, {}},       // windows larger than the input
      {1, 16, 1, 1, {1, 1}, {1, 1}, {}, {}},                // 1×1
  };
  PoolCase global{2, 40, 7, 7, {}, {}, {}, {}};
  global.op = "GlobalMaxPool";
  cases.push_back(global);
  std::mt19937 rng(11);
  for (const PoolCase& pc : cases) {
    Model model = identity_conv_then_pool(pc);
    NamedTensors in{{"x", random_tensor({pc.n, pc.c, pc.h, pc.w}, rng, -4.f, 1.f)}};
    PoisonScope poison;
    Tensor want = Session(model, Options{.threads = 1, .isa = "reference"}).run(in)[0];
    for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512}) {
      if (!isa_supported(isa, CpuFeatures::host())) continue;
      for (int threads : {1, 2}) {
        const std::string what = pc.name() + " isa=" + isa_name(isa) + " threads=" + std::to_string(threads);
        Session fast(model, Options{.threads = threads, .isa = isa_name(isa)});
        std::string algo;
        for (const auto& step : fast.impl().plan().steps)
          if (step.op_type == pc.op) algo = step.kernel->algorithm();
        EXPECT_EQ(algo.rfind("maxpool_nchw", 0), 0u) << what << " ran " << algo;
        Tensor got = fast.run(in)[0];
        ASSERT_EQ(got.shape(), want.shape()) << what;
        EXPECT_EQ(std::memcmp(got.data(), want.data(), want.nbytes()), 0) << what;
      }
    }
  }
}
