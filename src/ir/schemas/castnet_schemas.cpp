// Operators castnet inserts itself (domain "castnet"); they never come from a model file.
//   Reorder: copies its input into another memory layout (attribute "to": "plain" | "nchwc",
//            "block" for nchwc). Shape and dtype are unchanged.
//   DwsepConv: depthwise conv (attributes prefixed "dw.") then a 1×1 conv with W_pw, B_pw,
//            optional residual R and activation: inputs X, W_dw, B_dw?, W_pw, B_pw?, R?.
//   FusedConv: Conv (same attributes and first three inputs) + optional residual input R (same
//            shape as the output, added before the activation) + activation attributes.
//   FusedGemm: Gemm (same attributes and inputs) + an activation on its output: "activation" as
//            FusedConv's, its parameters in "activation_alpha" / "activation_beta" (Gemm's own
//            alpha and beta keep their meaning).
#include "ir/schemas/schema_families.h"

#include "ir/conv_params.h"

namespace castnet::ir::schemas {

// The attributes of a fused node's sub-operation: those named "<prefix>key", as "key".
Attributes prefixed_attrs(const Attributes& all, const std::string& prefix) {
  Attributes sub;
  for (const auto& [key, value] : all.all())
    if (key.rfind(prefix, 0) == 0) sub.set(key.substr(prefix.size()), value);
  return sub;
}

namespace {
ConvDesc dwsep_depthwise_desc(const InferContext& ctx) {
  return conv_desc_from_attrs(prefixed_attrs(ctx.attrs(), "dw."), ctx.input_shape(0), ctx.input_shape(1));
}
}  // namespace

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

  OpSchema fused_gemm;
  fused_gemm.op_type = "FusedGemm";
  fused_gemm.domain = "castnet";
  fused_gemm.min_inputs = 2;
  fused_gemm.max_inputs = 3;
  fused_gemm.infer = [](InferContext& ctx) {
    const OpSchema* gemm = find_op_schema("Gemm");
    if (!gemm) ctx.fail("no Gemm schema");
    gemm->infer(ctx);
    static const char* kActivations[] = {"", "relu", "clip", "leaky_relu", "hard_sigmoid", "hard_swish", "sigmoid"};
    std::string act = ctx.attrs().get_string("activation", "");
    bool known = false;
    for (const char* a : kActivations) known = known || act == a;
    if (!known) ctx.fail("unknown fused activation '" + act + "'");
  };
  fused_gemm.flops = [](const InferContext& ctx) {
    const OpSchema* gemm = find_op_schema("Gemm");
    return gemm && gemm->flops ? gemm->flops(ctx) : 0;
  };
  out.push_back(std::move(fused_gemm));

  OpSchema dwsep;
  dwsep.op_type = "DwsepConv";
  dwsep.domain = "castnet";
  dwsep.min_inputs = 4;
  dwsep.max_inputs = 6;
  dwsep.infer = [](InferContext& ctx) {
    ConvDesc dw = dwsep_depthwise_desc(ctx);
    if (!dw.is_depthwise()) ctx.fail("first stage must be depthwise");
    const Shape& wp = ctx.input_shape(3);
    if (wp.size() != 4 || wp[1] != dw.out_channels || wp[2] != 1 || wp[3] != 1)
      ctx.fail("pointwise weights " + shape_to_string(wp) + " do not fit " + std::to_string(dw.out_channels) + " channels");
    if (ctx.has_input(4) && ctx.input_shape(4) != Shape{wp[0]}) ctx.fail("pointwise bias shape");
    Shape y{dw.batch, wp[0], dw.oh(), dw.ow()};
    if (ctx.has_input(5) && ctx.input_shape(5) != y) ctx.fail("residual shape differs from the output's");
    ctx.set_output(0, DType::f32, y);
  };
  dwsep.flops = [](const InferContext& ctx) {
    ConvDesc dw = dwsep_depthwise_desc(ctx);
    return dw.flops() + 2 * dw.batch * dw.out_spatial() * dw.out_channels * ctx.input_shape(3)[0];
  };
  out.push_back(std::move(dwsep));
}

}  // namespace castnet::ir::schemas
