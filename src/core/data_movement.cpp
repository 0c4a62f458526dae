#include "core/data_movement.h"

#include <castnet/error.h>

#include <cstring>

namespace castnet {
namespace {

std::vector<int64_t> row_major_strides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

// Copies every element of `out_shape` from `in` (in row-major output order), where moving one
// step along output dimension d moves `in_strides[d]` elements in the input, from `in_base`.
void strided_gather(const uint8_t* in, int64_t in_base, const std::vector<int64_t>& in_strides,
                    const Shape& out_shape, size_t elem_size, uint8_t* out) {
  const int64_t total = shape_numel(out_shape);
  if (total == 0) return;
  const size_t rank = out_shape.size();
  if (rank == 0) {
    std::memcpy(out, in + in_base * static_cast<int64_t>(elem_size), elem_size);
    return;
  }
  const int64_t inner = out_shape[rank - 1], inner_stride = in_strides[rank - 1];
  std::vector<int64_t> index(rank, 0);
  int64_t src = in_base;
  const auto es = static_cast<int64_t>(elem_size);
  for (int64_t o = 0; o < total; o += inner) {
    if (inner_stride == 1) {
      std::memcpy(out + o * es, in + src * es, static_cast<size_t>(inner * es));
    } else {
      for (int64_t i = 0; i < inner; ++i)
        std::memcpy(out + (o + i) * es, in + (src + i * inner_stride) * es, elem_size);
    }
    for (size_t d = rank - 1; d-- > 0;) {
      ++index[d];
      src += in_strides[d];
      if (index[d] < out_shape[d]) break;
      src -= in_strides[d] * out_shape[d];
      index[d] = 0;
    }
  }
}

}  // namespace

void check_permutation(const std::vector<int64_t>& perm, size_t rank) {
  if (perm.size() != rank)
    throw Error("perm has " + std::to_string(perm.size()) + " entries for rank " + std::to_string(rank));
  std::vector<char> seen(rank, 0);
  for (int64_t p : perm) {
    if (p < 0 || p >= static_cast<int64_t>(rank) || seen[static_cast<size_t>(p)])
      throw Error("perm is not a permutation of 0.." + std::to_string(static_cast<int64_t>(rank) - 1));
    seen[static_cast<size_t>(p)] = 1;
  }
}

void transpose_elements(const void* in, const Shape& in_shape, const std::vector<int64_t>& perm,
                        size_t elem_size, void* out) {
  const size_t rank = in_shape.size();
  check_permutation(perm, rank);
  const std::vector<int64_t> in_strides = row_major_strides(in_shape);
  Shape out_shape(rank);
  std::vector<int64_t> strides(rank);
  for (size_t k = 0; k < rank; ++k) {
    out_shape[k] = in_shape[static_cast<size_t>(perm[k])];
    strides[k] = in_strides[static_cast<size_t>(perm[k])];
  }
  strided_gather(static_cast<const uint8_t*>(in), 0, strides, out_shape, elem_size, static_cast<uint8_t*>(out));
}

void concat_elements(const std::vector<const void*>& inputs, const std::vector<Shape>& shapes, size_t axis,
                     size_t elem_size, void* out) {
  if (inputs.empty() || inputs.size() != shapes.size()) throw Error("concat: no inputs");
  const Shape& first = shapes[0];
  if (axis >= first.size()) throw Error("concat: axis out of range");
  for (const Shape& s : shapes) {
    if (s.size() != first.size()) throw Error("concat: inputs differ in rank");
    for (size_t d = 0; d < s.size(); ++d)
      if (d != axis && s[d] != first[d])
        throw Error("concat: shapes " + shape_to_string(first) + " and " + shape_to_string(s) +
                    " differ outside the axis");
  }
  // Each input contributes a block of (its axis size * inner) elements per outer index.
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= first[d];
  for (size_t d = axis + 1; d < first.size(); ++d) inner *= first[d];
  auto* dst = static_cast<uint8_t*>(out);
  const auto es = static_cast<int64_t>(elem_size);
  for (int64_t o = 0; o < outer; ++o)
    for (size_t k = 0; k < inputs.size(); ++k) {
      const int64_t block = shapes[k][axis] * inner * es;
      if (block == 0) continue;
      std::memcpy(dst, static_cast<const uint8_t*>(inputs[k]) + o * block, static_cast<size_t>(block));
      dst += block;
    }
}

void gather_elements(const void* data, const Shape& data_shape, size_t axis, const void* indices,
                     DType indices_dtype, int64_t num_indices, size_t elem_size, void* out) {
  if (axis >= data_shape.size()) throw Error("gather: axis out of range");
  if (indices_dtype != DType::i64 && indices_dtype != DType::i32)
    throw Error(std::string("gather: indices must be i64 or i32, got ") + dtype_name(indices_dtype));
  const int64_t dim = data_shape[axis];
  int64_t outer = 1, inner = 1;
  for (size_t d = 0; d < axis; ++d) outer *= data_shape[d];
  for (size_t d = axis + 1; d < data_shape.size(); ++d) inner *= data_shape[d];
  std::vector<int64_t> rows(static_cast<size_t>(num_indices));
  for (int64_t k = 0; k < num_indices; ++k) {
    int64_t i = indices_dtype == DType::i64 ? static_cast<const int64_t*>(indices)[k]
                                            : static_cast<const int32_t*>(indices)[k];
    if (i < -dim || i >= dim)
      throw Error("gather: index " + std::to_string(i) + " is out of range for a dimension of " + std::to_string(dim));
    rows[static_cast<size_t>(k)] = i < 0 ? i + dim : i;
  }
  const auto row_bytes = static_cast<size_t>(inner) * elem_size;
  const auto* src = static_cast<const uint8_t*>(data);
  auto* dst = static_cast<uint8_t*>(out);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t r : rows) {
      std::memcpy(dst, src + static_cast<size_t>(o * dim + r) * row_bytes, row_bytes);
      dst += row_bytes;
    }
}

void slice_elements(const void* in, const Shape& in_shape, const std::vector<int64_t>& starts,
                    const std::vector<int64_t>& steps, const Shape& out_shape, size_t elem_size, void* out) {
  const size_t rank = in_shape.size();
  if (starts.size() != rank || steps.size() != rank || out_shape.size() != rank)
    throw Error("slice: starts, steps and output shape must match the input rank");
  if (shape_numel(out_shape) == 0) return;
  for (size_t d = 0; d < rank; ++d) {
    int64_t span = 0, last = 0;
    const bool overflow = __builtin_mul_overflow(out_shape[d] - 1, steps[d], &span) ||
                          __builtin_add_overflow(starts[d], span, &last);
    if (overflow || starts[d] < 0 || starts[d] >= in_shape[d] || last < 0 || last >= in_shape[d])
      throw Error("slice: range reads outside dimension " + std::to_string(d) + " of " + shape_to_string(in_shape));
  }
  const std::vector<int64_t> in_strides = row_major_strides(in_shape);
  std::vector<int64_t> strides(rank);
  int64_t base = 0;
  for (size_t d = 0; d < rank; ++d) {
    strides[d] = in_strides[d] * steps[d];
    base += starts[d] * in_strides[d];
  }
  strided_gather(static_cast<const uint8_t*>(in), base, strides, out_shape, elem_size, static_cast<uint8_t*>(out));
}

}  // namespace castnet
