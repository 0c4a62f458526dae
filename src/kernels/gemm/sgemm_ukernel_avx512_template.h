// The body shared by the AVX-512 FP32 microkernels: an MR × (NV·16) tile of accumulators held in
// zmm registers, one broadcast of A and NV loads of B per k step. Each
// sgemm_ukernel_<MR>x<NR>_avx512.cpp instantiates one shape. Include only from *_avx512*.cpp.
#pragma once
#include "kernels/gemm/gemm_epilogue_avx512.h"

#include <immintrin.h>

#include <cstddef>

namespace castnet::kernels::avx512 {

template <int MR, int NV>
inline void sgemm_ukernel(size_t kc, const float* a, const float* b, float* c, size_t ldc,
                          size_t mr, size_t nr, float alpha, float beta, const GemmEpilogue* ep) {
  // The tile of C is written (and read when beta != 0) only after the K loop: request its lines
  // now so they arrive while the FMAs run.
  for (size_t i = 0; i < mr; ++i)
    for (int j = 0; j < NV; ++j) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * j), _MM_HINT_T0);

  __m512 acc[MR][NV];
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_setzero_ps();

#pragma GCC unroll 2
  for (size_t k = 0; k < kc; ++k) {
    __m512 bv[NV];
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_loadu_ps(b + 16 * j);
    for (int i = 0; i < MR; ++i) {
      const __m512 av = _mm512_set1_ps(a[i]);
      for (int j = 0; j < NV; ++j) acc[i][j] = _mm512_fmadd_ps(av, bv[j], acc[i][j]);
    }
    a += MR;
    b += 16 * NV;
  }
  store_tile<MR, NV>(acc, c, ldc, mr, nr, alpha, beta, ep);
}

}  // namespace castnet::kernels::avx512
