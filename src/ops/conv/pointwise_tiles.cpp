#include "ops/conv/pointwise_tiles.h"

#include "ops/conv/conv_geometry.h"

#include <algorithm>

namespace castnet::ops {

void PointwiseTiles::run(const float* in, int64_t in_block_stride, int64_t in_blocks, int64_t pixels, float* out,
                         const float* residual, int64_t out_block_stride) const {
  const int64_t B = uk->block, nb_max = uk->nb_max;
  for (int64_t g = 0; g * nb_max < out_blocks; ++g) {
    const int64_t nb = std::min(nb_max, out_blocks - g * nb_max);
    kernels::ConvNchwcArgs a;
    a.in_pixel_stride = B;
    a.in_icb_stride = in_block_stride;
    a.icb_count = static_cast<size_t>(in_blocks);
    a.w = weights->data.as<float>() + weights->group_offset[static_cast<size_t>(g)];
    a.w_ic_stride = nb * B;
    a.w_kw_stride = a.w_kh_stride = a.w_icb_stride = B * nb * B;
    a.out_pixel_stride = B;
    a.out_ocb_stride = out_block_stride;
    a.post = activation;
    a.post.bias = bias + g * nb_max * B;
    const int64_t group_offset = g * nb_max * out_block_stride;
    for (int64_t p = 0; p < pixels; p += uk->mr_max) {
      const int64_t mr = std::min<int64_t>(uk->mr_max, pixels - p);
      a.in = in + p * B;
      a.out = out + group_offset + p * B;
      if (residual) a.post.residual = residual + group_offset + p * B;
      uk->stride1(static_cast<size_t>(mr), static_cast<size_t>(nb), a);
    }
  }
}

}  // namespace castnet::ops
