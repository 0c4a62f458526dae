// Output rows of an NCHWc depthwise convolution for one channel block. Shared by the depthwise
// conv, the fused depthwise-separable block (which writes rows into a cache-resident buffer) and
// any other fused block that needs depthwise rows.
//
// 3×3 and 5×5 kernels with stride 1 or 2 (no dilation) run the rows microkernel: several rows ×
// several pixels per register tile, borders inside the kernel. Other geometries run the pixel
// microkernel: interior pixels in tiles, border pixels one at a time with their valid taps.
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

  // The fastest entry point: output rows [oh_begin, oh_end) of channel block cb, in one call.
  // in_plane: the (n, cb) input plane [IH][IW][B]; out: row oh_begin, OW pixels of B floats per
  // row, rows contiguous (OW·B floats apart); residual: the same shape, or null. Ask for as many
  // rows at once as the caller has: rows are computed in pairs that share their input rows.
  // Only the input rows inside [0, IH) that the windows of these output rows cover are read, so
  // in_plane may address a buffer holding just those rows (at their plane positions).
  void run_rows(const float* in_plane, float* out, const float* residual, int64_t cb, int64_t oh_begin,
                int64_t oh_end) const;

  // One row: run_rows(in_plane, out_row, residual_row, cb, oh, oh + 1).
  void run(const float* in_plane, float* out_row, const float* residual_row, int64_t cb, int64_t oh) const;

 private:
  void run_pixels(const float* in_plane, float* out_row, const float* residual_row, int64_t cb, int64_t oh) const;
};

}  // namespace castnet::ops
