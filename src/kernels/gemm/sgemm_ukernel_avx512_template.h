// The body shared by the AVX-512 FP32 microkernels: an MR × (NV·16) tile of accumulators held in
// zmm registers, one broadcast of A and NV loads of B per k step. Each
// sgemm_ukernel_<MR>x<NR>_avx512.cpp instantiates one shape. Include only from *_avx512*.cpp.
//
// PanelMR is the width the A panel was packed with, and B rows are b_stride floats apart. A
// kernel may instantiate a narrower tile over the same panels for edge tiles (say 8 × 16 out of
// 8 × 32 panels when at most 16 columns are left), so the edge does not pay for padding.
#pragma once
#include "kernels/gemm/gemm_epilogue_avx512.h"

#include <immintrin.h>

#include <cstddef>

namespace castnet::kernels::avx512 {

// Every loop over MR and NV is unrolled so the accumulators live in registers at any -O level.
template <int MR, int NV, int PanelMR = MR>
__attribute__((always_inline)) inline void sgemm_ukernel(size_t kc, const float* a, const float* b,
                                                         size_t b_stride, float* c, size_t ldc,
                                                         size_t mr, size_t nr, float alpha,
                                                         float beta, const GemmEpilogue* ep) {
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();

  // One k step of the tile.
  auto step = [&]() __attribute__((always_inline)) {
    __m512 bv[NV];
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_loadu_ps(b + 16 * j);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += PanelMR;
    b += b_stride;
  };
  // The tile of C is read (beta != 0) and written right after the K loop. Its lines are
  // requested shortly before the loop ends: early enough to arrive in time, late enough that the
  // A and B streams do not evict them from L1 first.
  constexpr size_t kPrefetchDistance = 24;
  const size_t main_steps = kc > kPrefetchDistance ? kc - kPrefetchDistance : 0;
#pragma GCC unroll 2
  for (size_t k = 0; k < main_steps; ++k) step();
  for (size_t i = 0; i < mr; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j)
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * j), _MM_HINT_T0);
#pragma GCC unroll 2
  for (size_t k = main_steps; k < kc; ++k) step();
  store_tile<EpilogueVec, MR, NV>(acc, c, ldc, mr, nr, alpha, beta, ep);
}

// The right edge of a tile, C ≤ 4 columns of 8 rows (A panels of width 8): rows run along
// 8-lane vectors, so a column costs one FMA per k instead of a 16-lane vector that is mostly
// padding (49 = 32 + 16 + 1 columns instead of 32 + 32). Each column keeps S partial sums over
// interleaved k (combined in a fixed order at the end) so that enough FMAs are in flight. C is
// read and written with gathers/scatters down the column, once per tile.
template <int C, int S, GemmActivation Act, bool HasEpilogue>
__attribute__((always_inline)) inline void finish_columns(__m256 (&acc)[C], float* c, size_t ldc,
                                                          size_t mr, float alpha, float beta,
                                                          const GemmEpilogue* ep) {
  const __mmask8 rows = static_cast<__mmask8>(mr >= 8 ? 0xFF : (1u << mr) - 1);
  const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  const __m512i c_offsets = _mm512_mullo_epi64(lane, _mm512_set1_epi64(static_cast<long long>(ldc)));
#pragma GCC unroll 4
  for (int j = 0; j < C; ++j) {
    __m256 v = acc[j];
    if (alpha != 1.0f) v = _mm256_mul_ps(v, _mm256_set1_ps(alpha));
    if (beta != 0.0f)
      v = _mm256_fmadd_ps(_mm256_set1_ps(beta),
                          _mm512_mask_i64gather_ps(_mm256_setzero_ps(), rows, c_offsets, c + j, 4), v);
    if constexpr (HasEpilogue) {
      if (ep->scale || ep->bias) {
        __m256 s, b;
        if (ep->channel_axis == GemmChannelAxis::rows) {
          s = ep->scale ? _mm256_maskz_loadu_ps(rows, ep->scale) : _mm256_set1_ps(1.0f);
          b = ep->bias ? _mm256_maskz_loadu_ps(rows, ep->bias) : _mm256_setzero_ps();
        } else {
          s = _mm256_set1_ps(ep->scale ? ep->scale[j] : 1.0f);
          b = _mm256_set1_ps(ep->bias ? ep->bias[j] : 0.0f);
        }
        v = _mm256_fmadd_ps(v, s, b);
      }
      if (ep->residual) {
        const __m512i r_offsets =
            _mm512_mullo_epi64(lane, _mm512_set1_epi64(static_cast<long long>(ep->residual_ld)));
        v = _mm256_add_ps(v, _mm512_mask_i64gather_ps(_mm256_setzero_ps(), rows, r_offsets, ep->residual + j, 4));
      }
      if constexpr (Act != GemmActivation::none) {
        const ActivationConstants<EpilogueVec> constants(*ep);
        v = _mm512_castps512_ps256(activate_ps<EpilogueVec, Act>(_mm512_zextps256_ps512(v), constants));
      }
    }
    _mm512_mask_i64scatter_ps(c + j, rows, c_offsets, v, 4);
  }
}

template <int C, int S>
inline void sgemm_ukernel_narrow(size_t kc, const float* a, const float* b, size_t b_stride,
                                 float* c, size_t ldc, size_t mr, float alpha, float beta,
                                 const GemmEpilogue* ep) {
  __m256 acc[C][S];
#pragma GCC unroll 4
  for (int j = 0; j < C; ++j)
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) acc[j][s] = _mm256_setzero_ps();
  size_t k = 0;
  for (; k + S <= kc; k += S) {
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) {
      const __m256 av = _mm256_loadu_ps(a + (k + s) * 8);
      const float* bk = b + (k + s) * b_stride;
#pragma GCC unroll 4
      for (int j = 0; j < C; ++j) acc[j][s] = _mm256_fmadd_ps(av, _mm256_broadcast_ss(bk + j), acc[j][s]);
    }
  }
  for (; k < kc; ++k) {
    const __m256 av = _mm256_loadu_ps(a + k * 8);
#pragma GCC unroll 4
    for (int j = 0; j < C; ++j)
      acc[j][0] = _mm256_fmadd_ps(av, _mm256_broadcast_ss(b + k * b_stride + j), acc[j][0]);
  }
  __m256 sum[C];
#pragma GCC unroll 4
  for (int j = 0; j < C; ++j) {
    sum[j] = acc[j][0];
#pragma GCC unroll 8
    for (int s = 1; s < S; ++s) sum[j] = _mm256_add_ps(sum[j], acc[j][s]);
  }
  using A = GemmActivation;
  if (!ep) return finish_columns<C, S, A::none, false>(sum, c, ldc, mr, alpha, beta, ep);
  switch (ep->activation) {
    case A::none: return finish_columns<C, S, A::none, true>(sum, c, ldc, mr, alpha, beta, ep);
    case A::relu: return finish_columns<C, S, A::relu, true>(sum, c, ldc, mr, alpha, beta, ep);
    case A::clip: return finish_columns<C, S, A::clip, true>(sum, c, ldc, mr, alpha, beta, ep);
    case A::leaky_relu: return finish_columns<C, S, A::leaky_relu, true>(sum, c, ldc, mr, alpha, beta, ep);
    case A::hard_swish: return finish_columns<C, S, A::hard_swish, true>(sum, c, ldc, mr, alpha, beta, ep);
    case A::hard_sigmoid:
      return finish_columns<C, S, A::hard_sigmoid, true>(sum, c, ldc, mr, alpha, beta, ep);
    case A::sigmoid: return finish_columns<C, S, A::sigmoid, true>(sum, c, ldc, mr, alpha, beta, ep);
  }
}

}  // namespace castnet::kernels::avx512
