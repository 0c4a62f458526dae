#include "ir/schemas/schema_families.h"
namespace castnet::ir::schemas {
void add_matmul_schemas(std::vector<OpSchema>& out) { (void)out; }  // STUB: to be written
}  // namespace castnet::ir::schemas
