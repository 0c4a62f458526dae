// Operators castnet inserts itself (domain "castnet"); they never come from a model file.
//   Reorder: copies its input into another memory layout (attribute "to": "plain" | "nchwc",
//            "block" for nchwc). Shape and dtype are unchanged.
//   FusedConv: Conv (same attributes and first three inputs) + optional residual input R (same
//            shape as the output, added before the activation) + activation attributes.
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

  OpSchema fused;
  fused.op_type = "FusedConv";
  fused.domain = "castnet";
  fused.min_inputs = 2;
  fused.max_inputs = 4;
  fused.infer = [](InferContext& ctx) {
    const OpSchema* conv = find_op_schema("Conv");
    if (!conv) ctx.fail("no Conv schema");
    conv->infer(ctx);
    if (ctx.has_input(3) && ctx.input_shape(3) != ctx.output(0).shape) ctx.fail("residual shape differs from the output's");
    static const char* kActivations[] = {"", "relu", "clip", "leaky_relu", "hard_sigmoid", "hard_swish", "sigmoid"};
    std::string act = ctx.attrs().get_string("activation", "");
    bool known = false;
    for (const char* a : kActivations) known = known || act == a;
    if (!known) ctx.fail("unknown fused activation '" + act + "'");
  };
  fused.flops = [](const InferContext& ctx) {
    const OpSchema* conv = find_op_schema("Conv");
    return conv && conv->flops ? conv->flops(ctx) : 0;
  };
  out.push_back(std::move(fused));
}

}  // namespace castnet::ir::schemas
