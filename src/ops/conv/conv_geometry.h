// Index arithmetic shared by the convolution drivers: which kernel taps of a window fall
// inside the input, and which output positions have every tap inside (the interior, where the
// microkernel runs on full tiles without bounds checks).
#pragma once
#include <algorithm>
#include <cstdint>

namespace castnet::ops {

inline int64_t div_ceil(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Taps [lo, hi) of a window starting at input coordinate `start` (may be negative) with `k`
// taps spaced `dil` apart that land inside [0, in).
inline void valid_taps(int64_t start, int64_t k, int64_t dil, int64_t in, int64_t& lo, int64_t& hi) {
  lo = 0;
  hi = k;
  while (lo < k && start + lo * dil < 0) ++lo;
  while (hi > lo && start + (hi - 1) * dil >= in) --hi;
}

// Output positions [lo, hi) ⊆ [begin, end) whose whole window lies inside the input.
inline void interior_outputs(int64_t in, int64_t k, int64_t stride, int64_t dil, int64_t pad_begin,
                             int64_t begin, int64_t end, int64_t& lo, int64_t& hi) {
  int64_t last_start = in - 1 - (k - 1) * dil + pad_begin;  // largest o·stride with a full window
  lo = std::clamp(div_ceil(pad_begin, stride), begin, end);
  hi = last_start >= 0 ? last_start / stride + 1 : 0;
  hi = std::clamp(hi, lo, end);
}

// [0, extent) cut into the fewest near-equal tiles of at most `max_tile` (14 = 5 + 5 + 4, not
// 6 + 6 + 2: a short last tile keeps few accumulators busy): `extra` tiles of base + 1, then
// base. for_each_run walks them as at most two runs of equal tiles, one microkernel call each
// (ConvNchwcArgs::tile_count): fn(first, tile, count) covers [first, first + tile · count).
struct TileRun {
  int64_t count, base, extra;
  static TileRun of(int64_t extent, int64_t max_tile) {
    const int64_t count = std::max<int64_t>(1, div_ceil(extent, max_tile));
    return {count, extent / count, extent % count};
  }
  template <class Fn>
  void for_each_run(Fn&& fn) const {
    if (extra > 0) fn(int64_t{0}, base + 1, extra);
    if (count > extra && base > 0) fn(extra * (base + 1), base, count - extra);
  }
};

}  // namespace castnet::ops
