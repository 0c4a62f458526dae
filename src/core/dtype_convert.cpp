#include "core/dtype_convert.h"

#include <castnet/error.h>

#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace castnet {
namespace {

// Bool tensors are stored one byte per element; reading them as uint8_t tolerates any byte.
struct BoolByte {
  uint8_t v;
};
// 16-bit float storage, converted through float.
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

template <typename To, typename From>
To convert_one(From x) {
  if constexpr (std::is_same_v<From, Half>) {
    return convert_one<To>(half_to_float(x.bits));
  } else if constexpr (std::is_same_v<From, BFloat16>) {
    return convert_one<To>(bf16_to_float(x.bits));
  } else if constexpr (std::is_same_v<To, Half>) {
    return Half{float_to_half(convert_one<float>(x))};
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return BFloat16{float_to_bf16(convert_one<float>(x))};
  } else if constexpr (std::is_same_v<From, BoolByte>) {
    return convert_one<To>(static_cast<uint8_t>(x.v != 0));
  } else if constexpr (std::is_same_v<To, BoolByte>) {
    return BoolByte{static_cast<uint8_t>(x != From(0))};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    if (std::isnan(x)) return To(0);
    const double v = static_cast<double>(x);
    // max() of a 64-bit type rounds up to 2^63 (or 2^64) in double, so compare with >=.
    if (v >= static_cast<double>(std::numeric_limits<To>::max())) return std::numeric_limits<To>::max();
    if (v <= static_cast<double>(std::numeric_limits<To>::min())) return std::numeric_limits<To>::min();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(x);
  }
}

template <typename To, typename From>
void convert_typed(const void* src, void* dst, int64_t n) {
  const From* s = static_cast<const From*>(src);
  To* d = static_cast<To*>(dst);
  for (int64_t i = 0; i < n; ++i) d[i] = convert_one<To>(s[i]);
}

template <typename From>
void convert_from(const void* src, void* dst, DType to, int64_t n) {
  switch (to) {
    case DType::f32: return convert_typed<float, From>(src, dst, n);
    case DType::f16: return convert_typed<Half, From>(src, dst, n);
    case DType::bf16: return convert_typed<BFloat16, From>(src, dst, n);
    case DType::i64: return convert_typed<int64_t, From>(src, dst, n);
    case DType::i32: return convert_typed<int32_t, From>(src, dst, n);
    case DType::u8: return convert_typed<uint8_t, From>(src, dst, n);
    case DType::i8: return convert_typed<int8_t, From>(src, dst, n);
    case DType::boolean: return convert_typed<BoolByte, From>(src, dst, n);
    default: break;
  }
}

}  // namespace

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {
    // Zero or subnormal: mantissa * 2^-24, exact in float.
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  uint32_t bits;
  if (exponent == 0x1f) bits = sign | 0x7f800000u | (mantissa << 13);  // inf, or NaN keeping its payload
  else bits = sign | ((exponent + 127 - 15) << 23) | (mantissa << 13);
  return std::bit_cast<float>(bits);
}

uint16_t float_to_half(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t magnitude = bits & 0x7fffffffu;
  if (magnitude >= 0x7f800000u) {  // inf or NaN (NaN made quiet so a payload cannot vanish)
    return static_cast<uint16_t>(sign | 0x7c00u | (magnitude > 0x7f800000u ? 0x200u | (magnitude >> 13 & 0x3ffu) : 0u));
  }
  if (magnitude >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // >= 65520 rounds to inf
  if (magnitude < 0x38800000u) {
    // Below the smallest normal half (2^-14): a multiple of 2^-24, rounded to nearest even.
    // Scaling by 2^24 is exact; a result of 1024 is the smallest normal, encoded correctly.
    const float units = std::nearbyint(std::bit_cast<float>(magnitude) * 16777216.0f);
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(units));
  }
  uint32_t half = ((magnitude >> 23) - 127 + 15) << 10 | ((magnitude >> 13) & 0x3ffu);
  const uint32_t rest = magnitude & 0x1fffu;  // the 13 bits dropped
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // a carry into the exponent is right
  return static_cast<uint16_t>(sign | half);
}

float bf16_to_float(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

uint16_t float_to_bf16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((bits >> 16) | 0x40u);  // quiet NaN
  const uint32_t rounding = 0x7fffu + ((bits >> 16) & 1u);  // nearest, ties to even
  return static_cast<uint16_t>((bits + rounding) >> 16);
}

bool convert_supported(DType dtype) {
  switch (dtype) {
    case DType::f32: case DType::f16: case DType::bf16: case DType::i64: case DType::i32: case DType::u8:
    case DType::i8: case DType::boolean:
      return true;
    default:
      return false;
  }
}

void convert_elements(const void* src, DType from, void* dst, DType to, int64_t n) {
  if (!convert_supported(from) || !convert_supported(to))
    throw Error(std::string("conversion from ") + dtype_name(from) + " to " + dtype_name(to) + " is unsupported");
  static_assert(sizeof(BoolByte) == 1 && sizeof(Half) == 2 && sizeof(BFloat16) == 2);
  switch (from) {
    case DType::f32: return convert_from<float>(src, dst, to, n);
    case DType::f16: return convert_from<Half>(src, dst, to, n);
    case DType::bf16: return convert_from<BFloat16>(src, dst, to, n);
    case DType::i64: return convert_from<int64_t>(src, dst, to, n);
    case DType::i32: return convert_from<int32_t>(src, dst, to, n);
    case DType::u8: return convert_from<uint8_t>(src, dst, to, n);
    case DType::i8: return convert_from<int8_t>(src, dst, to, n);
    case DType::boolean: return convert_from<BoolByte>(src, dst, to, n);
    default: break;
  }
}

}  // namespace castnet
