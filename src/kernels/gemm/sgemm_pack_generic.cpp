// Packing of GEMM operands into microkernel panels, portable C++ for any panel width.
//
// Both operands reduce to one of two cases. Either the panel direction is contiguous in memory
// (B as stored, or A transposed): each k step copies a run of floats. Or it is strided (A as
// stored, or B transposed): the block is transposed, a few k at a time so each source row is read
// in short contiguous runs.
#include "kernels/gemm/sgemm_ukernel.h"

#include <algorithm>
#include <cstring>

namespace castnet::kernels {
namespace {

// Element (i, k) of the operand, i along the panel, is src[k * ld + i].
void pack_contiguous(size_t panel, size_t count, size_t kc, const float* src, size_t ld, float* dst) {
  for (size_t p0 = 0; p0 < count; p0 += panel) {
    const size_t width = std::min(panel, count - p0);
    for (size_t k = 0; k < kc; ++k) {
      float* out = dst + k * panel;
      std::memcpy(out, src + k * ld + p0, width * sizeof(float));
      std::fill(out + width, out + panel, 0.0f);
    }
    dst += panel * kc;
  }
}

// Element (i, k) of the operand, i along the panel, is src[i * ld + k].
void pack_strided(size_t panel, size_t count, size_t kc, const float* src, size_t ld, float* dst) {
  constexpr size_t kStep = 8;
  for (size_t p0 = 0; p0 < count; p0 += panel) {
    const size_t width = std::min(panel, count - p0);
    for (size_t k0 = 0; k0 < kc; k0 += kStep) {
      const size_t steps = std::min(kStep, kc - k0);
      for (size_t i = 0; i < width; ++i) {
        const float* row = src + (p0 + i) * ld + k0;
        for (size_t k = 0; k < steps; ++k) dst[(k0 + k) * panel + i] = row[k];
      }
      for (size_t k = 0; k < steps; ++k)
        std::fill(dst + (k0 + k) * panel + width, dst + (k0 + k + 1) * panel, 0.0f);
    }
    dst += panel * kc;
  }
}

}  // namespace

void sgemm_pack_a_generic(size_t panel, bool transposed, size_t rows, size_t kc, const float* src,
                          size_t ld, float* dst) {
  if (transposed) {
    pack_contiguous(panel, rows, kc, src, ld, dst);
  } else {
    pack_strided(panel, rows, kc, src, ld, dst);
  }
}

void sgemm_pack_b_generic(size_t panel, bool transposed, size_t cols, size_t kc, const float* src,
                          size_t ld, float* dst) {
  if (transposed) {
    pack_strided(panel, cols, kc, src, ld, dst);
  } else {
    pack_contiguous(panel, cols, kc, src, ld, dst);
  }
}

}  // namespace castnet::kernels
