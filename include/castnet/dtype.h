// Element types castnet understands.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace castnet {

enum class DType : uint8_t { f32, f16, bf16, i8, u8, i32, i64, boolean };

size_t dtype_size(DType t) noexcept;
const char* dtype_name(DType t) noexcept;  // "f32", "bf16", ...

template <typename T> constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::f32; }
template <> constexpr DType dtype_of<int8_t>() { return DType::i8; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::u8; }
template <> constexpr DType dtype_of<int32_t>() { return DType::i32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::i64; }
template <> constexpr DType dtype_of<bool>() { return DType::boolean; }

}  // namespace castnet
