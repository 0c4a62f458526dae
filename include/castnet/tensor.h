// Tensor: an owning, 64-byte-aligned n-d array with a dtype and a memory layout.
#pragma once
#include <castnet/dtype.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace castnet {

using Shape = std::vector<int64_t>;

// How the elements of a tensor are ordered in memory. Shapes are always logical (N, C, H, W);
// the layout says how they are stored.
//  plain: row-major over the logical shape (NCHW for 4-d tensors).
//  nhwc:  channels last.
//  nchwc: channels split into blocks of `block`: [N][ceil(C/block)][H][W][block], the tail block
//         zero-padded. The CPU form of NC1HWC0 / nc4hw4.
struct Layout {
  enum class Kind : uint8_t { plain, nhwc, nchwc };
  Kind kind = Kind::plain;
  int block = 1;

  static Layout plain_layout() { return {}; }
  static Layout nchwc(int block) { return {Kind::nchwc, block}; }
  bool operator==(const Layout&) const = default;
  std::string to_string() const;
};

// Number of elements, throwing castnet::Error on negative dims or overflow.
int64_t shape_numel(const Shape& shape);
std::string shape_to_string(const Shape& shape);  // "1x3x224x224"
// Elements physically stored for this shape in this layout (padding included).
int64_t storage_numel(const Shape& shape, const Layout& layout);

class Tensor {
 public:
  Tensor() = default;
  // Allocates zero-filled storage.
  Tensor(DType dtype, Shape shape, Layout layout = {});

  template <typename T>
  static Tensor from_vector(Shape shape, const std::vector<T>& values);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  const Layout& layout() const { return layout_; }
  int64_t numel() const { return numel_; }
  size_t nbytes() const;  // storage bytes, layout padding included
  bool empty() const { return !storage_; }

  void* data() { return storage_.get(); }
  const void* data() const { return storage_.get(); }
  template <typename T> T* data_as() { return static_cast<T*>(data()); }
  template <typename T> const T* data_as() const { return static_cast<const T*>(data()); }

  // Same storage viewed with another shape of the same element count (plain layout only).
  Tensor reshaped(Shape shape) const;
  // A deep copy.
  Tensor clone() const;

 private:
  DType dtype_ = DType::f32;
  Shape shape_;
  Layout layout_;
  int64_t numel_ = 0;
  std::shared_ptr<uint8_t> storage_;
};

template <typename T>
Tensor Tensor::from_vector(Shape shape, const std::vector<T>& values) {
  Tensor t(dtype_of<T>(), std::move(shape));
  if (static_cast<int64_t>(values.size()) != t.numel())
    throw std::invalid_argument("Tensor::from_vector: value count does not match shape");
  T* dst = t.data_as<T>();
  for (size_t i = 0; i < values.size(); ++i) dst[i] = values[i];
  return t;
}

}  // namespace castnet
