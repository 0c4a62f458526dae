// ONNX parameter rules that both shape inference (src/ir/schemas) and the kernels (src/ops) apply,
// kept in one place so a node is always executed exactly as it was inferred: axis normalisation,
// integer parameter tensors, Transpose's perm and Slice's ranges.
#pragma once
#include <castnet/tensor.h>

#include "ir/attributes.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace castnet::ir {

// Maps an ONNX axis in [-rank, rank) to [0, rank) (negative axes count from the end). With
// `allow_rank`, axis == rank is also valid (Flatten's split point). Throws castnet::Error
// otherwise.
int64_t normalize_axis(int64_t axis, int64_t rank, bool allow_rank = false);

// The values of an integer parameter tensor (i64 or i32) as int64. Throws for other dtypes.
std::vector<int64_t> int_values(const Tensor& t);

// Shape's [start, end) window over an input of `rank` dimensions (attributes from opset 15):
// negative positions count from the end, then both are clamped to [0, rank]; end >= start.
std::pair<int64_t, int64_t> shape_window(const Attributes& attrs, int64_t rank);

// Transpose's perm attribute, or the reversed dimensions when absent; checked to be a
// permutation of 0..rank-1.
std::vector<int64_t> transpose_perm(const Attributes& attrs, size_t rank);

// ONNX Slice (opset 10+) resolved against an input shape: for every input dimension, the first
// index read, the step, and the count (the output dimension). Dimensions no axis names keep
// start 0, step 1 and their full size; an unknown input dimension (-1) on a sliced axis gives an
// unknown count. Validates lengths, axes (in range, no repeats) and steps (non-zero).
struct SliceRanges {
  std::vector<int64_t> starts, steps;
  Shape out_shape;
};
SliceRanges resolve_slice(const Shape& in_shape, const std::vector<int64_t>& starts,
                          const std::vector<int64_t>& ends, const std::vector<int64_t>& axes,
                          const std::vector<int64_t>& steps);

}  // namespace castnet::ir
