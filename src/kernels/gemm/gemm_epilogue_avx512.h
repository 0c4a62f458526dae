// The GEMM epilogue in AVX-512 registers: finishing an MR × (NV·16) accumulator tile and storing
// it. Include only from *_avx512*.cpp files (compiled with -mavx512f ...).
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

// exp(x) to ~2 ulp over the float range (Cephes' expf polynomial, exponent applied with scalef).
inline __m512 exp_ps(__m512 x) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.33654f)), _mm512_set1_ps(88.72283f));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
                                  _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

// The activation's constants, broadcast once per tile.
struct ActivationConstants {
  __m512 lo, hi, slope, hs_alpha, hs_beta;
  explicit ActivationConstants(const GemmEpilogue& ep)
      : lo(_mm512_set1_ps(ep.clip_min)), hi(_mm512_set1_ps(ep.clip_max)),
        slope(_mm512_set1_ps(ep.leaky_alpha)), hs_alpha(_mm512_set1_ps(ep.hard_sigmoid_alpha)),
        hs_beta(_mm512_set1_ps(ep.hard_sigmoid_beta)) {}
};

template <GemmActivation Act>
__attribute__((always_inline)) inline __m512 activate_ps(__m512 v, const ActivationConstants& k) {
  if constexpr (Act == GemmActivation::relu) {
    return _mm512_max_ps(v, _mm512_setzero_ps());
  } else if constexpr (Act == GemmActivation::clip) {
    return _mm512_min_ps(_mm512_max_ps(v, k.lo), k.hi);
  } else if constexpr (Act == GemmActivation::leaky_relu) {
    __mmask16 negative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_mask_mul_ps(v, negative, v, k.slope);
  } else if constexpr (Act == GemmActivation::hard_swish) {
    __m512 gate = _mm512_fmadd_ps(v, _mm512_set1_ps(1.0f / 6.0f), _mm512_set1_ps(0.5f));
    gate = _mm512_min_ps(_mm512_max_ps(gate, _mm512_setzero_ps()), _mm512_set1_ps(1.0f));
    return _mm512_mul_ps(v, gate);
  } else if constexpr (Act == GemmActivation::hard_sigmoid) {
    const __m512 v_lin = _mm512_fmadd_ps(v, k.hs_alpha, k.hs_beta);
    return _mm512_min_ps(_mm512_max_ps(v_lin, _mm512_setzero_ps()), _mm512_set1_ps(1.0f));
  } else if constexpr (Act == GemmActivation::sigmoid) {
    __m512 e = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), v));
    return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
  } else {
    return v;
  }
}

// Lanes [0, n) of a 16-lane vector, n clamped to [0, 16].
inline __mmask16 lane_mask(ptrdiff_t n) {
  if (n >= 16) return 0xFFFF;
  if (n <= 0) return 0;
  return static_cast<__mmask16>((1u << n) - 1);
}

// Finishes the tile acc (rows [0, mr), columns [0, nr) of an MR × NV·16 block) into C:
// alpha/beta, then the epilogue, then masked stores. Each step is one pass over the whole tile
// (all in registers) behind one test, so the per-vector code carries no branches; the activation
// is a template parameter for the same reason. Full and edge tiles take the same path: a full
// mask costs nothing extra, and masked loads never touch memory past the edge.
template <int MR, int NV, bool HasEpilogue, GemmActivation Act>
__attribute__((always_inline)) inline void finish_tile(__m512 (&acc)[MR][NV], float* c, size_t ldc,
                                                       size_t mr, size_t nr, float alpha, float beta,
                                                       const GemmEpilogue* ep) {
  __mmask16 mask[NV];
#pragma GCC unroll 8
  for (int j = 0; j < NV; ++j) mask[j] = lane_mask(static_cast<ptrdiff_t>(nr) - 16 * j);
  const size_t rows = mr < size_t(MR) ? mr : size_t(MR);

  if (alpha != 1.0f) {
    const __m512 valpha = _mm512_set1_ps(alpha);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_mul_ps(acc[i][j], valpha);
  }
  if (beta != 0.0f) {
    const __m512 vbeta = _mm512_set1_ps(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      if (size_t(i) >= rows) break;
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j)
        acc[i][j] = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask[j], c + i * ldc + 16 * j), acc[i][j]);
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
          const __m512 s = scale ? _mm512_set1_ps(scale[i]) : _mm512_set1_ps(1.0f);
          const __m512 b = bias ? _mm512_set1_ps(bias[i]) : _mm512_setzero_ps();
#pragma GCC unroll 8
          for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(acc[i][j], s, b);
        }
      } else {
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) {
          const __m512 s = scale ? _mm512_maskz_loadu_ps(mask[j], scale + 16 * j) : _mm512_set1_ps(1.0f);
          const __m512 b = bias ? _mm512_maskz_loadu_ps(mask[j], bias + 16 * j) : _mm512_setzero_ps();
#pragma GCC unroll 16
          for (int i = 0; i < MR; ++i) acc[i][j] = _mm512_fmadd_ps(acc[i][j], s, b);
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
          acc[i][j] = _mm512_add_ps(acc[i][j], _mm512_maskz_loadu_ps(mask[j], residual + i * ld + 16 * j));
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
    for (int j = 0; j < NV; ++j) _mm512_mask_storeu_ps(c + i * ldc + 16 * j, mask[j], acc[i][j]);
  }
}

template <int MR, int NV>
__attribute__((always_inline)) inline void store_tile(__m512 (&acc)[MR][NV], float* c, size_t ldc,
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

}  // namespace castnet::kernels::avx512
