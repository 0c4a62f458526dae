// Depthwise convolution microkernels on NCHWc, one channel block (B channels in the vector
// lanes). Each tap is a B-wide multiply-add of an input vector by that tap's per-channel weights,
// so no broadcast is needed and channel tails are free (padded lanes carry zero weights).
//
// Two families:
// - rows (the fast one): a run of whole output rows of a K×K, stride-S layer (K = 3, 5;
//   S = 1, 2; no dilation), borders and padding inside the kernel, in register tiles of several
//   rows × several pixels (dwconv_nchwc_rows_body.h);
// - pixels (any geometry): one output row, `mr` consecutive output pixels, the given range of
//   kernel taps; the caller handles borders. Used where no rows kernel exists.
#pragma once
#include "kernels/conv/conv_nchwc_ukernel.h"

namespace castnet::kernels {

struct DwconvNchwcArgs {
  const float* in = nullptr;       // input at (first valid tap, first output pixel)
  ptrdiff_t in_pixel_stride = 0;   // stride_w·B
  ptrdiff_t in_kw_stride = 0;      // dilation_w·B
  ptrdiff_t in_kh_stride = 0;      // dilation_h·IW·B
  size_t kh_count = 1, kw_count = 1;
  const float* w = nullptr;        // weights [KH][KW][B] at the first valid tap
  ptrdiff_t w_kh_stride = 0;       // KW·B
  float* out = nullptr;            // B floats per pixel, consecutive pixels
  ConvPostOps post;                // bias: B values; residual: same strides as out
};

using DwconvNchwcUkernelFn = void (*)(size_t mr, const DwconvNchwcArgs& args);

// Output rows [oh_begin, oh_begin + oh_count) of one channel block, OW pixels each, for a square
// K×K kernel with stride S in both directions and no dilation (K, S fixed by the function).
struct DwconvNchwcRowsArgs {
  const float* in = nullptr;         // the block's input plane [IH][IW][B]
  int64_t ih = 0, iw = 0;            // its extent
  int64_t pad_top = 0, pad_left = 0; // input coordinate of a window = o·S - pad
  int64_t oh_begin = 0, oh_count = 0, ow = 0;
  const float* w = nullptr;          // [K][K][B]
  float* out = nullptr;              // output row oh_begin, pixel 0; rows out_row_stride floats apart
  ptrdiff_t out_row_stride = 0;
  ConvPostOps post;                  // bias: B values; residual: row oh_begin, strides as out
};

using DwconvNchwcRowsFn = void (*)(const DwconvNchwcRowsArgs& args);

struct DwconvNchwcUkernel {
  DwconvNchwcUkernelFn stride1 = nullptr;
  DwconvNchwcUkernelFn stride2 = nullptr;
  DwconvNchwcUkernelFn any = nullptr;
  int block = 0;
  int mr_max = 0;
  const char* name = "";

  // Rows kernels, [K == 5][S == 2] for K in {3, 5}, S in {1, 2}.
  DwconvNchwcRowsFn rows[2][2] = {};
  const char* rows_name = "";

  DwconvNchwcUkernelFn for_stride(ptrdiff_t in_pixel_stride) const {
    if (in_pixel_stride == block) return stride1;
    if (in_pixel_stride == 2 * block) return stride2;
    return any;
  }
  // The rows kernel for this geometry, or null (then use the pixel kernels).
  DwconvNchwcRowsFn rows_for(int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t dh, int64_t dw) const {
    if (kh != kw || sh != sw || dh != 1 || dw != 1 || (kh != 3 && kh != 5) || (sh != 1 && sh != 2)) return nullptr;
    return rows[kh == 5][sh == 2];
  }
};

const DwconvNchwcUkernel& dwconv_nchwc_ukernel_avx512();
const DwconvNchwcUkernel& dwconv_nchwc_ukernel_avx2();
const DwconvNchwcUkernel& dwconv_nchwc_ukernel_generic();

}  // namespace castnet::kernels
