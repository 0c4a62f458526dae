#include "ops/reference/reference_families.h"
namespace castnet::ops {
void add_reference_pool(std::vector<OpImplementation>& out) { (void)out; }  // STUB: to be written
}  // namespace castnet::ops
