// The body of the NCHWc direct-convolution microkernel, written once over a vector-traits type
// V (V::Reg, V::kLanes, load/store/zero/set1/fma/add/mul/max/min). Each ISA file includes it
// INSIDE AN ANONYMOUS NAMESPACE with its own traits, so instantiations compiled with different
// -m flags never merge at link time (an AVX-512 copy must not serve a baseline caller).
// Do not call std:: templates from here for the same reason.
//
// Requires: conv_nchwc_ukernel.h included, and V defined before inclusion.

#include "kernels/conv/post_ops_body.h"

// PIXEL_STEP: input pixel stride in blocks, 0 = read args.in_pixel_stride at run time.
template <class V, int MR, int NB, int PIXEL_STEP>
void conv_nchwc_tile(const castnet::kernels::ConvNchwcArgs& a) {
  constexpr int B = V::kLanes;
  const ptrdiff_t px = PIXEL_STEP ? PIXEL_STEP * B : a.in_pixel_stride;
  typename V::Reg acc[MR][NB];
  if (a.accumulate) {
    for (int m = 0; m < MR; ++m)
      for (int j = 0; j < NB; ++j) acc[m][j] = V::load(a.out + j * a.out_ocb_stride + m * a.out_pixel_stride);
  } else {
    for (int m = 0; m < MR; ++m)
      for (int j = 0; j < NB; ++j) acc[m][j] = V::zero();
  }

  const float* in_icb = a.in;
  const float* w_icb = a.w;
  for (size_t icb = 0; icb < a.icb_count; ++icb) {
    const float* in_kh = in_icb;
    const float* w_kh = w_icb;
    for (size_t kh = 0; kh < a.kh_count; ++kh) {
      const float* in_kw = in_kh;
      const float* w_kw = w_kh;
      for (size_t kw = 0; kw < a.kw_count; ++kw) {
        const float* wp = w_kw;
        for (int ic = 0; ic < B; ++ic) {
          typename V::Reg wv[NB];
          for (int j = 0; j < NB; ++j) wv[j] = V::load(wp + j * B);
          for (int m = 0; m < MR; ++m) {
            typename V::Reg x = V::set1(in_kw[m * px + ic]);
            for (int j = 0; j < NB; ++j) acc[m][j] = V::fma(x, wv[j], acc[m][j]);
          }
          wp += a.w_ic_stride;
        }
        in_kw += a.in_kw_stride;
        w_kw += a.w_kw_stride;
      }
      in_kh += a.in_kh_stride;
      w_kh += a.w_kh_stride;
    }
    in_icb += a.in_icb_stride;
    w_icb += a.w_icb_stride;
  }

  if (!a.last) {  // a partial sum over some input channels: stored raw
    for (int j = 0; j < NB; ++j)
      for (int m = 0; m < MR; ++m) V::store(a.out + j * a.out_ocb_stride + m * a.out_pixel_stride, acc[m][j]);
    return;
  }
  const castnet::kernels::ConvPostOps& post = a.post;
  for (int j = 0; j < NB; ++j) {
    typename V::Reg bias = post.bias ? V::load(post.bias + j * B) : V::zero();
    for (int m = 0; m < MR; ++m) {
      ptrdiff_t off = j * a.out_ocb_stride + m * a.out_pixel_stride;
      typename V::Reg y = V::add(acc[m][j], bias);
      if (post.residual) y = V::add(y, V::load(post.residual + off));
      V::store(a.out + off, apply_activation<V>(y, post));
    }
  }
}

// Dispatch over the run-time tile size to the compile-time instances.
template <class V, int MR_MAX, int NB_MAX, int PIXEL_STEP>
struct ConvTileTable {
  using Fn = void (*)(const castnet::kernels::ConvNchwcArgs&);
  Fn fns[MR_MAX][NB_MAX];

  template <int M, int N>
  constexpr void fill() {
    fns[M - 1][N - 1] = &conv_nchwc_tile<V, M, N, PIXEL_STEP>;
    if constexpr (N < NB_MAX) fill<M, N + 1>();
    else if constexpr (M < MR_MAX) fill<M + 1, 1>();
  }
  constexpr ConvTileTable() : fns{} { fill<1, 1>(); }
};

template <class V, int MR_MAX, int NB_MAX, int PIXEL_STEP>
void conv_nchwc_dispatch(size_t mr, size_t nb, const castnet::kernels::ConvNchwcArgs& a) {
  static constexpr ConvTileTable<V, MR_MAX, NB_MAX, PIXEL_STEP> table;
  table.fns[mr - 1][nb - 1](a);
}
