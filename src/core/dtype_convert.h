// Element-wise conversion between the dtypes ONNX Cast moves between in CNN graphs: f32, f16,
// bf16, i64, i32, u8, i8 and bool. Shared by the reference Cast kernel and the IR's constant
// folding.
#pragma once
#include <castnet/dtype.h>

#include <cstdint>

namespace castnet {

bool convert_supported(DType dtype);

// IEEE binary16 and bfloat16 bit patterns <-> float. Narrowing rounds to nearest, ties to even;
// overflow gives infinity; NaN stays NaN.
float half_to_float(uint16_t h);
uint16_t float_to_half(float f);
float bf16_to_float(uint16_t b);
uint16_t float_to_bf16(float f);

// dst[i] = src[i] converted, for n elements. Float to integer truncates toward zero and
// saturates at the target's range (NaN becomes 0), so no input is undefined behaviour; integer
// to narrower integer wraps (two's complement); anything to bool is (x != 0); bool reads any
// non-zero byte as true; f16 and bf16 convert through float. Throws castnet::Error for a dtype outside convert_supported.
void convert_elements(const void* src, DType from, void* dst, DType to, int64_t n);

}  // namespace castnet
