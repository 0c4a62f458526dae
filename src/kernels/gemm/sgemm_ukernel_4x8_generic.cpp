// FP32 GEMM microkernel, 4 rows × 8 columns, portable C++. The fixed-size inner loops let the
// compiler keep the tile in SSE registers at the baseline ISA; it is the fallback for CPUs
// without AVX2 and the kernel every faster one is tested against.
#include "kernels/gemm/sgemm_ukernel.h"

namespace castnet::kernels {

void sgemm_ukernel_4x8_generic(size_t kc, const float* a, const float* b, size_t b_stride,
                               float* c, size_t ldc, size_t mr, size_t nr, float alpha, float beta,
                               const GemmEpilogue* ep) {
  constexpr size_t MR = 4, NR = 8;
  float acc[MR][NR] = {};
  for (size_t k = 0; k < kc; ++k) {
    for (size_t i = 0; i < MR; ++i)
      for (size_t j = 0; j < NR; ++j) acc[i][j] += a[i] * b[j];
    a += MR;
    b += b_stride;
  }

  const bool channels_on_rows = ep && ep->channel_axis == GemmChannelAxis::rows;
  for (size_t i = 0; i < mr; ++i) {
    float* ci = c + i * ldc;
    for (size_t j = 0; j < nr; ++j) {
      float v = acc[i][j];
      if (alpha != 1.0f) v *= alpha;
      if (beta != 0.0f) v += beta * ci[j];
      if (ep) {
        size_t ch = channels_on_rows ? i : j;
        if (ep->scale) v *= ep->scale[ch];
        if (ep->bias) v += ep->bias[ch];
        if (ep->residual) v += ep->residual[i * ep->residual_ld + j];
        v = gemm_activate(v, *ep);
      }
      ci[j] = v;
    }
  }
}

}  // namespace castnet::kernels
