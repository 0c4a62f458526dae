// A 1×1 convolution over a run of consecutive NCHWc pixels, every output group, in microkernel
// tiles: the GEMM step shared by the im2col algorithm (patches as channels) and the fused
// depthwise-separable block (depthwise rows as channels).
#pragma once
#include "kernels/conv/conv_nchwc_ukernel.h"
#include "ops/conv/nchwc_weight_packing.h"

#include <cstdint>

namespace castnet::ops {

// One output group's 1×1 convolution over `pixels` consecutive NCHWc pixels, in near-equal
// microkernel tiles walked as at most two calls (TileRun). `a` carries the group's weights,
// strides, input blocks and post-ops; in / out / residual (or null) are at pixel 0 of the
// group. Meanwhile `prefetch_lines` 64-byte lines from `prefetch` (the next filter, or null) are
// pulled toward the cache, spread evenly over the tiles' taps, so a filter streamed from L3 or
// DRAM arrives while this one multiplies.
void pointwise_group(const kernels::ConvNchwcUkernel& uk, kernels::ConvNchwcArgs a, int64_t nb, const float* in,
                     float* out, const float* residual, int64_t pixels, const float* prefetch = nullptr,
                     int64_t prefetch_lines = 0);

struct PointwiseTiles {
  const kernels::ConvNchwcUkernel* uk = nullptr;
  const PackedConvWeights* weights = nullptr;  // packed with taps = 1, input blocks of B
  const float* bias = nullptr;                 // padded to whole blocks
  kernels::ConvPostOps activation;             // activation fields only
  int64_t out_blocks = 0;                      // output channel blocks
  // Input channels present in the last input block when fewer than a block (0: as the weights
  // say, see run()): the kernel skips the padded lanes' products.
  int64_t last_in_block_channels = 0;

  // in: pixel 0 of input block 0, blocks `in_block_stride` floats apart, `in_blocks` of them;
  // out (and residual, or null): pixel 0 of output block 0, blocks `out_block_stride` apart.
  // When `in_blocks` covers all the weights' input channels and the last block is partial
  // (24 = 16 + 8), only its real channels are multiplied.
  void run(const float* in, int64_t in_block_stride, int64_t in_blocks, int64_t pixels, float* out,
           const float* residual, int64_t out_block_stride) const;
};

}  // namespace castnet::ops
