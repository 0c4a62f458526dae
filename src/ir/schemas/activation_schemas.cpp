#include "ir/schemas/schema_families.h"
namespace castnet::ir::schemas {
void add_activation_schemas(std::vector<OpSchema>& out) { (void)out; }  // STUB: to be written
}  // namespace castnet::ir::schemas
