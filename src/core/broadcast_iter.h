// Walking a broadcast operation element by element: for each output element, the offsets of the
// input elements it reads (numpy rules: shapes aligned at the right, size-1 dimensions repeat).
// Shared by the reference kernels and the IR's constant folding; computing the broadcast result
// shape itself is the IR's job (ir/broadcast.h).
#pragma once
#include <castnet/tensor.h>

#include <cstdint>
#include <vector>

namespace castnet {

// Element strides for reading a row-major tensor of shape `in` as if it had shape `out`: one
// entry per dimension of `out`, 0 along dimensions `in` lacks or has size 1 (where `out` does
// not). Throws castnet::Error if `in` cannot be broadcast to `out` or a dimension is negative.
std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out);

// Calls fn(out_index, a_index, b_index) for every element of `out` in row-major order, where
// a_index and b_index follow the given broadcast strides (from broadcast_strides).
template <typename Fn>
void for_each_broadcast(const Shape& out, const std::vector<int64_t>& a_strides,
                        const std::vector<int64_t>& b_strides, Fn&& fn) {
  const int64_t total = shape_numel(out);
  if (total == 0) return;
  const size_t rank = out.size();
  if (rank == 0) {
    fn(int64_t{0}, int64_t{0}, int64_t{0});
    return;
  }
  const int64_t inner = out[rank - 1];
  const int64_t a_step = a_strides[rank - 1], b_step = b_strides[rank - 1];
  std::vector<int64_t> index(rank, 0);
  int64_t a = 0, b = 0;
  for (int64_t o = 0; o < total; o += inner) {
    for (int64_t i = 0; i < inner; ++i) fn(o + i, a + i * a_step, b + i * b_step);
    // Odometer over the outer dimensions, carrying the input offsets along.
    for (size_t d = rank - 1; d-- > 0;) {
      ++index[d];
      a += a_strides[d];
      b += b_strides[d];
      if (index[d] < out[d]) break;
      a -= a_strides[d] * out[d];
      b -= b_strides[d] * out[d];
      index[d] = 0;
    }
  }
}

}  // namespace castnet
