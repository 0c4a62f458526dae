// The NCHWc max-pool plane, written once over a vector-traits type V (kernels/simd/vec_<isa>.h).
// Each ISA file includes it INSIDE AN ANONYMOUS NAMESPACE with its own traits, so copies compiled
// with different -m flags never merge at link time (see conv_nchwc_ukernel_body.h).
//
// Requires: maxpool_nchwc.h and <cmath> included, V defined before inclusion.

// Taps [lo, hi) of a window starting at `start` with `k` taps `dil` apart that land in [0, in).
inline void maxpool_valid_taps(int64_t start, int64_t k, int64_t dil, int64_t in, int64_t& lo, int64_t& hi) {
  lo = 0;
  hi = k;
  while (lo < k && start + lo * dil < 0) ++lo;
  while (hi > lo && start + (hi - 1) * dil >= in) --hi;
}

// The running maximum is V::max(acc, x), i.e. acc > x ? acc : x, the reference's comparison:
// a NaN input propagates like it does there.
template <class V>
void maxpool_plane(const castnet::kernels::MaxPoolPlaneArgs& a) {
  constexpr int B = V::kLanes;
  const typename V::Reg lowest = V::set1(-INFINITY);
  for (int64_t oh = 0; oh < a.oh; ++oh) {
    const int64_t h0 = oh * a.stride_h - a.pad_top;
    int64_t r0, r1;
    maxpool_valid_taps(h0, a.kh, a.dilation_h, a.ih, r0, r1);
    float* out = a.out + oh * a.ow * B;
    for (int64_t ow = 0; ow < a.ow; ++ow) {
      const int64_t w0 = ow * a.stride_w - a.pad_left;
      int64_t c0, c1;
      maxpool_valid_taps(w0, a.kw, a.dilation_w, a.iw, c0, c1);
      typename V::Reg acc = lowest;
      for (int64_t r = r0; r < r1; ++r) {
        // Only in-bounds taps form pointers: w0 may be negative.
        const int64_t row = (h0 + r * a.dilation_h) * a.iw + w0;
        for (int64_t c = c0; c < c1; ++c) acc = V::max(acc, V::load(a.in + (row + c * a.dilation_w) * B));
      }
      V::store(out + ow * B, acc);
    }
  }
}
