#include "kernels/config/gemm_config.h"

namespace castnet::kernels {
namespace {

// Portable: a 4 × 8 tile in SSE registers.
constexpr SgemmConfig kGeneric = {
    "sgemm_ukernel_4x8_generic", Isa::generic, 4, 8,
    /*kc=*/256, /*mc=*/128, /*nc=*/2048,
    sgemm_ukernel_4x8_generic, sgemm_pack_a_generic, sgemm_pack_b_generic,
};

// AVX2 + FMA: 12 of the 16 ymm registers accumulate a 6 × 16 tile; B panel 256 × 16 = 16 KiB.
constexpr SgemmConfig kAvx2 = {
    "sgemm_ukernel_6x16_avx2", Isa::avx2, 6, 16,
    /*kc=*/256, /*mc=*/144, /*nc=*/2048,
    sgemm_ukernel_6x16_avx2, sgemm_pack_a_generic, sgemm_pack_b_generic,
};

// AVX-512 (tuned on Zen 4/5: 32–48 KiB L1d, 1 MiB L2, 32 MiB shared L3): 24 of the 32 zmm
// registers accumulate a 12 × 32 tile; B panel 256 × 32 = 32 KiB in L1, A block 144 × 256 =
// 144 KiB in L2.
constexpr SgemmConfig kAvx512 = {
    "sgemm_ukernel_12x32_avx512", Isa::avx512, 12, 32,
    /*kc=*/256, /*mc=*/144, /*nc=*/2048,
    sgemm_ukernel_12x32_avx512, sgemm_pack_a_avx512, sgemm_pack_b_avx512,
};

}  // namespace

const SgemmConfig& sgemm_config(Isa isa) {
  const CpuFeatures& cpu = CpuFeatures::host();
  if (isa == Isa::avx512 && isa_supported(Isa::avx512, cpu)) return kAvx512;
  if ((isa == Isa::avx512 || isa == Isa::avx2) && isa_supported(Isa::avx2, cpu)) return kAvx2;
  return kGeneric;
}

}  // namespace castnet::kernels
