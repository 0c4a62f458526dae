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

inline __m512 activate_ps(__m512 v, const GemmEpilogue& ep) {
  switch (ep.activation) {
    case GemmActivation::none: return v;
    case GemmActivation::relu: return _mm512_max_ps(v, _mm512_setzero_ps());
    case GemmActivation::clip:
      return _mm512_min_ps(_mm512_max_ps(v, _mm512_set1_ps(ep.clip_min)),
                           _mm512_set1_ps(ep.clip_max));
    case GemmActivation::leaky_relu: {
      __mmask16 negative = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LT_OQ);
      return _mm512_mask_mul_ps(v, negative, v, _mm512_set1_ps(ep.leaky_alpha));
    }
    case GemmActivation::hard_swish: {
      __m512 gate = _mm512_fmadd_ps(v, _mm512_set1_ps(1.0f / 6.0f), _mm512_set1_ps(0.5f));
      gate = _mm512_min_ps(_mm512_max_ps(gate, _mm512_setzero_ps()), _mm512_set1_ps(1.0f));
      return _mm512_mul_ps(v, gate);
    }
    case GemmActivation::sigmoid: {
      __m512 e = exp_ps(_mm512_sub_ps(_mm512_setzero_ps(), v));
      return _mm512_div_ps(_mm512_set1_ps(1.0f), _mm512_add_ps(_mm512_set1_ps(1.0f), e));
    }
  }
  return v;
}

// Lanes [0, n) of a 16-lane vector, n clamped to [0, 16].
inline __mmask16 lane_mask(ptrdiff_t n) {
  if (n >= 16) return 0xFFFF;
  if (n <= 0) return 0;
  return static_cast<__mmask16>((1u << n) - 1);
}

// Finishes the tile acc (rows [0, mr), columns [0, nr) of an MR × NV·16 block) into C:
// alpha/beta, then the epilogue, then masked stores. Full and edge tiles take the same path:
// a full mask costs nothing extra on a store.
template <int MR, int NV>
inline void store_tile(__m512 (&acc)[MR][NV], float* c, size_t ldc, size_t mr, size_t nr,
                       float alpha, float beta, const GemmEpilogue* ep) {
  __mmask16 mask[NV];
  for (int j = 0; j < NV; ++j) mask[j] = lane_mask(static_cast<ptrdiff_t>(nr) - 16 * j);
  const __m512 valpha = _mm512_set1_ps(alpha), vbeta = _mm512_set1_ps(beta);
  const bool scale_alpha = alpha != 1.0f, read_c = beta != 0.0f;
  const bool channels_on_rows = ep && ep->channel_axis == GemmChannelAxis::rows;

  // Column-channel parameters do not depend on the row: load them once.
  __m512 col_scale[NV], col_bias[NV];
  for (int j = 0; j < NV; ++j) col_scale[j] = col_bias[j] = _mm512_setzero_ps();
  if (ep && !channels_on_rows) {
    for (int j = 0; j < NV; ++j) {
      col_scale[j] = ep->scale ? _mm512_maskz_loadu_ps(mask[j], ep->scale + 16 * j)
                               : _mm512_set1_ps(1.0f);
      col_bias[j] = ep->bias ? _mm512_maskz_loadu_ps(mask[j], ep->bias + 16 * j)
                             : _mm512_setzero_ps();
    }
  }

#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (static_cast<size_t>(i) >= mr) break;
    float* ci = c + i * ldc;
    __m512 row_scale = _mm512_set1_ps(1.0f), row_bias = _mm512_setzero_ps();
    if (channels_on_rows) {
      if (ep->scale) row_scale = _mm512_set1_ps(ep->scale[i]);
      if (ep->bias) row_bias = _mm512_set1_ps(ep->bias[i]);
    }
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) {
      __m512 v = acc[i][j];
      if (scale_alpha) v = _mm512_mul_ps(v, valpha);
      if (read_c) v = _mm512_fmadd_ps(vbeta, _mm512_maskz_loadu_ps(mask[j], ci + 16 * j), v);
      if (ep) {
        if (channels_on_rows) {
          v = _mm512_fmadd_ps(v, row_scale, row_bias);
        } else {
          v = _mm512_fmadd_ps(v, col_scale[j], col_bias[j]);
        }
        if (ep->residual)
          v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask[j], ep->residual + i * ep->residual_ld + 16 * j));
        v = activate_ps(v, *ep);
      }
      _mm512_mask_storeu_ps(ci + 16 * j, mask[j], v);
    }
  }
}

}  // namespace castnet::kernels::avx512
