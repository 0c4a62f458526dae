// Reference activations, element by element. y has x's shape and dtype; NaN inputs propagate
// (Relu, Clip, LeakyRelu, PRelu) as in numpy.
#pragma once
#include "core/tensor_view.h"

namespace castnet::reference {

void relu(const TensorView& x, const TensorView& y);  // f32, i8, i32, i64

// Clamps x to [min, max]. The bounds are one-element views of x's dtype, or null for none
// (opset 11+ inputs). f32, i8, u8, i32, i64.
void clip(const TensorView& x, const TensorView* min, const TensorView* max, const TensorView& y);
// f32 with float bounds (opset < 11 attributes).
void clip(const TensorView& x, float min, float max, const TensorView& y);

// The rest are f32 only.
void leaky_relu(const TensorView& x, float alpha, const TensorView& y);  // x < 0 ? alpha * x : x
// x < 0 ? slope * x : x, slope broadcast unidirectionally to x's shape.
void prelu(const TensorView& x, const TensorView& slope, const TensorView& y);
void sigmoid(const TensorView& x, const TensorView& y);                                  // 1 / (1 + e^-x)
void hard_sigmoid(const TensorView& x, float alpha, float beta, const TensorView& y);    // max(0, min(1, alpha*x + beta))
void hard_swish(const TensorView& x, const TensorView& y);                               // x * hard_sigmoid(x, 1/6, 1/2)

}  // namespace castnet::reference
