// Reference tensor manipulation: the ops that move or relabel data rather than compute. All work
// on plain tensors of any dtype (cast: the dtypes in core/dtype_convert.h). Each checks that the
// output view has the shape the op produces and throws castnet::Error otherwise.
#pragma once
#include "core/tensor_view.h"

#include <cstdint>
#include <vector>

namespace castnet::reference {

// y = x with another shape of the same element count (Reshape, Flatten, Squeeze, Unsqueeze,
// Identity, Dropout).
void copy(const TensorView& x, const TensorView& y);

// Output dimension k is input dimension perm[k].
void transpose(const TensorView& x, const std::vector<int64_t>& perm, const TensorView& y);

// Concatenation along axis (0 <= axis < rank).
void concat(const std::vector<TensorView>& xs, size_t axis, const TensorView& y);

// Constant padding: pads = [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}], negative values
// crop. `value` points at one element of x's dtype, or is null for zero.
void pad_constant(const TensorView& x, const std::vector<int64_t>& pads, const void* value, const TensorView& y);

// ONNX Gather along axis (0 <= axis < rank) with i64 or i32 indices (negative count from the end).
void gather(const TensorView& data, const TensorView& indices, size_t axis, const TensorView& y);

// y[j...] = x[starts + j * steps ...], one start and step per dimension (see ir::resolve_slice).
void slice(const TensorView& x, const std::vector<int64_t>& starts, const std::vector<int64_t>& steps,
           const TensorView& y);

// Element-wise dtype conversion into y's dtype.
void cast(const TensorView& x, const TensorView& y);

// Every element of y = *value (one element of y's dtype): ConstantOfShape.
void fill(const void* value, const TensorView& y);

// y (1-d i64) = dims: Shape.
void write_dims(const Shape& dims, const TensorView& y);

}  // namespace castnet::reference
