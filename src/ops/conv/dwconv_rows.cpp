#include "ops/conv/dwconv_rows.h"

#include "ops/conv/conv_geometry.h"

namespace castnet::ops {

void DwconvRow::run_rows(const float* in_plane, float* out, const float* residual, int64_t cb, int64_t oh_begin,
                         int64_t oh_end) const {
  if (oh_end <= oh_begin) return;
  const int64_t B = uk->block, OW = d->ow();
  kernels::DwconvNchwcRowsFn fn = uk->rows_for(d->kh(), d->kw(), d->stride[0], d->stride[1], d->dilation[0],
                                               d->dilation[1]);
  if (!fn) {
    for (int64_t oh = oh_begin; oh < oh_end; ++oh) {
      const int64_t at = (oh - oh_begin) * OW * B;
      run_pixels(in_plane, out + at, residual ? residual + at : nullptr, cb, oh);
    }
    return;
  }
  kernels::DwconvNchwcRowsArgs a;
  a.in = in_plane;
  a.ih = d->ih();
  a.iw = d->iw();
  a.pad_top = d->pad_begin[0];
  a.pad_left = d->pad_begin[1];
  a.oh_begin = oh_begin;
  a.oh_count = oh_end - oh_begin;
  a.ow = OW;
  a.w = weights + cb * d->kh() * d->kw() * B;
  a.out = out;
  a.out_row_stride = OW * B;
  a.post = activation;
  a.post.bias = bias + cb * B;
  a.post.residual = residual;
  fn(a);
}

void DwconvRow::run(const float* in_plane, float* out_row, const float* res_row, int64_t cb, int64_t oh) const {
  run_rows(in_plane, out_row, res_row, cb, oh, oh + 1);
}

void DwconvRow::run_pixels(const float* in_plane, float* out_row, const float* res_row, int64_t cb,
                           int64_t oh) const {
  const int64_t B = uk->block;
  const int64_t IH = d->ih(), IW = d->iw(), OW = d->ow(), KH = d->kh(), KW = d->kw();
  const int64_t sh = d->stride[0], sw = d->stride[1], dh = d->dilation[0], dw = d->dilation[1];
  const int64_t ih0 = oh * sh - d->pad_begin[0];
  int64_t kh_lo, kh_hi;
  valid_taps(ih0, KH, dh, IH, kh_lo, kh_hi);

  kernels::DwconvNchwcArgs a;
  a.in_pixel_stride = sw * B;
  a.in_kw_stride = dw * B;
  a.in_kh_stride = dh * IW * B;
  a.kh_count = static_cast<size_t>(kh_hi - kh_lo);
  a.w_kh_stride = KW * B;
  a.post = activation;
  a.post.bias = bias + cb * B;
  const float* in_rows = in_plane + (ih0 + kh_lo * dh) * IW * B;
  const float* w_rows = weights + (cb * KH + kh_lo) * KW * B;

  const int64_t pw = d->pad_begin[1];
  int64_t ow_lo, ow_hi;
  interior_outputs(IW, KW, sw, dw, pw, 0, OW, ow_lo, ow_hi);
  auto border_pixel = [&](int64_t ow) {
    int64_t iw0 = ow * sw - pw, kw_lo, kw_hi;
    valid_taps(iw0, KW, dw, IW, kw_lo, kw_hi);
    kernels::DwconvNchwcArgs b = a;
    b.kw_count = static_cast<size_t>(kw_hi - kw_lo);
    b.in = in_rows + (iw0 + kw_lo * dw) * B;
    b.w = w_rows + kw_lo * B;
    b.out = out_row + ow * B;
    if (res_row) b.post.residual = res_row + ow * B;
    uk->any(1, b);
  };
  for (int64_t ow = 0; ow < ow_lo; ++ow) border_pixel(ow);
  kernels::DwconvNchwcUkernelFn fn = uk->for_stride(a.in_pixel_stride);
  a.kw_count = static_cast<size_t>(KW);
  a.w = w_rows;
  for (int64_t ow = ow_lo; ow < ow_hi; ow += uk->mr_max) {
    int64_t mr = ow_hi - ow < uk->mr_max ? ow_hi - ow : uk->mr_max;
    a.in = in_rows + (ow * sw - pw) * B;
    a.out = out_row + ow * B;
    if (res_row) a.post.residual = res_row + ow * B;
    fn(static_cast<size_t>(mr), a);
  }
  for (int64_t ow = ow_hi; ow < OW; ++ow) border_pixel(ow);
}

}  // namespace castnet::ops
