// Whole models through the fast path (layout pass, BatchNorm folding, NCHWc kernels, reorders)
// against the reference path (the graph as written, reference operators): relative L2 ≤ 1e-4.
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "core/cpu_features.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"

using namespace castnet;

namespace {
void compare_fast_to_reference(const std::string& zoo_name, int64_t batch) {
  castnet::testing::PoisonScope poison;
  Model model = Model::from_zoo(zoo_name, batch);
  Session ref(model, Options{.threads = 2, .isa = "reference"});
  std::mt19937 rng(11);
  TensorInfo in = ref.inputs()[0];
  Tensor x = castnet::testing::random_tensor(in.shape, rng);
  Tensor want = ref.run({{in.name, x}})[0];
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512}) {
    if (!isa_supported(isa, CpuFeatures::host())) continue;
    Session fast(model, Options{.threads = 2, .isa = isa_name(isa)});
    Tensor got = fast.run({{in.name, x}})[0];
    EXPECT_LE(castnet::testing::relative_l2(got, want), 1e-4) << zoo_name << " isa=" << isa_name(isa);
    // The fast path really ran: no reference Conv left.
    for (const auto& step : fast.impl().plan().steps)
      if (step.op_type == "Conv" || step.op_type == "FusedConv") {
        EXPECT_NE(step.kernel->algorithm(), "reference") << step.name;
      }
  }
}
}  // namespace

TEST(FastPathModels, Bottleneck) { compare_fast_to_reference("bottleneck", 1); }
TEST(FastPathModels, DepthwiseSeparableBatch2) { compare_fast_to_reference("dwsep_block", 2); }
TEST(FastPathModels, MobileNetV2) { compare_fast_to_reference("mobilenetv2", 1); }
TEST(FastPathModels, ResNet18) { compare_fast_to_reference("resnet18", 1); }
