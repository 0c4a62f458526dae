// FP32 GEMM microkernel, 6 rows × 16 columns, AVX2 + FMA: 12 ymm accumulators, 2 B loads and
// 6 A broadcasts per k step — the largest tile that fits the 16 ymm registers.
#include "kernels/gemm/gemm_epilogue_avx2.h"
#include "kernels/gemm/sgemm_ukernel.h"

#include <immintrin.h>

namespace castnet::kernels {

void sgemm_ukernel_6x16_avx2(size_t kc, const float* a, const float* b, size_t b_stride, float* c,
                             size_t ldc, size_t mr, size_t nr, float alpha, float beta,
                             const GemmEpilogue* epilogue) {
  constexpr int MR = 6, NV = 2;
  for (size_t i = 0; i < mr; ++i)
    for (int j = 0; j < NV; ++j) _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 8 * j), _MM_HINT_T0);

  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 2
    for (int j = 0; j < NV; ++j) acc[i][j] = _mm256_setzero_ps();

#pragma GCC unroll 2
  for (size_t k = 0; k < kc; ++k) {
    const __m256 b0 = _mm256_loadu_ps(b), b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 av = _mm256_broadcast_ss(a + i);
      acc[i][0] = _mm256_fmadd_ps(av, b0, acc[i][0]);
      acc[i][1] = _mm256_fmadd_ps(av, b1, acc[i][1]);
    }
    a += MR;
    b += b_stride;
  }
  avx2::store_tile<avx2::EpilogueVec, MR, NV>(acc, c, ldc, mr, nr, alpha, beta, epilogue);
}

}  // namespace castnet::kernels
