// The Winograd tile transforms, written once over a vector-traits type V (the traits of
// kernels/simd/vec_<isa>.h plus `sub`). Each ISA file includes it INSIDE AN ANONYMOUS NAMESPACE
// with its own traits, so copies compiled with different -m flags never merge at link time (see
// conv_nchwc_ukernel_body.h). Do not call std:: templates from here for the same reason.
//
// Requires: winograd_transforms.h and <cmath> included, V defined before inclusion.

#include "kernels/conv/post_ops_body.h"

// One line of α values through Bᵀ (input) or Aᵀ (output), for F(2×2,3×3):
//   Bᵀ = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  Aᵀ = [1 1 1 0; 0 1 -1 -1].
template <class V>
struct WinogradF2x3 {
  using Reg = typename V::Reg;
  static constexpr int kTile = 2, kAlpha = 4;
  static void input_line(const Reg* d, Reg* t) {
    t[0] = V::sub(d[0], d[2]);
    t[1] = V::add(d[1], d[2]);
    t[2] = V::sub(d[2], d[1]);
    t[3] = V::sub(d[1], d[3]);
  }
  static void output_line(const Reg* m, Reg* y) {
    y[0] = V::add(V::add(m[0], m[1]), m[2]);
    y[1] = V::sub(V::sub(m[1], m[2]), m[3]);
  }
};

// F(4×4,3×3) with points 0, ±1, ±2, ∞:
//   Bᵀ = [4  0 -5  0 1 0;      Aᵀ = [1 1  1 1  1 0;
//         0 -4 -4  1 1 0;            0 1 -1 2 -2 0;
//         0  4 -4 -1 1 0;            0 1  1 4  4 0;
//         0 -2 -1  2 1 0;            0 1 -1 8 -8 1]
//         0  2 -1 -2 1 0;
//         0  4  0 -5 0 1]
// Rows are paired so that shared sums are formed once (t1/t2, t3/t4, y1/y3, y0/y2).
template <class V>
struct WinogradF4x3 {
  using Reg = typename V::Reg;
  static constexpr int kTile = 4, kAlpha = 6;
  static void input_line(const Reg* d, Reg* t) {
    const Reg four = V::set1(4.f), two = V::set1(2.f);
    t[0] = V::fma(four, V::sub(d[0], d[2]), V::sub(d[4], d[2]));  // 4d0 − 5d2 + d4
    t[5] = V::fma(four, V::sub(d[1], d[3]), V::sub(d[5], d[3]));  // 4d1 − 5d3 + d5
    const Reg s12 = V::add(d[1], d[2]), s34 = V::add(d[3], d[4]);
    const Reg d12 = V::sub(d[1], d[2]), d43 = V::sub(d[4], d[3]);
    t[1] = V::sub(s34, V::mul(four, s12));                       // −4d1 − 4d2 + d3 + d4
    t[2] = V::fma(four, d12, d43);                                // 4d1 − 4d2 − d3 + d4
    const Reg d31 = V::sub(d[3], d[1]), d42 = V::sub(d[4], d[2]);
    t[3] = V::fma(two, d31, d42);                                 // −2d1 − d2 + 2d3 + d4
    t[4] = V::sub(d42, V::mul(two, d31));                         // 2d1 − d2 − 2d3 + d4
  }
  static void output_line(const Reg* m, Reg* y) {
    const Reg s12 = V::add(m[1], m[2]), d12 = V::sub(m[1], m[2]);
    const Reg s34 = V::add(m[3], m[4]), d34 = V::sub(m[3], m[4]);
    y[0] = V::add(V::add(m[0], s12), s34);
    y[1] = V::fma(V::set1(2.f), d34, d12);
    y[2] = V::fma(V::set1(4.f), s34, s12);
    y[3] = V::add(V::fma(V::set1(8.f), d34, d12), m[5]);
  }
};

// V = Bᵀ d B of one α×α window at `src` (pixels B floats apart, rows `row_stride` apart),
// stored at v + position·pos_stride.
template <class V, class F>
inline void winograd_input_tile(const float* src, ptrdiff_t row_stride, float* v, ptrdiff_t pos_stride) {
  constexpr int A = F::kAlpha, B = V::kLanes;
  typename V::Reg tmp[A][A];  // tmp[r][j] = (d B)[r][j]: each window row through Bᵀ
  for (int r = 0; r < A; ++r) {
    typename V::Reg d[A];
    for (int c = 0; c < A; ++c) d[c] = V::load(src + r * row_stride + c * B);
    F::input_line(d, tmp[r]);
  }
  for (int j = 0; j < A; ++j) {
    typename V::Reg col[A], t[A];
    for (int r = 0; r < A; ++r) col[r] = tmp[r][j];
    F::input_line(col, t);
    for (int i = 0; i < A; ++i) V::store(v + (i * A + j) * pos_stride, t[i]);
  }
}

template <class V, class F>
void winograd_input(const castnet::kernels::WinogradInputArgs& a) {
  constexpr int A = F::kAlpha, M = F::kTile, B = V::kLanes;
  const ptrdiff_t row_stride = a.iw * B;
  const bool rows_inside = a.row >= 0 && a.row + A <= a.ih;
  alignas(64) float window[A * A * B];
  for (size_t t = 0; t < a.tiles; ++t) {
    const int64_t col = a.col + static_cast<int64_t>(t) * M;
    float* v = a.v + static_cast<ptrdiff_t>(t) * a.v_tile_stride;
    if (rows_inside && col >= 0 && col + A <= a.iw) {
      winograd_input_tile<V, F>(a.plane + (a.row * a.iw + col) * B, row_stride, v, a.v_pos_stride);
      continue;
    }
    // A window over the border (padding or past the last row/column): gather it with zeros.
    for (int r = 0; r < A; ++r) {
      const int64_t ih = a.row + r;
      for (int c = 0; c < A; ++c) {
        const int64_t iw = col + c;
        const bool inside = ih >= 0 && ih < a.ih && iw >= 0 && iw < a.iw;
        V::store(window + (r * A + c) * B, inside ? V::load(a.plane + (ih * a.iw + iw) * B) : V::zero());
      }
    }
    winograd_input_tile<V, F>(window, A * B, v, a.v_pos_stride);
  }
}

// Y = Aᵀ M A of one tile, + bias, + residual, activation, written for rows × cols outputs
// (all m×m when FULL). The activation and whether there is a residual are compile-time here so
// the per-pixel epilogue has no branches.
template <class V, class F, bool FULL, castnet::kernels::Activation ACT, bool RESIDUAL>
inline void winograd_output_tile(const float* m, ptrdiff_t pos_stride, float* out, const float* residual,
                                 ptrdiff_t row_stride, int rows, int cols, typename V::Reg bias,
                                 const castnet::kernels::ConvPostOps& post) {
  constexpr int A = F::kAlpha, M = F::kTile, B = V::kLanes;
  castnet::kernels::ConvPostOps act = post;
  act.activation = ACT;
  typename V::Reg tmp[A][M];  // tmp[i][x] = (M A)[i][x]: each row of positions through Aᵀ
  for (int i = 0; i < A; ++i) {
    typename V::Reg line[A];
    for (int j = 0; j < A; ++j) line[j] = V::load(m + (i * A + j) * pos_stride);
    F::output_line(line, tmp[i]);
  }
  const int nr = FULL ? M : rows, nc = FULL ? M : cols;
  for (int x = 0; x < nc; ++x) {
    typename V::Reg col[A], y[M];
    for (int i = 0; i < A; ++i) col[i] = tmp[i][x];
    F::output_line(col, y);
    for (int r = 0; r < nr; ++r) {
      const ptrdiff_t off = r * row_stride + x * B;
      typename V::Reg val = V::add(y[r], bias);
      if (RESIDUAL) val = V::add(val, V::load(residual + off));
      V::store(out + off, apply_activation<V>(val, act));
    }
  }
}

template <class V, class F, castnet::kernels::Activation ACT, bool RESIDUAL>
void winograd_output_run(const castnet::kernels::WinogradOutputArgs& a) {
  constexpr int M = F::kTile, B = V::kLanes;
  const typename V::Reg bias = a.post.bias ? V::load(a.post.bias) : V::zero();
  const int rows = static_cast<int>(a.rows);
  for (size_t t = 0; t < a.tiles; ++t) {
    const int64_t c0 = static_cast<int64_t>(t) * M;
    if (c0 >= static_cast<int64_t>(a.cols)) break;
    const int cols = static_cast<int>(static_cast<int64_t>(a.cols) - c0 < M ? static_cast<int64_t>(a.cols) - c0 : M);
    const float* m = a.m + static_cast<ptrdiff_t>(t) * a.m_tile_stride;
    float* out = a.out + c0 * B;
    const float* res = RESIDUAL ? a.post.residual + c0 * B : nullptr;
    if (rows == M && cols == M)
      winograd_output_tile<V, F, true, ACT, RESIDUAL>(m, a.m_pos_stride, out, res, a.out_row_stride, M, M, bias, a.post);
    else
      winograd_output_tile<V, F, false, ACT, RESIDUAL>(m, a.m_pos_stride, out, res, a.out_row_stride, rows, cols, bias,
                                                       a.post);
  }
}

template <class V, class F, castnet::kernels::Activation ACT>
void winograd_output_act(const castnet::kernels::WinogradOutputArgs& a) {
  if (a.post.residual) winograd_output_run<V, F, ACT, true>(a);
  else winograd_output_run<V, F, ACT, false>(a);
}

template <class V, class F>
void winograd_output(const castnet::kernels::WinogradOutputArgs& a) {
  using castnet::kernels::Activation;
  switch (a.post.activation) {
    case Activation::none: return winograd_output_act<V, F, Activation::none>(a);
    case Activation::relu: return winograd_output_act<V, F, Activation::relu>(a);
    case Activation::clip: return winograd_output_act<V, F, Activation::clip>(a);
    case Activation::leaky_relu: return winograd_output_act<V, F, Activation::leaky_relu>(a);
    case Activation::hard_sigmoid: return winograd_output_act<V, F, Activation::hard_sigmoid>(a);
    case Activation::hard_swish: return winograd_output_act<V, F, Activation::hard_swish>(a);
    case Activation::sigmoid: return winograd_output_act<V, F, Activation::sigmoid>(a);
  }
}
