// A non-owning view of a tensor's memory: what the executor hands to every kernel step.
#pragma once
#include <castnet/tensor.h>

namespace castnet {

struct TensorView {
  void* data = nullptr;
  DType dtype = DType::f32;
  Shape shape;
  Layout layout;

  int64_t numel() const { return shape_numel(shape); }
  size_t nbytes() const { return static_cast<size_t>(storage_numel(shape, layout)) * dtype_size(dtype); }
  template <typename T> T* as() const { return static_cast<T*>(data); }

  static TensorView of(Tensor& t) { return {t.data(), t.dtype(), t.shape(), t.layout()}; }
  static TensorView of(const Tensor& t) {
    return {const_cast<void*>(t.data()), t.dtype(), t.shape(), t.layout()};
  }
};

}  // namespace castnet
