// Reference matrix products, accumulating in double: ONNX Gemm and MatMul.
#pragma once
#include "core/thread_pool.h"

#include <castnet/tensor.h>

#include <cstdint>

namespace castnet::reference {

// Y[m][n] = alpha * sum_k op(A)[m][k] * op(B)[k][n] + beta * C[m][n].
struct GemmDesc {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false;  // A stored [k][m] instead of [m][k]
  bool trans_b = false;  // B stored [n][k] instead of [k][n]
  float alpha = 1.f, beta = 1.f;
  // C's extent once right-aligned to (m, n): each either 1 (broadcast along that axis) or the
  // full m / n. A scalar or [n] C has c_rows = 1.
  int64_t c_rows = 1, c_cols = 1;
};

// a, b, y plain row-major; c may be null (no C). With beta == 0, C is not read (so a NaN in C
// does not reach Y).
void gemm(const GemmDesc& desc, const float* a, const float* b, const float* c, float* y,
          ThreadPool* pool = nullptr);

// numpy matmul semantics: a 1-d A is a row vector [1, K] and a 1-d B a column vector [K, 1], the
// added axis being removed from the result; leading (batch) axes broadcast. Throws
// castnet::Error when the shapes do not fit.
Shape matmul_output_shape(const Shape& a, const Shape& b);

// Y = A @ B with matmul_output_shape(a_shape, b_shape) as Y's shape; all plain row-major.
void matmul(const Shape& a_shape, const float* a, const Shape& b_shape, const float* b, float* y,
            ThreadPool* pool = nullptr);

}  // namespace castnet::reference
