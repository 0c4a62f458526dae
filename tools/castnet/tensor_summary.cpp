#include "castnet/tensor_summary.h"

#include <castnet/error.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

namespace castnet::cli {
namespace {

float bits_to_float(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint32_t float_to_bits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  return bits;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  float magnitude;
  if (exp == 0) magnitude = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31) magnitude = mant ? std::numeric_limits<float>::quiet_NaN()
                                       : std::numeric_limits<float>::infinity();
  else magnitude = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -magnitude : magnitude;
}

// Round to nearest (ties away from zero is close enough for generated data); saturates to inf.
uint16_t float_to_half(float f) {
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  float a = std::fabs(f);
  if (std::isnan(a)) return 0x7E00;
  if (a >= 65520.0f) return sign | 0x7C00;
  if (a < std::ldexp(1.0f, -14)) return sign | static_cast<uint16_t>(std::lround(std::ldexp(a, 24)));
  int e;
  float m = std::frexp(a, &e);  // a = m * 2^e, m in [0.5, 1)
  uint32_t mant = static_cast<uint32_t>(std::lround(std::ldexp(m, 11)));  // 1024..2048
  if (mant == 2048) { mant = 1024; ++e; }
  if (e + 14 >= 31) return sign | 0x7C00;
  return sign | static_cast<uint16_t>((static_cast<uint32_t>(e + 14) << 10) | (mant & 0x3FF));
}

}  // namespace

double element_as_double(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::f32: return t.data_as<float>()[i];
    case DType::f16: return half_to_float(t.data_as<uint16_t>()[i]);
    case DType::bf16: return bits_to_float(static_cast<uint32_t>(t.data_as<uint16_t>()[i]) << 16);
    case DType::i8: return t.data_as<int8_t>()[i];
    case DType::u8: return t.data_as<uint8_t>()[i];
    case DType::i32: return t.data_as<int32_t>()[i];
    case DType::i64: return static_cast<double>(t.data_as<int64_t>()[i]);
    case DType::boolean: return t.data_as<uint8_t>()[i] ? 1.0 : 0.0;
  }
  throw Error("unknown dtype");
}

void set_element(Tensor& t, int64_t i, double v) {
  switch (t.dtype()) {
    case DType::f32: t.data_as<float>()[i] = static_cast<float>(v); return;
    case DType::f16: t.data_as<uint16_t>()[i] = float_to_half(static_cast<float>(v)); return;
    case DType::bf16:
      t.data_as<uint16_t>()[i] = static_cast<uint16_t>(float_to_bits(static_cast<float>(v)) >> 16);
      return;
    case DType::i8: t.data_as<int8_t>()[i] = static_cast<int8_t>(v); return;
    case DType::u8: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(v); return;
    case DType::i32: t.data_as<int32_t>()[i] = static_cast<int32_t>(v); return;
    case DType::i64: t.data_as<int64_t>()[i] = static_cast<int64_t>(v); return;
    case DType::boolean: t.data_as<uint8_t>()[i] = v != 0; return;
  }
  throw Error("unknown dtype");
}

TensorSummary summarize(const Tensor& t) {
  TensorSummary s;
  double sum = 0;
  int64_t finite = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = element_as_double(t, i);
    if (!std::isfinite(v)) {
      ++s.non_finite;
      continue;
    }
    if (finite == 0 || v < s.min) s.min = v;
    if (finite == 0 || v > s.max) s.max = v;
    sum += v;
    ++finite;
  }
  if (finite) s.mean = sum / static_cast<double>(finite);
  return s;
}

std::string describe(const Tensor& t) {
  const TensorSummary s = summarize(t);
  char buf[160];
  std::snprintf(buf, sizeof buf, " min=%.6g max=%.6g mean=%.6g", s.min, s.max, s.mean);
  std::string text = std::string(dtype_name(t.dtype())) + " " + shape_to_string(t.shape()) + buf;
  if (s.non_finite) text += " non-finite=" + std::to_string(s.non_finite);
  return text;
}

}  // namespace castnet::cli
