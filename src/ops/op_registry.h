// Ordered lists of implementations per op type: fastest first, the reference last. The plan
// picks the first applicable one (or only the reference when the ISA is `reference`); with
// autotune on, it times every non-reference one that supports the node.
#pragma once
#include "ops/op_kernel.h"

#include <string>
#include <vector>

namespace castnet::ops {

// Implementations for op_type in priority order (empty if none).
std::vector<const OpImplementation*> implementations_for(const std::string& op_type);

// Adds an implementation ahead of the built-in ones for its op type (custom kernels). Thread-safe.
void register_implementation(OpImplementation impl);

// Built-in families, called once by the registry (src/ops/op_registry.cpp lists them).
void add_reference_implementations(std::vector<OpImplementation>& out);
void add_fast_implementations(std::vector<OpImplementation>& out);

}  // namespace castnet::ops
