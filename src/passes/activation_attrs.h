// Translation of an activation node (Relu, Clip with constant bounds, LeakyRelu, HardSigmoid,
// HardSwish, Sigmoid) into the attributes a fused kernel reads: "activation" plus its two
// parameters under the given keys (FusedConv uses alpha/beta; FusedGemm, whose alpha/beta are
// Gemm's own, uses activation_alpha/activation_beta).
#pragma once
#include "ir/graph.h"

#include <string>

namespace castnet::passes {

// False (and `out` untouched) if the node is not a fusable activation.
bool activation_attrs(const ir::Graph& g, const ir::Node& act, ir::Attributes& out, const std::string& alpha_key,
                      const std::string& beta_key);

}  // namespace castnet::passes
