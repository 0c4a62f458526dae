// FP32 GEMM microkernel, 12 rows × 32 columns, AVX-512: 24 zmm accumulators, 2 B loads and
// 12 A broadcasts per k step. Zen 4/5 keep two 512-bit FMAs per cycle busy with it; its B panel
// (kc × 32 floats) is small enough to stay in L1 at kc = 256.
#include "kernels/gemm/sgemm_ukernel.h"
#include "kernels/gemm/sgemm_ukernel_avx512_template.h"

namespace castnet::kernels {

void sgemm_ukernel_12x32_avx512(size_t kc, const float* a_panel, const float* b_panel, float* c,
                                size_t ldc, size_t mr, size_t nr, float alpha, float beta,
                                const GemmEpilogue* epilogue) {
  avx512::sgemm_ukernel<12, 2>(kc, a_panel, b_panel, c, ldc, mr, nr, alpha, beta, epilogue);
}

}  // namespace castnet::kernels
