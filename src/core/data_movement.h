// Row-major data movement on elements of any dtype, seen only as `elem_size`-byte units:
// transpose, concatenation, gather along an axis and strided slicing. Shared by the reference
// kernels and the IR's constant folding. Every function checks its arguments against the shapes
// it is given and throws castnet::Error rather than read or write out of bounds.
#pragma once
#include <castnet/tensor.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace castnet {

// Throws castnet::Error unless perm is a permutation of 0..rank-1.
void check_permutation(const std::vector<int64_t>& perm, size_t rank);

// out[i_perm[0], ..., i_perm[r-1]] = in[i_0, ..., i_{r-1}]: output dimension k is input
// dimension perm[k]. perm must be a permutation of 0..rank-1.
void transpose_elements(const void* in, const Shape& in_shape, const std::vector<int64_t>& perm,
                        size_t elem_size, void* out);

// Concatenates inputs along `axis` (0 <= axis < rank); all shapes agree except along axis.
void concat_elements(const std::vector<const void*>& inputs, const std::vector<Shape>& shapes, size_t axis,
                     size_t elem_size, void* out);

// ONNX Gather: out = data indexed along `axis` by `indices` (i64 or i32, `num_indices` of them,
// negative ones counting from the end). Output shape data[:axis] + indices.shape +
// data[axis+1:]. Throws castnet::Error for an index out of range.
void gather_elements(const void* data, const Shape& data_shape, size_t axis, const void* indices,
                     DType indices_dtype, int64_t num_indices, size_t elem_size, void* out);

// Strided slice: out[j_0, ...] = in[start_0 + j_0 * step_0, ...], one start and step per
// dimension; out_shape gives the count per dimension. Every element read must lie inside in.
void slice_elements(const void* in, const Shape& in_shape, const std::vector<int64_t>& starts,
                    const std::vector<int64_t>& steps, const Shape& out_shape, size_t elem_size, void* out);

}  // namespace castnet
