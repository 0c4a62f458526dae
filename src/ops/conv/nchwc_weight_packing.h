// Packing of convolution weights for the NCHWc microkernels, done once when a kernel is created.
#pragma once
#include "core/aligned.h"

#include <cstdint>
#include <vector>

namespace castnet::ops {

// Output channels in groups of nb_max blocks of B; per group g (nb_g blocks, the last may be
// fewer): [icb][tap][ic in 0..B)[nb_g][B], zero where ic or oc is padding.
struct PackedConvWeights {
  AlignedBuffer data;
  std::vector<int64_t> group_offset;  // in floats
};

// src: [OC][IC][taps] (OIHW with kh·kw = taps). An im2col GEMM packs with IC = ic·kh·kw, taps = 1:
// the same memory read as a 1×1 convolution over the patch elements.
PackedConvWeights pack_weights_nchwc(const float* src, int64_t oc, int64_t ic, int64_t taps, int64_t block,
                                     int64_t nb_max);

}  // namespace castnet::ops
