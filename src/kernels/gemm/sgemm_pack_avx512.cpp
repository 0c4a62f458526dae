// Packing of GEMM operands into microkernel panels with AVX-512, for any panel width (see
// sgemm_pack_generic.cpp for the two cases). Masked loads and stores handle every edge, so no
// byte outside the source block is read and none outside the packed panels is written.
#include "kernels/gemm/gemm_epilogue_avx512.h"
#include "kernels/gemm/sgemm_ukernel.h"

#include <immintrin.h>

#include <algorithm>

namespace castnet::kernels {
namespace {

using avx512::lane_mask;

// Element (i, k), i along the panel, is src[k * ld + i]: each k step is a masked row copy.
// Panels are packed four at a time, k inner: each source row is read in 512-byte runs while only
// four destination streams are written. All panels at once (one long run per row) measured 3x
// slower: their destinations lie kc·NR·4 bytes apart, a multiple of 4 KiB, and collide in the
// same L1 sets. From L3 the copy is bandwidth-bound either way.
void pack_contiguous(size_t panel, size_t count, size_t kc, const float* src, size_t ld, float* dst) {
  constexpr size_t kGroup = 4;
  const size_t panels = (count + panel - 1) / panel;
  for (size_t p0 = 0; p0 < panels; p0 += kGroup) {
    const size_t group = std::min(kGroup, panels - p0);
    if (panel == 32 && (p0 + group) * 32 <= count) {
      for (size_t k = 0; k < kc; ++k) {
        const float* in = src + k * ld + p0 * 32;
        float* out = dst + p0 * 32 * kc + k * 32;
        for (size_t p = 0; p < group; ++p) {
          _mm512_storeu_ps(out + p * 32 * kc, _mm512_loadu_ps(in + p * 32));
          _mm512_storeu_ps(out + p * 32 * kc + 16, _mm512_loadu_ps(in + p * 32 + 16));
        }
      }
      continue;
    }
    for (size_t k = 0; k < kc; ++k) {
      for (size_t p = p0; p < p0 + group; ++p) {
        const ptrdiff_t width = static_cast<ptrdiff_t>(std::min(panel, count - p * panel));
        const float* in = src + k * ld + p * panel;
        float* out = dst + p * panel * kc + k * panel;
        for (size_t g = 0; g < panel; g += 16) {
          const ptrdiff_t offset = static_cast<ptrdiff_t>(g);
          __m512 v = _mm512_maskz_loadu_ps(lane_mask(width - offset), in + g);
          _mm512_mask_storeu_ps(out + g, lane_mask(static_cast<ptrdiff_t>(panel) - offset), v);
        }
      }
    }
  }
}

// In-register transpose of a 16 × 16 block: r[i] lane j becomes r[j] lane i.
inline void transpose16x16(__m512 (&r)[16]) {
  __m512 t[16];
  for (int i = 0; i < 16; i += 2) {
    t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
    t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
  }
  for (int i = 0; i < 16; i += 4) {
    r[i] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 1] = _mm512_shuffle_ps(t[i], t[i + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[i + 2] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[i + 3] = _mm512_shuffle_ps(t[i + 1], t[i + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  // Now 128-bit lane L of r[4q + s] holds column 4L + s of rows 4q..4q+3. Column c = 4L + s
  // must collect lane L of r[s], r[4 + s], r[8 + s], r[12 + s]: two rounds of 128-bit shuffles.
  for (int i = 0; i < 4; ++i) {
    t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], _MM_SHUFFLE(2, 0, 2, 0));
    t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], _MM_SHUFFLE(3, 1, 3, 1));
    t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], _MM_SHUFFLE(2, 0, 2, 0));
    t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], _MM_SHUFFLE(3, 1, 3, 1));
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], _MM_SHUFFLE(2, 0, 2, 0));
    r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], _MM_SHUFFLE(3, 1, 3, 1));
    r[i + 4] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], _MM_SHUFFLE(2, 0, 2, 0));
    r[i + 12] = _mm512_shuffle_f32x4(t[i + 4], t[i + 12], _MM_SHUFFLE(3, 1, 3, 1));
  }
}

// Element (i, k), i along the panel, is src[i * ld + k]: 16 × 16 blocks transposed in registers.
// Panels of width 8 take 16 source rows at a time (two panels per transpose, no wasted lanes);
// other widths take up to 16 rows of one panel at a time.
void pack_strided(size_t panel, size_t count, size_t kc, const float* src, size_t ld, float* dst) {
  if (panel == 8) {
    for (size_t i0 = 0; i0 < count; i0 += 16) {
      const ptrdiff_t rows = static_cast<ptrdiff_t>(std::min<size_t>(16, count - i0));
      float* out_lo = dst + (i0 / 8) * 8 * kc;  // panel of rows i0 .. i0 + 7
      float* out_hi = out_lo + 8 * kc;          // panel of rows i0 + 8 .. i0 + 15, if any
      for (size_t k0 = 0; k0 < kc; k0 += 16) {
        const ptrdiff_t steps = static_cast<ptrdiff_t>(std::min<size_t>(16, kc - k0));
        const __mmask16 load_mask = lane_mask(steps);
        __m512 r[16];
        for (ptrdiff_t i = 0; i < 16; ++i)
          r[i] = i < rows ? _mm512_maskz_loadu_ps(load_mask, src + (i0 + i) * ld + k0)
                          : _mm512_setzero_ps();
        transpose16x16(r);
        for (ptrdiff_t k = 0; k < steps; ++k) {
          _mm256_storeu_ps(out_lo + (k0 + k) * 8, _mm512_castps512_ps256(r[k]));
          if (rows > 8)
            _mm256_storeu_ps(out_hi + (k0 + k) * 8,
                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(r[k]), 1)));
        }
      }
    }
    return;
  }
  for (size_t p0 = 0; p0 < count; p0 += panel) {
    const ptrdiff_t width = static_cast<ptrdiff_t>(std::min(panel, count - p0));
    for (size_t g = 0; g < panel; g += 16) {
      const ptrdiff_t rows = std::clamp<ptrdiff_t>(width - static_cast<ptrdiff_t>(g), 0, 16);
      const __mmask16 store_mask = lane_mask(static_cast<ptrdiff_t>(panel - g));
      for (size_t k0 = 0; k0 < kc; k0 += 16) {
        const ptrdiff_t steps = static_cast<ptrdiff_t>(std::min<size_t>(16, kc - k0));
        const __mmask16 load_mask = lane_mask(steps);
        __m512 r[16];
        for (ptrdiff_t i = 0; i < 16; ++i)
          r[i] = i < rows ? _mm512_maskz_loadu_ps(load_mask, src + (p0 + g + i) * ld + k0)
                          : _mm512_setzero_ps();
        transpose16x16(r);
        for (ptrdiff_t k = 0; k < steps; ++k)
          _mm512_mask_storeu_ps(dst + (k0 + k) * panel + g, store_mask, r[k]);
      }
    }
    dst += panel * kc;
  }
}

}  // namespace

void sgemm_pack_a_avx512(size_t panel, bool transposed, size_t rows, size_t kc, const float* src,
                         size_t ld, float* dst) {
  if (transposed) {
    pack_contiguous(panel, rows, kc, src, ld, dst);
  } else {
    pack_strided(panel, rows, kc, src, ld, dst);
  }
}

void sgemm_pack_b_avx512(size_t panel, bool transposed, size_t cols, size_t kc, const float* src,
                         size_t ld, float* dst) {
  if (transposed) {
    pack_strided(panel, cols, kc, src, ld, dst);
  } else {
    pack_contiguous(panel, cols, kc, src, ld, dst);
  }
}

}  // namespace castnet::kernels
