// The body of the NCHWc direct-convolution microkernel, written once over a vector-traits type
// V (V::Reg, V::kLanes, load/store/zero/set1/fma/add/mul/max/min). Each ISA file includes it
// INSIDE AN ANONYMOUS NAMESPACE with its own traits, so instantiations compiled with different
// -m flags never merge at link time (an AVX-512 copy must not serve a baseline caller).
// Do not call std:: templates from here for the same reason.
//
// Requires: conv_nchwc_ukernel.h included, and V defined before inclusion.

#include "kernels/conv/post_ops_body.h"

// The tile's activation (fixed at compile time, so apply_activation's switch folds away) and
// stores.
template <class V, int MR, int NB, castnet::kernels::Activation ACT>
__attribute__((always_inline)) inline void store_activated(typename V::Reg (&acc)[MR][NB],
                                                           const castnet::kernels::ConvNchwcArgs& a, float* out) {
  castnet::kernels::ConvPostOps post = a.post;
  post.activation = ACT;
#pragma GCC unroll 16
  for (int j = 0; j < NB; ++j)
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m)
      V::store(out + j * a.out_ocb_stride + m * a.out_pixel_stride, apply_activation<V>(acc[m][j], post));
}

// Sigmoid over an mr × nb tile already in memory, out of line.
template <class V>
__attribute__((noinline)) void sigmoid_in_place(float* out, int mr, int nb, ptrdiff_t pixel_stride,
                                                ptrdiff_t ocb_stride) {
  castnet::kernels::ConvPostOps post;
  post.activation = castnet::kernels::Activation::sigmoid;
  for (int j = 0; j < nb; ++j)
    for (int m = 0; m < mr; ++m) {
      float* p = out + j * ocb_stride + m * pixel_stride;
      V::store(p, apply_activation<V>(V::load(p), post));
    }
}

// One input-channel block's taps into the accumulators: per tap and input channel, NB weight
// vectors times MR broadcast inputs. IC_FIXED > 0: that many channels (a compile-time count);
// 0: `ic_count` of them (the partial last block).
template <class V, int MR, int NB, int IC_FIXED>
__attribute__((always_inline)) inline void accumulate_block(typename V::Reg (&acc)[MR][NB],
                                                            const castnet::kernels::ConvNchwcArgs& a,
                                                            const float* in_kh, const float* w_kh, ptrdiff_t px,
                                                            int ic_count, const char*& pf) {
  constexpr int B = V::kLanes;
  const int ics = IC_FIXED > 0 ? IC_FIXED : ic_count;
  const size_t pf_per_tap = a.prefetch_lines_per_tap;
  for (size_t kh = 0; kh < a.kh_count; ++kh) {
    const float* in_kw = in_kh;
    const float* w_kw = w_kh;
    for (size_t kw = 0; kw < a.kw_count; ++kw) {
      for (size_t p = 0; p < pf_per_tap; ++p, pf += 64) __builtin_prefetch(pf, 0, 2);
      const float* wp = w_kw;
      for (int ic = 0; ic < ics; ++ic) {
        typename V::Reg wv[NB];
#pragma GCC unroll 16
        for (int j = 0; j < NB; ++j) wv[j] = V::load(wp + j * B);
#pragma GCC unroll 16
        for (int m = 0; m < MR; ++m) {
          typename V::Reg x = V::set1(in_kw[m * px + ic]);
#pragma GCC unroll 16
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
}

// PIXEL_STEP: input pixel stride in units of IC floats (1 or 2), 0 = read args.in_pixel_stride at
// run time. IC: input channels per tap held in the input's lanes: V::kLanes for NCHWc input, 1
// for plain input (the stem instances).
//
// One tile at (in, out, residual); `pf` is the running prefetch pointer.
template <class V, int MR, int NB, int PIXEL_STEP, int IC>
__attribute__((always_inline)) inline void conv_nchwc_one_tile(const castnet::kernels::ConvNchwcArgs& a,
                                                               const float* in, float* out, const float* residual,
                                                               const char*& pf) {
  constexpr int B = V::kLanes;
  const ptrdiff_t px = PIXEL_STEP ? PIXEL_STEP * IC : a.in_pixel_stride;
  typename V::Reg acc[MR][NB];
  if (a.accumulate) {
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m)
#pragma GCC unroll 16
      for (int j = 0; j < NB; ++j) acc[m][j] = V::load(out + j * a.out_ocb_stride + m * a.out_pixel_stride);
  } else {
#pragma GCC unroll 16
    for (int m = 0; m < MR; ++m)
#pragma GCC unroll 16
      for (int j = 0; j < NB; ++j) acc[m][j] = V::zero();
  }

  const float* in_icb = in;
  const float* w_icb = a.w;
  // A partial last block (channels not a multiple of B) runs only its real channels.
  const size_t full_blocks = IC > 1 && a.last_icb_channels && a.icb_count ? a.icb_count - 1 : a.icb_count;
  for (size_t icb = 0; icb < full_blocks; ++icb) {
    if (IC > 1 && a.in_prefetch_ahead) {
      const float* next = in_icb + a.in_prefetch_ahead;
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m) __builtin_prefetch(next + m * px, 0, 3);
    }
    accumulate_block<V, MR, NB, IC>(acc, a, in_icb, w_icb, px, IC, pf);
    in_icb += a.in_icb_stride;
    w_icb += a.w_icb_stride;
  }
  if (full_blocks < a.icb_count)
    accumulate_block<V, MR, NB, 0>(acc, a, in_icb, w_icb, px, static_cast<int>(a.last_icb_channels), pf);

  if (!a.last) {  // a partial sum over some input channels: stored raw
#pragma GCC unroll 16
    for (int j = 0; j < NB; ++j)
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m) V::store(out + j * a.out_ocb_stride + m * a.out_pixel_stride, acc[m][j]);
    return;
  }
  const castnet::kernels::ConvPostOps& post = a.post;
  if (post.bias) {
#pragma GCC unroll 16
    for (int j = 0; j < NB; ++j) {
      const typename V::Reg bias = V::load(post.bias + j * B);
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m) acc[m][j] = V::add(acc[m][j], bias);
    }
  }
  if (residual) {
#pragma GCC unroll 16
    for (int j = 0; j < NB; ++j)
#pragma GCC unroll 16
      for (int m = 0; m < MR; ++m)
        acc[m][j] = V::add(acc[m][j], V::load(residual + j * a.out_ocb_stride + m * a.out_pixel_stride));
  }
  // One switch per tile, each case a straight run of the tile's vectors: the accumulators are
  // indexed only by constants, so they stay in registers from the first FMA to the store.
  using castnet::kernels::Activation;
  switch (post.activation) {
    case Activation::none: return store_activated<V, MR, NB, Activation::none>(acc, a, out);
    case Activation::relu: return store_activated<V, MR, NB, Activation::relu>(acc, a, out);
    case Activation::clip: return store_activated<V, MR, NB, Activation::clip>(acc, a, out);
    case Activation::leaky_relu: return store_activated<V, MR, NB, Activation::leaky_relu>(acc, a, out);
    case Activation::hard_sigmoid: return store_activated<V, MR, NB, Activation::hard_sigmoid>(acc, a, out);
    case Activation::hard_swish: return store_activated<V, MR, NB, Activation::hard_swish>(acc, a, out);
    case Activation::sigmoid:  // exp is a call: store first, so no accumulator lives across it
      store_activated<V, MR, NB, Activation::none>(acc, a, out);
      return sigmoid_in_place<V>(out, MR, NB, a.out_pixel_stride, a.out_ocb_stride);
  }
}

// `a.tile_count` tiles of MR pixels, one after another along the row: setup once, and each
// tile's stores overlap the next tile's first FMAs.
template <class V, int MR, int NB, int PIXEL_STEP, int IC>
void conv_nchwc_tile(const castnet::kernels::ConvNchwcArgs& a) {
  const ptrdiff_t px = PIXEL_STEP ? PIXEL_STEP * IC : a.in_pixel_stride;
  // Prefetch of the caller's next weights: a few lines per tap, so the requests trickle out at
  // the pace of the arithmetic instead of flooding the miss queues at once.
  const char* pf = reinterpret_cast<const char*>(a.prefetch);
  const float* in = a.in;
  float* out = a.out;
  const float* residual = a.post.residual;
  for (size_t t = 0; t < a.tile_count; ++t) {
    conv_nchwc_one_tile<V, MR, NB, PIXEL_STEP, IC>(a, in, out, residual, pf);
    in += MR * px;
    out += MR * a.out_pixel_stride;
    if (residual) residual += MR * a.out_pixel_stride;
  }
}

// Dispatch over the run-time tile size to the compile-time instances. TILES gives the ISA's
// tile shapes: TILES::kNbMax, and TILES::mr_limit(nb), the pixels a tile of nb blocks may hold
// (its accumulators and weight vectors within the register file).
template <class V, class TILES, int PIXEL_STEP, int IC>
struct ConvTileTable {
  static constexpr int kMrCap = TILES::mr_limit(1);
  using Fn = void (*)(const castnet::kernels::ConvNchwcArgs&);
  Fn fns[kMrCap][TILES::kNbMax];

  template <int M, int N>
  constexpr void fill() {
    if constexpr (M <= TILES::mr_limit(N)) fns[M - 1][N - 1] = &conv_nchwc_tile<V, M, N, PIXEL_STEP, IC>;
    if constexpr (N < TILES::kNbMax) fill<M, N + 1>();
    else if constexpr (M < kMrCap) fill<M + 1, 1>();
  }
  constexpr ConvTileTable() : fns{} { fill<1, 1>(); }
};

template <class V, class TILES, int PIXEL_STEP, int IC>
void conv_nchwc_dispatch(size_t mr, size_t nb, const castnet::kernels::ConvNchwcArgs& a) {
  static constexpr ConvTileTable<V, TILES, PIXEL_STEP, IC> table;
  table.fns[mr - 1][nb - 1](a);
}

// The ConvNchwcUkernel of an ISA's tile shapes: IC = V::kLanes reads NCHWc input, IC = 1 plain.
template <class V, class TILES, int IC>
castnet::kernels::ConvNchwcUkernel make_conv_ukernel(const char* name) {
  castnet::kernels::ConvNchwcUkernel k;
  k.stride1 = &conv_nchwc_dispatch<V, TILES, 1, IC>;
  k.stride2 = &conv_nchwc_dispatch<V, TILES, 2, IC>;
  k.any = &conv_nchwc_dispatch<V, TILES, 0, IC>;
  k.block = V::kLanes;
  k.nb_max = TILES::kNbMax;
  k.mr_max = TILES::mr_limit(TILES::kNbMax);
  k.name = name;
  k.in_lanes = IC;
  for (int nb = 1; nb <= TILES::kNbMax; ++nb) k.mr_by_nb[nb - 1] = TILES::mr_limit(nb);
  return k;
}
