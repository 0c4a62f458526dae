#include "ops/conv/pointwise_tiles.h"

#include "ops/conv/conv_geometry.h"

#include <algorithm>

namespace castnet::ops {

void pointwise_group(const kernels::ConvNchwcUkernel& uk, kernels::ConvNchwcArgs a, int64_t nb, const float* in,
                     float* out, const float* residual, int64_t pixels, const float* prefetch,
                     int64_t prefetch_lines) {
  constexpr int64_t kLineFloats = 64 / sizeof(float);
  const int64_t B = uk.block, taps = static_cast<int64_t>(a.icb_count);
  const TileRun runs = TileRun::of(pixels, uk.mr_limit(nb));
  int64_t lines_left = prefetch ? prefetch_lines : 0;
  const int64_t per_tap = taps > 0 ? div_ceil(div_ceil(lines_left, runs.count), taps) : 0;  // of each tile
  runs.for_each_run([&](int64_t p, int64_t mr, int64_t count) {
    const int64_t lines = std::min(lines_left, per_tap * taps * count);
    a.prefetch = prefetch;
    a.prefetch_lines_per_tap = lines > 0 ? static_cast<size_t>(lines / (taps * count)) : 0;
    a.in = in + p * B;
    a.out = out + p * B;
    a.post.residual = residual ? residual + p * B : nullptr;
    a.tile_count = static_cast<size_t>(count);
    uk.stride1(static_cast<size_t>(mr), static_cast<size_t>(nb), a);
    const int64_t fetched = static_cast<int64_t>(a.prefetch_lines_per_tap) * taps * count;
    if (prefetch) prefetch += fetched * kLineFloats;
    lines_left -= fetched;
  });
}

void PointwiseTiles::run(const float* in, int64_t in_block_stride, int64_t in_blocks, int64_t pixels, float* out,
                         const float* residual, int64_t out_block_stride) const {
  const int64_t B = uk->block;
  const size_t groups = weights->group_blocks.size();
  const int64_t ic = weights->in_channels;
  const bool partial_last = weights->in_block == B && ic % B != 0 && in_blocks == div_ceil(ic, B);
  for (size_t g = 0; g < groups && weights->group_first[g] < out_blocks; ++g) {
    const int64_t first = weights->group_first[g];
    const int64_t nb = std::min(weights->group_blocks[g], out_blocks - first);
    kernels::ConvNchwcArgs a;
    a.in_pixel_stride = B;
    a.in_icb_stride = in_block_stride;
    a.icb_count = static_cast<size_t>(in_blocks);
    a.last_icb_channels = static_cast<size_t>(last_in_block_channels ? last_in_block_channels
                                              : partial_last ? ic % B : 0);
    a.w = weights->data.as<float>() + weights->group_offset[g];
    a.w_ic_stride = weights->group_blocks[g] * B;
    a.w_kw_stride = a.w_kh_stride = a.w_icb_stride = B * a.w_ic_stride;
    a.out_pixel_stride = B;
    a.out_ocb_stride = out_block_stride;
    a.post = activation;
    a.post.bias = bias + first * B;
    const int64_t group_offset = first * out_block_stride;
    pointwise_group(*uk, a, nb, in, out + group_offset, residual ? residual + group_offset : nullptr, pixels);
  }
}

}  // namespace castnet::ops
