#include "reference/activation.h"

#include "core/broadcast_iter.h"
#include "reference/view_checks.h"

#include <cmath>
#include <limits>

namespace castnet::reference {
namespace {

// y[i] = fn(x[i]) over f32 tensors, fn computed in double.
template <typename Fn>
void map_f32(const TensorView& x, const TensorView& y, const char* op, Fn fn) {
  require_same(x, y, op);
  require_dtype(x, DType::f32, op);
  const float* in = x.as<const float>();
  float* out = y.as<float>();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(fn(static_cast<double>(in[i])));
}

// Calls fn.template operator()<T>() with T the C++ type of `dtype`, for the integer and f32 types.
template <typename Fn>
void with_numeric_type(DType dtype, const char* op, Fn&& fn) {
  switch (dtype) {
    case DType::f32: return fn(float{});
    case DType::i64: return fn(int64_t{});
    case DType::i32: return fn(int32_t{});
    case DType::u8: return fn(uint8_t{});
    case DType::i8: return fn(int8_t{});
    default: break;
  }
  throw Error(std::string(op) + ": dtype " + dtype_name(dtype) + " is unsupported");
}

template <typename T>
T clamp_keep_nan(T v, T lo, T hi) {
  // Written with < and > so a NaN fails both tests and comes through unchanged.
  return v < lo ? lo : (v > hi ? hi : v);
}

template <typename T>
void clip_typed(const TensorView& x, T lo, T hi, const TensorView& y) {
  const T* in = x.as<const T>();
  T* out = y.as<T>();
  const int64_t n = x.numel();
  for (int64_t i = 0; i < n; ++i) out[i] = clamp_keep_nan(in[i], lo, hi);
}

}  // namespace

void relu(const TensorView& x, const TensorView& y) {
  require_same(x, y, "Relu");
  if (x.dtype == DType::u8) throw Error("Relu: dtype u8 is unsupported");
  with_numeric_type(x.dtype, "Relu", [&](auto zero) {
    using T = decltype(zero);
    const T* in = x.as<const T>();
    T* out = y.as<T>();
    const int64_t n = x.numel();
    for (int64_t i = 0; i < n; ++i) out[i] = in[i] < zero ? zero : in[i];
  });
}

void clip(const TensorView& x, const TensorView* min, const TensorView* max, const TensorView& y) {
  require_same(x, y, "Clip");
  with_numeric_type(x.dtype, "Clip", [&](auto zero) {
    using T = decltype(zero);
    // Read one bound, or the type's extreme when absent.
    auto bound = [&](const TensorView* v, T none) {
      if (!v || !v->data) return none;
      require_dtype(*v, x.dtype, "Clip");
      if (v->numel() != 1) throw Error("Clip: min and max must be scalars, got " + shape_to_string(v->shape));
      return *v->as<const T>();
    };
    const T lo = bound(min, std::numeric_limits<T>::lowest());
    const T hi = bound(max, std::numeric_limits<T>::max());
    clip_typed<T>(x, lo, hi, y);
  });
}

void clip(const TensorView& x, float min, float max, const TensorView& y) {
  require_same(x, y, "Clip");
  require_dtype(x, DType::f32, "Clip");
  clip_typed<float>(x, min, max, y);
}

void leaky_relu(const TensorView& x, float alpha, const TensorView& y) {
  map_f32(x, y, "LeakyRelu", [alpha](double v) { return v < 0 ? alpha * v : v; });
}

void prelu(const TensorView& x, const TensorView& slope, const TensorView& y) {
  require_same(x, y, "PRelu");
  require_dtype(x, DType::f32, "PRelu");
  require_plain(slope, "PRelu");
  require_dtype(slope, DType::f32, "PRelu");
  const float* in = x.as<const float>();
  const float* s = slope.as<const float>();
  float* out = y.as<float>();
  const std::vector<int64_t> x_strides = broadcast_strides(x.shape, x.shape);
  for_each_broadcast(x.shape, x_strides, broadcast_strides(slope.shape, x.shape), [&](int64_t o, int64_t i, int64_t j) {
    const double v = in[i];
    out[o] = static_cast<float>(v < 0 ? s[j] * v : v);
  });
}

void sigmoid(const TensorView& x, const TensorView& y) {
  map_f32(x, y, "Sigmoid", [](double v) { return 1.0 / (1.0 + std::exp(-v)); });
}

void hard_sigmoid(const TensorView& x, float alpha, float beta, const TensorView& y) {
  map_f32(x, y, "HardSigmoid", [alpha, beta](double v) {
    return clamp_keep_nan(static_cast<double>(alpha) * v + beta, 0.0, 1.0);
  });
}

void hard_swish(const TensorView& x, const TensorView& y) {
  map_f32(x, y, "HardSwish", [](double v) { return v * clamp_keep_nan(v / 6.0 + 0.5, 0.0, 1.0); });
}

}  // namespace castnet::reference
