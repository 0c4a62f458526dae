// FP32 GEMM microkernel, 8 rows × 32 columns, AVX-512: 16 zmm accumulators, 2 B loads and 8 A
// broadcasts per k step. Two 512-bit FMAs per cycle on Zen 4/5 need 8 independent chains; 16
// leave slack for the loads. 8 rows divide every channel count of common CNNs, so conv layers
// with channels on M have no padded rows; the kc × 32 B panel (32 KiB at kc = 256) stays in L1.
// Edge tiles run narrower tiles over the same panels so they do not pay for the padding: at most
// 4 rows (49 pixels along M = 6 × 8 + 1 on a 7 × 7 map), at most 16 columns, and a last 1–4
// columns on 8-lane vectors down the rows (49 pixels along N = 32 + 16 + 1).
#include "kernels/gemm/sgemm_ukernel.h"
#include "kernels/gemm/sgemm_ukernel_avx512_template.h"

namespace castnet::kernels {

void sgemm_ukernel_8x32_avx512(size_t kc, const float* a_panel, const float* b_panel,
                               size_t b_stride, float* c, size_t ldc, size_t mr, size_t nr,
                               float alpha, float beta, const GemmEpilogue* epilogue) {
  using avx512::sgemm_ukernel;
  using avx512::sgemm_ukernel_narrow;
  // At most 4 columns (beyond a 16-column part): 8-lane columns with 8 / 4 / 2 / 2 partial sums
  // each, 8 FMA chains in all.
  auto narrow = [&](size_t offset, size_t columns) {
    const float* b = b_panel + offset;
    float* c_part = c + offset;
    // The epilogue moved `offset` columns right (written out here rather than calling
    // GemmEpilogue::at_tile: an inline function shared with baseline files must not be emitted
    // from an AVX-512 file, where the linker could pick this copy for them).
    GemmEpilogue part;
    const GemmEpilogue* ep = epilogue;
    if (epilogue && offset) {
      part = *epilogue;
      if (part.channel_axis == GemmChannelAxis::cols) {
        if (part.scale) part.scale += offset;
        if (part.bias) part.bias += offset;
      }
      if (part.residual) part.residual += offset;
      ep = &part;
    }
    switch (columns) {
      case 1: return sgemm_ukernel_narrow<1, 8>(kc, a_panel, b, b_stride, c_part, ldc, mr, alpha, beta, ep);
      case 2: return sgemm_ukernel_narrow<2, 4>(kc, a_panel, b, b_stride, c_part, ldc, mr, alpha, beta, ep);
      case 3: return sgemm_ukernel_narrow<3, 2>(kc, a_panel, b, b_stride, c_part, ldc, mr, alpha, beta, ep);
      default: return sgemm_ukernel_narrow<4, 2>(kc, a_panel, b, b_stride, c_part, ldc, mr, alpha, beta, ep);
    }
  };
  if (nr <= 4) return narrow(0, nr);
  const bool split = nr > 16 && nr <= 20;  // 16 columns as a vector tile, the rest narrow
  const size_t vector_nr = split ? 16 : nr;
  if (mr <= 4) {
    if (vector_nr <= 16) {
      sgemm_ukernel<4, 1, 8>(kc, a_panel, b_panel, b_stride, c, ldc, mr, vector_nr, alpha, beta, epilogue);
    } else {
      sgemm_ukernel<4, 2, 8>(kc, a_panel, b_panel, b_stride, c, ldc, mr, vector_nr, alpha, beta, epilogue);
    }
  } else if (vector_nr <= 16) {
    sgemm_ukernel<8, 1>(kc, a_panel, b_panel, b_stride, c, ldc, mr, vector_nr, alpha, beta, epilogue);
  } else {
    sgemm_ukernel<8, 2>(kc, a_panel, b_panel, b_stride, c, ldc, mr, vector_nr, alpha, beta, epilogue);
  }
  if (split) narrow(16, nr - 16);
}

}  // namespace castnet::kernels
