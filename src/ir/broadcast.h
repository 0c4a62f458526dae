// ONNX broadcasting rules on shapes that may hold unknown dimensions (-1).
//  multidirectional (Add, Sub, Mul, Div, ...): numpy rules — shapes aligned at the right, each
//    pair of dimensions equal or one of them 1; the result takes the larger rank.
//  unidirectional (PRelu's slope): `from` must broadcast to `to`, whose shape is the result.
// An unknown dimension is assumed compatible; the result is unknown only where it cannot be
// determined (unknown against 1 or against unknown).
#pragma once
#include <castnet/tensor.h>

#include <vector>

namespace castnet::ir {

// Throws castnet::Error naming both shapes when they are incompatible.
Shape multidirectional_broadcast(const Shape& a, const Shape& b);
Shape multidirectional_broadcast(const std::vector<Shape>& shapes);

// Throws castnet::Error when `from` cannot be broadcast to `to`.
void check_unidirectional_broadcast(const Shape& from, const Shape& to);

}  // namespace castnet::ir
