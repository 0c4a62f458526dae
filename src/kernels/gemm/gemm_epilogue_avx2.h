// The GEMM epilogue in AVX2 registers: finishing an MR × (NV·8) accumulator tile and storing it.
// Include only from *_avx2.cpp files (compiled with -mavx2 -mfma).
#pragma once
#include "kernels/gemm/gemm_epilogue.h"

#include <immintrin.h>

#include <cstddef>

namespace castnet::kernels::avx2 {

// exp(x) to ~2 ulp (Cephes' expf polynomial); x is clamped so 2^n stays a normal float.
inline __m256 exp_ps(__m256 x) {
  x = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-87.33654f)), _mm256_set1_ps(88.37626f));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), _mm256_add_ps(r, _mm256_set1_ps(1.0f)));
  // 2^n built in the exponent field: n is in [-126, 127] after the clamp.
  __m256i pow2n = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(pow2n));
}

// The activation's constants, broadcast once per tile.
struct ActivationConstants {
  __m256 lo, hi, slope, hs_alpha, hs_beta;
  explicit ActivationConstants(const GemmEpilogue& ep)
      : lo(_mm256_set1_ps(ep.clip_min)), hi(_mm256_set1_ps(ep.clip_max)),
        slope(_mm256_set1_ps(ep.leaky_alpha)), hs_alpha(_mm256_set1_ps(ep.hard_sigmoid_alpha)),
        hs_beta(_mm256_set1_ps(ep.hard_sigmoid_beta)) {}
};

template <GemmActivation Act>
__attribute__((always_inline)) inline __m256 activate_ps(__m256 v, const ActivationConstants& k) {
  if constexpr (Act == GemmActivation::relu) {
    return _mm256_max_ps(v, _mm256_setzero_ps());
  } else if constexpr (Act == GemmActivation::clip) {
    return _mm256_min_ps(_mm256_max_ps(v, k.lo), k.hi);
  } else if constexpr (Act == GemmActivation::leaky_relu) {
    __m256 negative = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_blendv_ps(v, _mm256_mul_ps(v, k.slope), negative);
  } else if constexpr (Act == GemmActivation::hard_swish) {
    __m256 gate = _mm256_fmadd_ps(v, _mm256_set1_ps(1.0f / 6.0f), _mm256_set1_ps(0.5f));
    gate = _mm256_min_ps(_mm256_max_ps(gate, _mm256_setzero_ps()), _mm256_set1_ps(1.0f));
    return _mm256_mul_ps(v, gate);
  } else if constexpr (Act == GemmActivation::hard_sigmoid) {
    const __m256 v_lin = _mm256_fmadd_ps(v, k.hs_alpha, k.hs_beta);
    return _mm256_min_ps(_mm256_max_ps(v_lin, _mm256_setzero_ps()), _mm256_set1_ps(1.0f));
  } else if constexpr (Act == GemmActivation::sigmoid) {
    __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), v));
    return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
  } else {
    return v;
  }
}

// A vmaskmov mask selecting lanes [0, n) of 8, n clamped to [0, 8].
inline __m256i lane_mask(ptrdiff_t n) {
  n = n < 0 ? 0 : (n > 8 ? 8 : n);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Finishes the tile acc (rows [0, mr), columns [0, nr) of an MR × NV·8 block) into C, one
// pass per step behind one test (see gemm_epilogue_avx512.h). Masked loads never touch memory
// past the edge.
template <int MR, int NV, bool HasEpilogue, GemmActivation Act>
__attribute__((always_inline)) inline void finish_tile(__m256 (&acc)[MR][NV], float* c, size_t ldc,
                                                       size_t mr, size_t nr, float alpha, float beta,
                                                       const GemmEpilogue* ep) {
  __m256i mask[NV];
#pragma GCC unroll 8
  for (int j = 0; j < NV; ++j) mask[j] = lane_mask(static_cast<ptrdiff_t>(nr) - 8 * j);
  const size_t rows = mr < size_t(MR) ? mr : size_t(MR);

  if (alpha != 1.0f) {
    const __m256 valpha = _mm256_set1_ps(alpha);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_mul_ps(acc[i][j], valpha);
  }
  if (beta != 0.0f) {
    const __m256 vbeta = _mm256_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      if (size_t(i) >= rows) break;
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j)
        acc[i][j] = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(c + i * ldc + 8 * j, mask[j]), acc[i][j]);
    }
  }
  if constexpr (HasEpilogue) {
    const float* scale = ep->scale;
    const float* bias = ep->bias;
    if (scale || bias) {
      if (ep->channel_axis == GemmChannelAxis::rows) {
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
          if (size_t(i) >= rows) break;
          const __m256 s = scale ? _mm256_set1_ps(scale[i]) : _mm256_set1_ps(1.0f);
          const __m256 b = bias ? _mm256_set1_ps(bias[i]) : _mm256_setzero_ps();
#pragma GCC unroll 8
          for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_fmadd_ps(acc[i][j], s, b);
        }
      } else {
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) {
          const __m256 s = scale ? _mm256_maskload_ps(scale + 8 * j, mask[j]) : _mm256_set1_ps(1.0f);
          const __m256 b = bias ? _mm256_maskload_ps(bias + 8 * j, mask[j]) : _mm256_setzero_ps();
#pragma GCC unroll 16
          for (int i = 0; i < MR; ++i) acc[i][j] = _mm256_fmadd_ps(acc[i][j], s, b);
        }
      }
    }
    if (const float* residual = ep->residual) {
      const size_t ld = ep->residual_ld;
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        if (size_t(i) >= rows) break;
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j)
          acc[i][j] = _mm256_add_ps(acc[i][j], _mm256_maskload_ps(residual + i * ld + 8 * j, mask[j]));
      }
    }
    if constexpr (Act != GemmActivation::none) {
      const ActivationConstants constants(*ep);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) acc[i][j] = activate_ps<Act>(acc[i][j], constants);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (size_t(i) >= rows) break;
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) _mm256_maskstore_ps(c + i * ldc + 8 * j, mask[j], acc[i][j]);
  }
}

template <int MR, int NV>
__attribute__((always_inline)) inline void store_tile(__m256 (&acc)[MR][NV], float* c, size_t ldc,
                                                      size_t mr, size_t nr, float alpha, float beta,
                                                      const GemmEpilogue* ep) {
  using A = GemmActivation;
  if (!ep) return finish_tile<MR, NV, false, A::none>(acc, c, ldc, mr, nr, alpha, beta, ep);
  switch (ep->activation) {
    case A::none: return finish_tile<MR, NV, true, A::none>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::relu: return finish_tile<MR, NV, true, A::relu>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::clip: return finish_tile<MR, NV, true, A::clip>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::leaky_relu:
      return finish_tile<MR, NV, true, A::leaky_relu>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::hard_swish:
      return finish_tile<MR, NV, true, A::hard_swish>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::hard_sigmoid:
      return finish_tile<MR, NV, true, A::hard_sigmoid>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::sigmoid: return finish_tile<MR, NV, true, A::sigmoid>(acc, c, ldc, mr, nr, alpha, beta, ep);
  }
}

}  // namespace castnet::kernels::avx2
