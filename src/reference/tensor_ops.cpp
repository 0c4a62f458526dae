#include "reference/tensor_ops.h"

#include "core/data_movement.h"
#include "core/dtype_convert.h"
#include "reference/view_checks.h"

#include <algorithm>
#include <cstring>

namespace castnet::reference {
namespace {

void require_shape(const TensorView& y, const Shape& expected, const char* op) {
  if (y.shape != expected)
    throw Error(std::string(op) + ": output shape " + shape_to_string(y.shape) + ", expected " +
                shape_to_string(expected));
}

}  // namespace

void copy(const TensorView& x, const TensorView& y) {
  require_plain(x, "copy");
  require_plain(y, "copy");
  require_dtype(y, x.dtype, "copy");
  if (x.numel() != y.numel())
    throw Error("copy: " + shape_to_string(x.shape) + " and " + shape_to_string(y.shape) + " differ in size");
  if (x.data != y.data && x.nbytes() > 0) std::memmove(y.data, x.data, x.nbytes());
}

void transpose(const TensorView& x, const std::vector<int64_t>& perm, const TensorView& y) {
  require_plain(x, "Transpose");
  require_plain(y, "Transpose");
  require_dtype(y, x.dtype, "Transpose");
  check_permutation(perm, x.shape.size());
  Shape expected(perm.size());
  for (size_t k = 0; k < perm.size(); ++k) expected[k] = x.shape[static_cast<size_t>(perm[k])];
  require_shape(y, expected, "Transpose");
  transpose_elements(x.data, x.shape, perm, dtype_size(x.dtype), y.data);
}

void concat(const std::vector<TensorView>& xs, size_t axis, const TensorView& y) {
  require_plain(y, "Concat");
  if (xs.empty()) throw Error("Concat: no inputs");
  std::vector<const void*> data;
  std::vector<Shape> shapes;
  Shape expected = xs[0].shape;
  if (axis >= expected.size()) throw Error("Concat: axis out of range");
  expected[axis] = 0;
  for (const TensorView& x : xs) {
    require_plain(x, "Concat");
    require_dtype(x, y.dtype, "Concat");
    if (x.shape.size() != expected.size()) throw Error("Concat: inputs differ in rank");
    expected[axis] += x.shape[axis];
    data.push_back(x.data);
    shapes.push_back(x.shape);
  }
  require_shape(y, expected, "Concat");
  concat_elements(data, shapes, axis, dtype_size(y.dtype), y.data);
}

void pad_constant(const TensorView& x, const std::vector<int64_t>& pads, const void* value, const TensorView& y) {
  require_plain(x, "Pad");
  require_plain(y, "Pad");
  require_dtype(y, x.dtype, "Pad");
  const size_t rank = x.shape.size();
  if (pads.size() != 2 * rank) throw Error("Pad: pads must hold 2 values per dimension");
  Shape expected(rank);
  for (size_t d = 0; d < rank; ++d) expected[d] = x.shape[d] + pads[d] + pads[d + rank];
  require_shape(y, expected, "Pad");

  const size_t es = dtype_size(x.dtype);
  const int64_t total = y.numel();
  auto* out = static_cast<uint8_t*>(y.data);
  const auto* in = static_cast<const uint8_t*>(x.data);
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t d = rank; d-- > 1;) in_strides[d - 1] = in_strides[d] * x.shape[d];
  // Walk the output in order; an element is copied when every coordinate minus its begin pad
  // lands inside the input, and is `value` otherwise.
  std::vector<int64_t> index(rank, 0);
  for (int64_t o = 0; o < total; ++o) {
    int64_t src = 0;
    bool inside = true;
    for (size_t d = 0; d < rank && inside; ++d) {
      const int64_t i = index[d] - pads[d];
      inside = i >= 0 && i < x.shape[d];
      src += i * in_strides[d];
    }
    uint8_t* dst = out + static_cast<size_t>(o) * es;
    if (inside) std::memcpy(dst, in + static_cast<size_t>(src) * es, es);
    else if (value) std::memcpy(dst, value, es);
    else std::memset(dst, 0, es);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < y.shape[d]) break;
      index[d] = 0;
    }
  }
}

void gather(const TensorView& data, const TensorView& indices, size_t axis, const TensorView& y) {
  require_plain(data, "Gather");
  require_plain(indices, "Gather");
  require_plain(y, "Gather");
  require_dtype(y, data.dtype, "Gather");
  if (axis >= data.shape.size()) throw Error("Gather: axis out of range");
  Shape expected(data.shape.begin(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis));
  expected.insert(expected.end(), indices.shape.begin(), indices.shape.end());
  expected.insert(expected.end(), data.shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.shape.end());
  require_shape(y, expected, "Gather");
  gather_elements(data.data, data.shape, axis, indices.data, indices.dtype, indices.numel(), dtype_size(data.dtype),
                  y.data);
}

void slice(const TensorView& x, const std::vector<int64_t>& starts, const std::vector<int64_t>& steps,
           const TensorView& y) {
  require_plain(x, "Slice");
  require_plain(y, "Slice");
  require_dtype(y, x.dtype, "Slice");
  slice_elements(x.data, x.shape, starts, steps, y.shape, dtype_size(x.dtype), y.data);
}

void cast(const TensorView& x, const TensorView& y) {
  require_plain(x, "Cast");
  require_plain(y, "Cast");
  require_shape(y, x.shape, "Cast");
  convert_elements(x.data, x.dtype, y.data, y.dtype, x.numel());
}

void fill(const void* value, const TensorView& y) {
  require_plain(y, "fill");
  const size_t es = dtype_size(y.dtype);
  auto* out = static_cast<uint8_t*>(y.data);
  const int64_t n = y.numel();
  for (int64_t i = 0; i < n; ++i) std::memcpy(out + static_cast<size_t>(i) * es, value, es);
}

void write_dims(const Shape& dims, const TensorView& y) {
  require_plain(y, "Shape");
  require_dtype(y, DType::i64, "Shape");
  require_shape(y, {static_cast<int64_t>(dims.size())}, "Shape");
  std::copy(dims.begin(), dims.end(), y.as<int64_t>());
}

}  // namespace castnet::reference
