// Body of the NCHWc depthwise row-block microkernel over vector traits V (see
// DwconvNchwcRowsArgs in dwconv_nchwc_ukernel.h); included inside an anonymous namespace by each
// ISA file, after the vector traits. Requires <cmath>, <utility> and dwconv_nchwc_ukernel.h.
//
// A tile is R output rows × T output pixels of one channel block, R·T accumulators in registers
// (one vector each; the B channels sit in the lanes, so no broadcast is needed). The tile walks
// the ·S+K input rows it needs once, and within a row loads each of its (T-1)·S+K input
// vectors once, feeding every (row, pixel, tap) that uses it: an input vector of a 3×3 stride-1
// tile feeds up to 6 multiply-adds instead of 1. Every loop is unrolled at compile time so that
// tap and accumulator indices are constants and the accumulators stay in registers.
//
// Borders are handled inside the tile: an input row or column outside the image reads as zeros
// (the multiply-adds of a zero change nothing). Tiles whose windows stay inside the image's
// columns, the bulk of a row, point a padding row at a row of zeros and carry no other check;
// "checked" tiles (single pixels at the left and right borders, or a whole narrow row) copy
// their window into a small zero-padded buffer first and store only their first n pixels.
// Bias starts the accumulators; residual and activation are applied while they are in registers.

#include "kernels/conv/post_ops_body.h"

// Every lambda of a tile is forced inline: one left out of line would take the accumulators by
// reference and so move them from registers to the stack.
#define DW_INLINE __attribute__((always_inline))

// What an unchecked tile reads for an input row in the padding: enough zeros for the widest tile
// ((T-1)·S + K ≤ 32 pixels of 16 lanes).
alignas(64) constexpr float dw_zero_row[32 * 16] = {};

// f(integral_constant<int, 0>), …, f(integral_constant<int, N-1>): a loop unrolled by the
// compiler with the index usable in constant expressions.
template <int N, class F>
DW_INLINE inline void dw_unroll(F&& f) {
  [&]<int... I>(std::integer_sequence<int, I...>) DW_INLINE { (f(std::integral_constant<int, I>{}), ...); }(
      std::make_integer_sequence<int, N>{});
}

// One tile: output rows oh..oh+R-1 (all < oh_begin + oh_count), pixels ow..ow+T-1 of which the
// first n are stored (n == T unless CHECKED). Unchecked tiles must have every input column of
// their windows inside the image.
template <class V, int K, int S, int R, int T, bool CHECKED>
void dw_rows_tile(const castnet::kernels::DwconvNchwcRowsArgs& a, int64_t oh, int64_t ow, int64_t n = T) {
  using Reg = typename V::Reg;
  constexpr int B = V::kLanes;
  constexpr int ROWS_IN = (R - 1) * S + K;
  constexpr int COLS_IN = (T - 1) * S + K;
  static_assert(COLS_IN * B <= int(sizeof(dw_zero_row) / sizeof(float)), "tile wider than the zero row");
  Reg w[K * K];
  dw_unroll<K * K>([&](auto i) DW_INLINE { w[i] = V::load(a.w + i * B); });
  Reg acc[R][T];
  {
    const Reg bias = a.post.bias ? V::load(a.post.bias) : V::zero();
    dw_unroll<R>([&](auto r) DW_INLINE { dw_unroll<T>([&](auto t) DW_INLINE { acc[r][t] = bias; }); });
  }
  const int64_t ih0 = oh * S - a.pad_top, iw0 = ow * S - a.pad_left;
  // Where each input row of the tile starts (at column iw0). A padding row reads a row of
  // zeros. A checked tile first copies its window into `window`, zeros where it leaves the
  // image; the multiply-adds below are then the same straight-line code for every tile, with no
  // branch that could push an accumulator out of its register.
  const float* rows[ROWS_IN];
  alignas(64) float window[CHECKED ? ROWS_IN * COLS_IN * B : 1];
  for (int j = 0; j < ROWS_IN; ++j) {
    const int64_t ih = ih0 + j;
    const bool row_inside = ih >= 0 && ih < a.ih;
    if constexpr (CHECKED) {
      float* dst = window + j * COLS_IN * B;
      for (int p = 0; p < COLS_IN; ++p) {
        const int64_t iw = iw0 + p;
        V::store(dst + p * B, row_inside && iw >= 0 && iw < a.iw ? V::load(a.in + (ih * a.iw + iw) * B) : V::zero());
      }
      rows[j] = dst;
    } else {
      rows[j] = row_inside ? a.in + (ih * a.iw + iw0) * B : dw_zero_row;
    }
  }
  dw_unroll<ROWS_IN>([&](auto j_) DW_INLINE {
    constexpr int J = decltype(j_)::value;
    const float* row = rows[J];
    dw_unroll<COLS_IN>([&](auto p_) DW_INLINE {
      constexpr int P = decltype(p_)::value;
      const Reg x = V::load(row + P * B);
      dw_unroll<R>([&](auto r_) DW_INLINE {
        constexpr int RI = decltype(r_)::value;
        constexpr int KH = J - RI * S;  // the kernel row this input row is for output row RI
        if constexpr (KH >= 0 && KH < K) {
          dw_unroll<K>([&](auto kw_) DW_INLINE {
            constexpr int KW = decltype(kw_)::value;
            constexpr int Q = P - KW;  // = t·S for the pixel t this tap feeds
            if constexpr (Q >= 0 && Q % S == 0 && Q / S < T)
              acc[RI][Q / S] = V::fma(x, w[KH * K + KW], acc[RI][Q / S]);
          });
        }
      });
    });
  });

  float* out = a.out + (oh - a.oh_begin) * a.out_row_stride + ow * B;
  const float* res = a.post.residual ? a.post.residual + (oh - a.oh_begin) * a.out_row_stride + ow * B : nullptr;
  // One switch per tile, not per vector: each case stores the whole tile with its activation.
  auto finish = [&](auto activation) DW_INLINE {
    dw_unroll<R>([&](auto r) DW_INLINE {
      dw_unroll<T>([&](auto t) DW_INLINE {
        if (CHECKED && t >= n) return;
        const ptrdiff_t at = r * a.out_row_stride + t * B;
        Reg y = acc[r][t];
        if (res) y = V::add(y, V::load(res + at));
        V::store(out + at, activation(y));
      });
    });
  };
  using castnet::kernels::Activation;
  switch (a.post.activation) {
    case Activation::none: finish([](Reg y) DW_INLINE { return y; }); break;
    case Activation::relu: {
      const Reg zero = V::zero();
      finish([&](Reg y) DW_INLINE { return V::max(y, zero); });
      break;
    }
    case Activation::clip: {
      const Reg lo = V::set1(a.post.alpha), hi = V::set1(a.post.beta);
      finish([&](Reg y) DW_INLINE { return V::min(V::max(y, lo), hi); });
      break;
    }
    case Activation::hard_swish: {
      const Reg sixth = V::set1(1.f / 6.f), half = V::set1(0.5f), zero = V::zero(), one = V::set1(1.f);
      finish([&](Reg y) DW_INLINE { return V::mul(y, V::min(V::max(V::fma(y, sixth, half), zero), one)); });
      break;
    }
    default:
      // The rarer activations go through a function call, across which no vector register
      // survives: store the tile first, then activate it in place.
      finish([](Reg y) DW_INLINE { return y; });
      for (int r = 0; r < R; ++r)
        for (int64_t t = 0; t < n; ++t) {
          float* o = out + r * a.out_row_stride + t * B;
          V::store(o, apply_activation<V>(V::load(o), a.post));
        }
      break;
  }
}

// One pass over a block of RR output rows, left to right: the border pixels whose windows leave
// the image's columns (usually one each side) as checked single-pixel tiles, the interior in
// unchecked tiles of T pixels, its remainder in tiles of 4, 2 and 1.
// A stride-1 row no wider than one tile (MobileNet's 7×7 stage) is one checked tile instead: one
// window copy beats four small tiles there (measured; at stride 2 the copy costs more).
template <class V, int K, int S, int RR, int T>
void dw_rows_pass(const castnet::kernels::DwconvNchwcRowsArgs& a, int64_t oh, int64_t ow_lo, int64_t ow_hi) {
  if (S == 1 && a.ow <= T) {
    dw_rows_tile<V, K, S, RR, T, true>(a, oh, 0, a.ow);
    return;
  }
  int64_t ow = 0;
  for (; ow < ow_lo; ++ow) dw_rows_tile<V, K, S, RR, 1, true>(a, oh, ow);
  for (; ow + T <= ow_hi; ow += T) dw_rows_tile<V, K, S, RR, T, false>(a, oh, ow);
  if constexpr (T > 4)
    if (ow + 4 <= ow_hi) dw_rows_tile<V, K, S, RR, 4, false>(a, oh, ow), ow += 4;
  if constexpr (T > 2)
    if (ow + 2 <= ow_hi) dw_rows_tile<V, K, S, RR, 2, false>(a, oh, ow), ow += 2;
  if (ow < ow_hi) dw_rows_tile<V, K, S, RR, 1, false>(a, oh, ow), ow += 1;
  for (; ow < a.ow; ++ow) dw_rows_tile<V, K, S, RR, 1, true>(a, oh, ow);
}

// The microkernel: rows [oh_begin, oh_begin + oh_count) in blocks of R rows (single rows for the
// remainder), each block swept left to right so its input rows stay in L1 across the tiles.
template <class V, int K, int S, int R, int T>
void dwconv_nchwc_rows(const castnet::kernels::DwconvNchwcRowsArgs& a) {
  // Output columns whose whole window lies inside the input.
  int64_t ow_lo = (a.pad_left + S - 1) / S;
  const int64_t last_start = a.iw - K + a.pad_left;  // largest ow·S with a full window
  int64_t ow_hi = last_start >= 0 ? last_start / S + 1 : 0;
  if (ow_lo > a.ow) ow_lo = a.ow;
  if (ow_hi > a.ow) ow_hi = a.ow;
  if (ow_hi < ow_lo) ow_hi = ow_lo;
  const int64_t end = a.oh_begin + a.oh_count;
  int64_t oh = a.oh_begin;
  if constexpr (R > 1)
    for (; oh + R <= end; oh += R) dw_rows_pass<V, K, S, R, T>(a, oh, ow_lo, ow_hi);
  for (; oh < end; ++oh) dw_rows_pass<V, K, S, 1, T>(a, oh, ow_lo, ow_hi);
}

#undef DW_INLINE
