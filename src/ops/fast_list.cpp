#include "ops/conv/conv_nchwc_direct.h"
#include "ops/op_registry.h"

namespace castnet::ops {

// Optimised implementations, each ahead of the reference for its op type, in priority order.
void add_fast_implementations(std::vector<OpImplementation>& out) {
  add_conv_nchwc_direct(out);
}

}  // namespace castnet::ops
