#include <castnet/error.h>
#include <castnet/tensor.h>

#include "core/aligned.h"

#include <cstring>
#include <limits>

namespace castnet {

std::string Layout::to_string() const {
  switch (kind) {
    case Kind::plain: return "plain";
    case Kind::nhwc: return "nhwc";
    case Kind::nchwc: return "nchw" + std::to_string(block) + "c";
  }
  return "?";
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error("negative dimension in shape " + shape_to_string(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      throw Error("shape " + shape_to_string(shape) + " has too many elements");
    n *= d;
  }
  return n;
}

std::string shape_to_string(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += 'x';
    s += shape[i] < 0 ? std::string("?") : std::to_string(shape[i]);
  }
  return s;
}

int64_t storage_numel(const Shape& shape, const Layout& layout) {
  if (layout.kind != Layout::Kind::nchwc || shape.size() < 2) return shape_numel(shape);
  Shape padded = shape;
  padded[1] = (shape[1] + layout.block - 1) / layout.block * layout.block;
  return shape_numel(padded);
}

Tensor::Tensor(DType dtype, Shape shape, Layout layout)
    : dtype_(dtype), shape_(std::move(shape)), layout_(layout) {
  numel_ = shape_numel(shape_);
  int64_t stored = storage_numel(shape_, layout_);
  if (stored > std::numeric_limits<int64_t>::max() / 8)
    throw Error("tensor of shape " + shape_to_string(shape_) + " is too large");
  size_t bytes = static_cast<size_t>(stored) * dtype_size(dtype_);
  uint8_t* p = static_cast<uint8_t*>(aligned_malloc(bytes));
  std::memset(p, 0, bytes);
  storage_ = std::shared_ptr<uint8_t>(p, AlignedDeleter{});
}

size_t Tensor::nbytes() const {
  return static_cast<size_t>(storage_numel(shape_, layout_)) * dtype_size(dtype_);
}

Tensor Tensor::reshaped(Shape shape) const {
  if (layout_.kind != Layout::Kind::plain) throw Error("reshape of a blocked tensor");
  if (shape_numel(shape) != numel_)
    throw Error("cannot reshape " + shape_to_string(shape_) + " to " + shape_to_string(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  if (!storage_) return *this;
  Tensor t(dtype_, shape_, layout_);
  std::memcpy(t.data(), data(), nbytes());
  return t;
}

}  // namespace castnet
