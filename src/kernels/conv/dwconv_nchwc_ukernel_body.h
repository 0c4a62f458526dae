// Body of the NCHWc depthwise microkernel over vector traits V; included inside an anonymous
// namespace by each ISA file.

#include "kernels/conv/post_ops_body.h"

template <class V, int MR, int PIXEL_STEP>
void dwconv_nchwc_tile(const castnet::kernels::DwconvNchwcArgs& a) {
  constexpr int B = V::kLanes;
  const ptrdiff_t px = PIXEL_STEP ? PIXEL_STEP * B : a.in_pixel_stride;
  typename V::Reg acc[MR];
  for (int m = 0; m < MR; ++m) acc[m] = V::zero();
  const float* in_kh = a.in;
  const float* w_kh = a.w;
  for (size_t kh = 0; kh < a.kh_count; ++kh) {
    const float* in_kw = in_kh;
    for (size_t kw = 0; kw < a.kw_count; ++kw) {
      typename V::Reg w = V::load(w_kh + kw * B);
      for (int m = 0; m < MR; ++m) acc[m] = V::fma(V::load(in_kw + m * px), w, acc[m]);
      in_kw += a.in_kw_stride;
    }
    in_kh += a.in_kh_stride;
    w_kh += a.w_kh_stride;
  }
  const castnet::kernels::ConvPostOps& post = a.post;
  typename V::Reg bias = post.bias ? V::load(post.bias) : V::zero();
  for (int m = 0; m < MR; ++m) {
    typename V::Reg y = V::add(acc[m], bias);
    if (post.residual) y = V::add(y, V::load(post.residual + m * B));
    V::store(a.out + m * B, apply_activation<V>(y, post));
  }
}

template <class V, int MR_MAX, int PIXEL_STEP>
struct DwTileTable {
  using Fn = void (*)(const castnet::kernels::DwconvNchwcArgs&);
  Fn fns[MR_MAX];
  template <int M>
  constexpr void fill() {
    fns[M - 1] = &dwconv_nchwc_tile<V, M, PIXEL_STEP>;
    if constexpr (M < MR_MAX) fill<M + 1>();
  }
  constexpr DwTileTable() : fns{} { fill<1>(); }
};

template <class V, int MR_MAX, int PIXEL_STEP>
void dwconv_nchwc_dispatch(size_t mr, const castnet::kernels::DwconvNchwcArgs& a) {
  static constexpr DwTileTable<V, MR_MAX, PIXEL_STEP> table;
  table.fns[mr - 1](a);
}
