// Argument checks every reference function starts with: the reference operators read plain
// (row-major) tensors only and trust nothing about the views they are handed.
#pragma once
#include <castnet/error.h>

#include "core/tensor_view.h"

#include <string>

namespace castnet::reference {

inline void require_plain(const TensorView& v, const char* op) {
  if (v.layout.kind != Layout::Kind::plain)
    throw Error(std::string(op) + ": reference kernels need plain layout, got " + v.layout.to_string());
  if (v.data == nullptr && v.numel() > 0) throw Error(std::string(op) + ": missing tensor data");
}

inline void require_dtype(const TensorView& v, DType dtype, const char* op) {
  if (v.dtype != dtype)
    throw Error(std::string(op) + ": expected dtype " + dtype_name(dtype) + ", got " + dtype_name(v.dtype));
}

// x and y plain, with the same dtype and shape: element-wise ops.
inline void require_same(const TensorView& x, const TensorView& y, const char* op) {
  require_plain(x, op);
  require_plain(y, op);
  require_dtype(y, x.dtype, op);
  if (x.shape != y.shape)
    throw Error(std::string(op) + ": output shape " + shape_to_string(y.shape) + " differs from input " +
                shape_to_string(x.shape));
}

}  // namespace castnet::reference
