// One output row of an NCHWc depthwise convolution for one channel block: interior pixels in
// microkernel tiles, border pixels one at a time with their valid taps. Shared by the depthwise
// conv and the fused depthwise-separable block (which writes rows into a cache-resident buffer).
#pragma once
#include "core/conv_desc.h"
#include "kernels/conv/dwconv_nchwc_ukernel.h"

namespace castnet::ops {

struct DwconvRow {
  const kernels::DwconvNchwcUkernel* uk = nullptr;
  const ConvDesc* d = nullptr;
  const float* weights = nullptr;  // [CB][KH][KW][B]
  const float* bias = nullptr;     // [CB][B]
  kernels::ConvPostOps activation; // activation fields only

  // in_plane: the (n, cb) input plane [IH][IW][B]; out_row: OW pixels of B floats;
  // residual_row: same shape as out_row, or null.
  void run(const float* in_plane, float* out_row, const float* residual_row, int64_t cb, int64_t oh) const;
};

}  // namespace castnet::ops
