#include "kernels/layout/reorder_nchwc.h"

#include <cstring>

namespace castnet::kernels {

// A plane is one (n, channel block): B source rows of HW values interleaved into HW·B values.
// Rows are processed in strips of 64 pixels so the B source rows and the destination strip stay
// in L1 while the transpose runs.
void reorder_nchw_to_nchwc(const float* src, float* dst, int64_t channels, int64_t hw, int block,
                           int64_t plane_begin, int64_t plane_end) {
  const int64_t cb = (channels + block - 1) / block;
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    int64_t n = plane / cb, b = plane % cb;
    int64_t c0 = b * block;
    int64_t valid = channels - c0 < block ? channels - c0 : block;
    float* d = dst + (n * cb + b) * hw * block;
    const float* s = src + (n * channels + c0) * hw;
    for (int64_t p0 = 0; p0 < hw; p0 += 64) {
      int64_t p1 = p0 + 64 < hw ? p0 + 64 : hw;
      for (int64_t p = p0; p < p1; ++p) {
        float* dp = d + p * block;
        for (int64_t c = 0; c < valid; ++c) dp[c] = s[c * hw + p];
        for (int64_t c = valid; c < block; ++c) dp[c] = 0.f;
      }
    }
  }
}

void reorder_nchwc_to_nchw(const float* src, float* dst, int64_t channels, int64_t hw, int block,
                           int64_t plane_begin, int64_t plane_end) {
  const int64_t cb = (channels + block - 1) / block;
  for (int64_t plane = plane_begin; plane < plane_end; ++plane) {
    int64_t n = plane / cb, b = plane % cb;
    int64_t c0 = b * block;
    int64_t valid = channels - c0 < block ? channels - c0 : block;
    const float* s = src + (n * cb + b) * hw * block;
    float* d = dst + (n * channels + c0) * hw;
    for (int64_t p0 = 0; p0 < hw; p0 += 64) {
      int64_t p1 = p0 + 64 < hw ? p0 + 64 : hw;
      for (int64_t c = 0; c < valid; ++c)
        for (int64_t p = p0; p < p1; ++p) d[c * hw + p] = s[p * block + c];
    }
  }
}

}  // namespace castnet::kernels
