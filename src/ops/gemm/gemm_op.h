// Registration of the ONNX Gemm and MatMul operators (and castnet.FusedGemm, Gemm followed by an
// activation) on the packed SGEMM driver (see gemm_op.cpp).
#pragma once
#include "ops/op_kernel.h"

#include <vector>

namespace castnet::ops {

// Adds "gemm_packed" for Gemm and FusedGemm, and "matmul_packed" for MatMul: f32, plain layout,
// any ISA but the reference.
void add_gemm_ops(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
