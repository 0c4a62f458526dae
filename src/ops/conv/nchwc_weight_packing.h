// Packing of convolution weights for the NCHWc microkernels, done once when a kernel is created.
#pragma once
#include "core/aligned.h"

#include <cstdint>
#include <vector>

namespace castnet::ops {

// Output channels in groups of output blocks of B (group g: group_blocks[g] blocks starting at
// block group_first[g]); per group of nb blocks: [icb][tap][ic in 0..in_block)[nb][B], zero where
// ic or oc is padding. in_block is B for NCHWc input, 1 for plain input (one channel per step).
struct PackedConvWeights {
  AlignedBuffer data;
  std::vector<int64_t> group_offset;  // in floats
  std::vector<int64_t> group_blocks;  // output blocks per group
  std::vector<int64_t> group_first;   // first output block of each group
  int64_t in_channels = 0;            // input channels packed (IC)
  int64_t in_block = 0;               // input channels per step
};

// src: [OC][IC][taps] (OIHW with kh·kw = taps), groups of nb_max blocks (the last may be fewer),
// in_block = B. An im2col GEMM packs with IC = ic·kh·kw, taps = 1: the same memory read as a 1×1
// convolution over the patch elements.
PackedConvWeights pack_weights_nchwc(const float* src, int64_t oc, int64_t ic, int64_t taps, int64_t block,
                                     int64_t nb_max);

// The same with the output blocks grouped as `group_blocks` (summing to the output block count)
// and input channels in blocks of `in_block`.
PackedConvWeights pack_weights_nchwc_groups(const float* src, int64_t oc, int64_t ic, int64_t taps, int64_t in_block,
                                            int64_t block, const std::vector<int64_t>& group_blocks);

// `ocb` output blocks in `groups` near-equal groups, larger first (10 in 3: 4, 3, 3).
std::vector<int64_t> even_group_blocks(int64_t ocb, int64_t groups);

}  // namespace castnet::ops
