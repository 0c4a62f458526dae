// Small helpers shared by the compute-op schemas (Conv, pooling, BatchNormalization, Gemm, MatMul).
#pragma once
#include "ir/op_schema.h"

#include <castnet/dtype.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>

namespace castnet::ir::schemas {

// Fails unless every present input is f32 (the only type these kernels compute in).
inline void require_f32_inputs(InferContext& ctx) {
  for (size_t i = 0; i < ctx.num_inputs(); ++i)
    if (ctx.has_input(i) && ctx.input(i).dtype != DType::f32)
      ctx.fail("only f32 is supported, input '" + ctx.input(i).name + "' is " + dtype_name(ctx.input(i).dtype));
}

// Product of counts for a FLOP estimate: 0 if any is unknown (negative), saturating instead of
// overflowing on absurd shapes.
inline int64_t flop_product(std::initializer_list<int64_t> factors) {
  double p = 1.0;
  for (int64_t f : factors) {
    if (f < 0) return 0;
    p *= static_cast<double>(f);
  }
  constexpr double kMax = 9.0e18;  // below INT64_MAX
  return p >= kMax ? static_cast<int64_t>(kMax) : static_cast<int64_t>(p);
}

// Element count of a shape for a FLOP estimate (0 if any dimension is unknown).
inline int64_t flop_numel(const Shape& s) {
  double p = 1.0;
  for (int64_t d : s) {
    if (d < 0) return 0;
    p *= static_cast<double>(d);
  }
  return p >= 9.0e18 ? static_cast<int64_t>(9.0e18) : static_cast<int64_t>(p);
}

// Stand-in size for a spatial dimension that is unknown at load time: large enough for any
// realistic window, small enough that window arithmetic cannot overflow. Outputs derived from it
// are reported as unknown (-1).
constexpr int64_t kUnknownSpatialProbe = int64_t{1} << 30;

}  // namespace castnet::ir::schemas
