// Depthwise convolution microkernels on NCHWc: one channel block (B channels in the vector
// lanes), one output row, `mr` consecutive output pixels, the given range of kernel taps. Each
// tap is a B-wide multiply-add of an input vector by that tap's per-channel weights, so no
// broadcast is needed and channel tails are free (padded lanes carry zero weights).
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

struct DwconvNchwcUkernel {
  DwconvNchwcUkernelFn stride1 = nullptr;
  DwconvNchwcUkernelFn stride2 = nullptr;
  DwconvNchwcUkernelFn any = nullptr;
  int block = 0;
  int mr_max = 0;
  const char* name = "";

  DwconvNchwcUkernelFn for_stride(ptrdiff_t in_pixel_stride) const {
    if (in_pixel_stride == block) return stride1;
    if (in_pixel_stride == 2 * block) return stride2;
    return any;
  }
};

const DwconvNchwcUkernel& dwconv_nchwc_ukernel_avx512();
const DwconvNchwcUkernel& dwconv_nchwc_ukernel_avx2();
const DwconvNchwcUkernel& dwconv_nchwc_ukernel_generic();

}  // namespace castnet::kernels
