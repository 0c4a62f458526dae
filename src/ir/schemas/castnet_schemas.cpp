// Operators castnet inserts itself (domain "castnet"); they never come from a model file.
//   Reorder: copies its input into another memory layout (attribute "to": "plain" | "nchwc",
//            "block" for nchwc). Shape and dtype are unchanged.
#include "ir/schemas/schema_families.h"

namespace castnet::ir::schemas {

void add_castnet_schemas(std::vector<OpSchema>& out) {
  OpSchema reorder;
  reorder.op_type = "Reorder";
  reorder.domain = "castnet";
  reorder.infer = [](InferContext& ctx) {
    std::string to = ctx.attrs().get_string("to", "");
    if (to != "plain" && to != "nchwc") ctx.fail("attribute 'to' must be plain or nchwc");
    if (to == "nchwc" && ctx.input_shape(0).size() != 4) ctx.fail("nchwc needs a 4-d tensor");
    ctx.set_output(0, ctx.input(0).dtype, ctx.input_shape(0));
  };
  out.push_back(std::move(reorder));
}

}  // namespace castnet::ir::schemas
