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

inline __m256 activate_ps(__m256 v, const GemmEpilogue& ep) {
  switch (ep.activation) {
    case GemmActivation::none: return v;
    case GemmActivation::relu: return _mm256_max_ps(v, _mm256_setzero_ps());
    case GemmActivation::clip:
      return _mm256_min_ps(_mm256_max_ps(v, _mm256_set1_ps(ep.clip_min)),
                           _mm256_set1_ps(ep.clip_max));
    case GemmActivation::leaky_relu: {
      __m256 negative = _mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ);
      return _mm256_blendv_ps(v, _mm256_mul_ps(v, _mm256_set1_ps(ep.leaky_alpha)), negative);
    }
    case GemmActivation::hard_swish: {
      __m256 gate = _mm256_fmadd_ps(v, _mm256_set1_ps(1.0f / 6.0f), _mm256_set1_ps(0.5f));
      gate = _mm256_min_ps(_mm256_max_ps(gate, _mm256_setzero_ps()), _mm256_set1_ps(1.0f));
      return _mm256_mul_ps(v, gate);
    }
    case GemmActivation::sigmoid: {
      __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), v));
      return _mm256_div_ps(_mm256_set1_ps(1.0f), _mm256_add_ps(_mm256_set1_ps(1.0f), e));
    }
  }
  return v;
}

// A vmaskmov mask selecting lanes [0, n) of 8, n clamped to [0, 8].
inline __m256i lane_mask(ptrdiff_t n) {
  n = n < 0 ? 0 : (n > 8 ? 8 : n);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Finishes the tile acc (rows [0, mr), columns [0, nr) of an MR × NV·8 block) into C.
// Masked loads never touch memory past the edge.
template <int MR, int NV>
inline void store_tile(__m256 (&acc)[MR][NV], float* c, size_t ldc, size_t mr, size_t nr,
                       float alpha, float beta, const GemmEpilogue* ep) {
  __m256i mask[NV];
  for (int j = 0; j < NV; ++j) mask[j] = lane_mask(static_cast<ptrdiff_t>(nr) - 8 * j);
  const __m256 valpha = _mm256_set1_ps(alpha), vbeta = _mm256_set1_ps(beta);
  const bool scale_alpha = alpha != 1.0f, read_c = beta != 0.0f;
  const bool channels_on_rows = ep && ep->channel_axis == GemmChannelAxis::rows;

  __m256 col_scale[NV], col_bias[NV];
  for (int j = 0; j < NV; ++j) col_scale[j] = col_bias[j] = _mm256_setzero_ps();
  if (ep && !channels_on_rows) {
    for (int j = 0; j < NV; ++j) {
      col_scale[j] = ep->scale ? _mm256_maskload_ps(ep->scale + 8 * j, mask[j]) : _mm256_set1_ps(1.0f);
      col_bias[j] = ep->bias ? _mm256_maskload_ps(ep->bias + 8 * j, mask[j]) : _mm256_setzero_ps();
    }
  }

#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (static_cast<size_t>(i) >= mr) break;
    float* ci = c + i * ldc;
    __m256 row_scale = _mm256_set1_ps(1.0f), row_bias = _mm256_setzero_ps();
    if (channels_on_rows) {
      if (ep->scale) row_scale = _mm256_set1_ps(ep->scale[i]);
      if (ep->bias) row_bias = _mm256_set1_ps(ep->bias[i]);
    }
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) {
      __m256 v = acc[i][j];
      if (scale_alpha) v = _mm256_mul_ps(v, valpha);
      if (read_c) v = _mm256_fmadd_ps(vbeta, _mm256_maskload_ps(ci + 8 * j, mask[j]), v);
      if (ep) {
        if (channels_on_rows) {
          v = _mm256_fmadd_ps(v, row_scale, row_bias);
        } else {
          v = _mm256_fmadd_ps(v, col_scale[j], col_bias[j]);
        }
        if (ep->residual)
          v = _mm256_add_ps(v, _mm256_maskload_ps(ep->residual + i * ep->residual_ld + 8 * j, mask[j]));
        v = activate_ps(v, *ep);
      }
      _mm256_maskstore_ps(ci + 8 * j, mask[j], v);
    }
  }
}

}  // namespace castnet::kernels::avx2
