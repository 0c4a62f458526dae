#include "core/elementwise_binary.h"

#include <castnet/error.h>

#include "core/broadcast_iter.h"

#include <limits>
#include <type_traits>

namespace castnet {
namespace {

// Signed overflow is undefined in C++; the arithmetic is done in the unsigned type of the same
// width (defined to wrap), then converted back (modular since C++20).
template <typename T>
T wrapping(BinaryOp op, T x, T y) {
  using U = std::make_unsigned_t<decltype(x + y)>;
  const U ux = static_cast<U>(x), uy = static_cast<U>(y);
  switch (op) {
    case BinaryOp::add: return static_cast<T>(ux + uy);
    case BinaryOp::sub: return static_cast<T>(ux - uy);
    case BinaryOp::mul: return static_cast<T>(ux * uy);
    case BinaryOp::div: break;
  }
  if (y == 0) throw Error("integer division by zero");
  // The one quotient that overflows: min / -1 wraps back to min.
  if (std::is_signed_v<T> && y == T(-1)) return static_cast<T>(U(0) - ux);
  return static_cast<T>(x / y);
}

template <typename T>
T apply(BinaryOp op, T x, T y) {
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::add: return x + y;
      case BinaryOp::sub: return x - y;
      case BinaryOp::mul: return x * y;
      case BinaryOp::div: return x / y;
    }
    return T(0);
  } else {
    return wrapping(op, x, y);
  }
}

template <typename T>
void run(BinaryOp op, const void* a, const Shape& a_shape, const void* b, const Shape& b_shape, void* out,
         const Shape& out_shape) {
  const T* pa = static_cast<const T*>(a);
  const T* pb = static_cast<const T*>(b);
  T* po = static_cast<T*>(out);
  for_each_broadcast(out_shape, broadcast_strides(a_shape, out_shape), broadcast_strides(b_shape, out_shape),
                     [&](int64_t o, int64_t i, int64_t j) { po[o] = apply<T>(op, pa[i], pb[j]); });
}

}  // namespace

const char* binary_op_name(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return "Add";
    case BinaryOp::sub: return "Sub";
    case BinaryOp::mul: return "Mul";
    case BinaryOp::div: return "Div";
  }
  return "?";
}

bool binary_dtype_supported(DType dtype) {
  switch (dtype) {
    case DType::f32: case DType::i64: case DType::i32: case DType::u8: case DType::i8: return true;
    default: return false;
  }
}

void broadcast_binary(BinaryOp op, DType dtype, const void* a, const Shape& a_shape, const void* b,
                      const Shape& b_shape, void* out, const Shape& out_shape) {
  switch (dtype) {
    case DType::f32: return run<float>(op, a, a_shape, b, b_shape, out, out_shape);
    case DType::i64: return run<int64_t>(op, a, a_shape, b, b_shape, out, out_shape);
    case DType::i32: return run<int32_t>(op, a, a_shape, b, b_shape, out, out_shape);
    case DType::u8: return run<uint8_t>(op, a, a_shape, b, b_shape, out, out_shape);
    case DType::i8: return run<int8_t>(op, a, a_shape, b, b_shape, out, out_shape);
    default: break;
  }
  throw Error(std::string(binary_op_name(op)) + " of dtype " + dtype_name(dtype) + " is unsupported");
}

}  // namespace castnet
