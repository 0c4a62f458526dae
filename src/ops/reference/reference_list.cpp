#include "ops/op_registry.h"
#include "ops/reference/reference_families.h"

namespace castnet::ops {

void add_reference_implementations(std::vector<OpImplementation>& out) {
  add_reference_conv(out);
  add_reference_pool(out);
  add_reference_normalization(out);
  add_reference_matmul(out);
  add_reference_elementwise(out);
  add_reference_activation(out);
  add_reference_tensor(out);
}

}  // namespace castnet::ops
