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

// AVX-512, tuned on Zen 4/5 (32–48 KiB L1d, 1 MiB L2, 32 MiB shared L3). An 8 × 32 tile: 16 zmm
// accumulators, 8 rows divide every CNN channel count. B panel 256 × 32 floats = 32 KiB in L1,
// A block 128 × 256 = 128 KiB in L2, B block 256 × 2048 = 2 MiB in L2/L3. Measured: block sizes
// within 2x of these change throughput by less than the run-to-run noise.
constexpr SgemmConfig kAvx512 = {
    "sgemm_ukernel_8x32_avx512", Isa::avx512, 8, 32,
    /*kc=*/256, /*mc=*/128, /*nc=*/2048,
    sgemm_ukernel_8x32_avx512, sgemm_pack_a_avx512, sgemm_pack_b_avx512,
};

}  // namespace

const SgemmConfig& sgemm_config(Isa isa) {
  const CpuFeatures& cpu = CpuFeatures::host();
  if (isa == Isa::avx512 && isa_supported(Isa::avx512, cpu)) return kAvx512;
  if ((isa == Isa::avx512 || isa == Isa::avx2) && isa_supported(Isa::avx2, cpu)) return kAvx2;
  return kGeneric;
}

}  // namespace castnet::kernels
