#include "ops/conv/pointwise_tiles.h"

#include "ops/conv/conv_geometry.h"

#include <algorithm>

namespace castnet::ops {

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
    // Near-equal tiles of at most the kernel's limit for nb blocks, in at most two calls.
    TileRun::of(pixels, uk->mr_limit(nb)).for_each_run([&](int64_t p, int64_t mr, int64_t count) {
      a.in = in + p * B;
      a.out = out + group_offset + p * B;
      if (residual) a.post.residual = residual + group_offset + p * B;
      a.tile_count = static_cast<size_t>(count);
      uk->stride1(static_cast<size_t>(mr), static_cast<size_t>(nb), a);
    });
  }
}

}  // namespace castnet::ops
