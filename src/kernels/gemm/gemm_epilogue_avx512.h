// The GEMM epilogue in AVX-512 registers: finishing an MR × (NV·16) accumulator tile and storing
// it. Include only from *_avx512*.cpp files (compiled with -mavx512f ...). The logic is in
// gemm_epilogue_body.h; this file gives it the AVX-512 primitives.
#pragma once
#include "kernels/gemm/gemm_epilogue.h"

// GCC 12 reports its own _mm512_undefined_ps() placeholders (in min, max, permutes ...) as
// "may be used uninitialized" once they are inlined here; the warning is about the header.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
#include <immintrin.h>

#include <cstddef>

namespace castnet::kernels::avx512 {

#include "kernels/simd/vec_avx512.h"

// Lanes [0, n) of a 16-lane vector, n clamped to [0, 16].
inline __mmask16 lane_mask(ptrdiff_t n) {
  if (n >= 16) return 0xFFFF;
  if (n <= 0) return 0;
  return static_cast<__mmask16>((1u << n) - 1);
}

// VecAvx512 plus what the epilogue needs (see gemm_epilogue_body.h); always_inline for the
// reason given in gemm_epilogue_avx2.h.
struct EpilogueVec : VecAvx512 {
  using Mask = __mmask16;
  // scalef takes the exponent as a float, so the clamp can run to the top of the float range.
  static constexpr float kExpMax = 88.72283f;
  __attribute__((always_inline)) static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  __attribute__((always_inline)) static Reg div(Reg a, Reg b) { return _mm512_div_ps(a, b); }
  __attribute__((always_inline)) static Reg fnma(Reg a, Reg b, Reg c) { return _mm512_fnmadd_ps(a, b, c); }
  __attribute__((always_inline)) static Reg round(Reg x) {
    return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  __attribute__((always_inline)) static Reg scale_pow2(Reg p, Reg n) { return _mm512_scalef_ps(p, n); }
  __attribute__((always_inline)) static Reg scale_negative(Reg v, Reg k) {
    __mmask16 negative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_mul_ps(v, negative, v, k);
  }
  __attribute__((always_inline)) static Mask lane_mask(ptrdiff_t n) { return avx512::lane_mask(n); }
  __attribute__((always_inline)) static Reg load_masked(const float* p, Mask m) {
    return _mm512_maskz_loadu_ps(m, p);
  }
  __attribute__((always_inline)) static void store_masked(float* p, Mask m, Reg v) {
    _mm512_mask_storeu_ps(p, m, v);
  }
};

#include "kernels/gemm/gemm_epilogue_body.h"

}  // namespace castnet::kernels::avx512
