#include "ops/op_registry.h"

namespace castnet::ops {

// Optimised implementations, each ahead of the reference for its op type. Filled as the fast
// algorithms land (packed GEMM conv, Winograd, depthwise, ...).
void add_fast_implementations(std::vector<OpImplementation>& out) { (void)out; }

}  // namespace castnet::ops
