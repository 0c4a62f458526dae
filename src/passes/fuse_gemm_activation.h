// Gemm → activation into castnet.FusedGemm (see fuse_gemm_activation.cpp).
#pragma once
#include "passes/pass_manager.h"

namespace castnet::passes {

// Gemm followed by Relu, Clip, LeakyRelu, HardSigmoid, HardSwish or Sigmoid becomes one
// castnet.FusedGemm whose epilogue applies the activation. Returns the number of rewrites.
int fuse_gemm_activation(ir::Graph& graph, const CompileOptions& options);

}  // namespace castnet::passes
