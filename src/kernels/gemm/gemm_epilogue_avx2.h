// The GEMM epilogue in AVX2 registers: finishing an MR × (NV·8) accumulator tile and storing it.
// Include only from *_avx2.cpp files (compiled with -mavx2 -mfma). The logic is in
// gemm_epilogue_body.h; this file gives it the AVX2 primitives.
#pragma once
#include "kernels/gemm/gemm_epilogue.h"

#include <immintrin.h>

#include <cstddef>

namespace castnet::kernels::avx2 {

#include "kernels/simd/vec_avx2.h"

// A vmaskmov mask selecting lanes [0, n) of 8, n clamped to [0, 8].
inline __m256i lane_mask(ptrdiff_t n) {
  n = n < 0 ? 0 : (n > 8 ? 8 : n);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// VecAvx2 plus what the epilogue needs (see gemm_epilogue_body.h). always_inline like the
// intrinsics they stand for: left to the inliner, the masked loads and stores were inlined late
// and the tile came out with a different register allocation.
struct EpilogueVec : VecAvx2 {
  using Mask = __m256i;
  // n is in [-126, 127] after this clamp, so 2^n fits the exponent field that scale_pow2 builds.
  static constexpr float kExpMax = 88.37626f;
  __attribute__((always_inline)) static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
  __attribute__((always_inline)) static Reg div(Reg a, Reg b) { return _mm256_div_ps(a, b); }
  __attribute__((always_inline)) static Reg fnma(Reg a, Reg b, Reg c) { return _mm256_fnmadd_ps(a, b, c); }
  __attribute__((always_inline)) static Reg round(Reg x) {
    return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  // 2^n built in the exponent field.
  __attribute__((always_inline)) static Reg scale_pow2(Reg p, Reg n) {
    __m256i pow2n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(pow2n));
  }
  __attribute__((always_inline)) static Reg scale_negative(Reg v, Reg k) {
    __m256 negative = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_blendv_ps(v, _mm256_mul_ps(v, k), negative);
  }
  __attribute__((always_inline)) static Mask lane_mask(ptrdiff_t n) { return avx2::lane_mask(n); }
  __attribute__((always_inline)) static Reg load_masked(const float* p, Mask m) {
    return _mm256_maskload_ps(p, m);
  }
  __attribute__((always_inline)) static void store_masked(float* p, Mask m, Reg v) {
    _mm256_maskstore_ps(p, m, v);
  }
};

#include "kernels/gemm/gemm_epilogue_body.h"

}  // namespace castnet::kernels::avx2
