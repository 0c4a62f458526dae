// Operators castnet inserts itself (domain "castnet"); they never come from a model file.
//   Reorder: copies its input into another memory layout (attribute "to": "plain" | "nchwc",
//            "block" for nchwc). Shape and dtype are unchanged.
//   DwsepConv: depthwise conv (attributes prefixed "dw.") then a 1×1 conv with W_pw, B_pw,
//            optional residual R and activation: inputs X, W_dw, B_dw?, W_pw, B_pw?, R?.
//   InvertedResidual: 1×1 expand conv (attributes prefixed "expand.", incl. its activation) →
//            depthwise conv (prefixed "dw.") → 1×1 project conv with activation and optional
//            residual: inputs X, W_exp, B_exp?, W_dw, B_dw?, W_proj, B_proj?, R?.
//   BottleneckConv: 1×1 conv → 3×3 conv (attributes prefixed "c2.") → 1×1 conv, each with its
//            bias and activation ("c1." and "c2." prefixed, the last unprefixed), optional
//            residual R before the last activation: inputs X, W1, B1?, W2, B2?, W3, B3?, R?.
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
// InvertedResidual's stages: the expand conv on X, the depthwise conv on the expanded tensor.
ConvDesc invres_expand_desc(const InferContext& ctx) {
  return conv_desc_from_attrs(prefixed_attrs(ctx.attrs(), "expand."), ctx.input_shape(0), ctx.input_shape(1));
}
ConvDesc invres_depthwise_desc(const InferContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const Shape& we = ctx.input_shape(1);
  if (x.size() != 4 || we.size() != 4) ctx.fail("expand stage needs 4-d input and weights");
  return conv_desc_from_attrs(prefixed_attrs(ctx.attrs(), "dw."), Shape{x[0], we[0], x[2], x[3]}, ctx.input_shape(3));
}
// BottleneckConv's 3×3 stage, on the first 1×1's output (which checks X and W1 on the way).
ConvDesc bottleneck_middle_desc(const InferContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const Shape& w1 = ctx.input_shape(1);
  if (x.size() != 4) ctx.fail("input must be 4-d, got " + shape_to_string(x));
  if (w1.size() != 4 || w1[1] != x[1] || w1[2] != 1 || w1[3] != 1)
    ctx.fail("first 1x1 weights " + shape_to_string(w1) + " do not fit " + std::to_string(x[1]) + " channels");
  return conv_desc_from_attrs(prefixed_attrs(ctx.attrs(), "c2."), Shape{x[0], w1[0], x[2], x[3]}, ctx.input_shape(3));
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

  OpSchema invres;
  invres.op_type = "InvertedResidual";
  invres.domain = "castnet";
  invres.min_inputs = 2;  // the biases in between are optional; the weights are checked below
  invres.max_inputs = 8;
  invres.infer = [](InferContext& ctx) {
    if (!ctx.has_input(3) || !ctx.has_input(5)) ctx.fail("needs expand, depthwise and project weights");
    ConvDesc ex = invres_expand_desc(ctx);
    if (ex.groups != 1 || ex.kh() != 1 || ex.kw() != 1 || ex.stride[0] != 1 || ex.stride[1] != 1 ||
        ex.pad_begin != ConvDesc::Dims{0, 0, 0} || ex.pad_end != ConvDesc::Dims{0, 0, 0})
      ctx.fail("expand stage must be an unpadded, unstrided, ungrouped 1x1 conv");
    if (ctx.has_input(2) && ctx.input_shape(2) != Shape{ex.out_channels}) ctx.fail("expand bias shape");
    ConvDesc dw = invres_depthwise_desc(ctx);
    if (!dw.is_depthwise()) ctx.fail("middle stage must be depthwise over the expanded channels");
    if (ctx.has_input(4) && ctx.input_shape(4) != Shape{dw.out_channels}) ctx.fail("depthwise bias shape");
    const Shape& wp = ctx.input_shape(5);
    if (wp.size() != 4 || wp[1] != dw.out_channels || wp[2] != 1 || wp[3] != 1)
      ctx.fail("project weights " + shape_to_string(wp) + " do not fit " + std::to_string(dw.out_channels) + " channels");
    if (ctx.has_input(6) && ctx.input_shape(6) != Shape{wp[0]}) ctx.fail("project bias shape");
    Shape y{dw.batch, wp[0], dw.oh(), dw.ow()};
    if (ctx.has_input(7) && ctx.input_shape(7) != y) ctx.fail("residual shape differs from the output's");
    static const char* kActivations[] = {"", "relu", "clip", "leaky_relu", "hard_sigmoid", "hard_swish", "sigmoid"};
    for (const char* prefix : {"expand.", "dw.", ""}) {
      std::string act = ctx.attrs().get_string(std::string(prefix) + "activation", "");
      bool known = false;
      for (const char* a : kActivations) known = known || act == a;
      if (!known) ctx.fail("unknown fused activation '" + act + "'");
    }
    ctx.set_output(0, DType::f32, y);
  };
  invres.flops = [](const InferContext& ctx) {
    ConvDesc dw = invres_depthwise_desc(ctx);
    return invres_expand_desc(ctx).flops() + dw.flops() +
           2 * dw.batch * dw.out_spatial() * dw.out_channels * ctx.input_shape(5)[0];
  };
  out.push_back(std::move(invres));

  OpSchema bottleneck;
  bottleneck.op_type = "BottleneckConv";
  bottleneck.domain = "castnet";
  bottleneck.min_inputs = 2;  // the biases between the weights are optional: W2 and W3 checked below
  bottleneck.max_inputs = 8;
  bottleneck.infer = [](InferContext& ctx) {
    if (!ctx.has_input(3) || !ctx.has_input(5)) ctx.fail("needs the 3x3 weights (input 3) and last 1x1 weights (input 5)");
    const Shape& x = ctx.input_shape(0);
    const Shape& w1 = ctx.input_shape(1);
    const Shape& w3 = ctx.input_shape(5);
    if (ctx.has_input(2) && ctx.input_shape(2) != Shape{w1[0]}) ctx.fail("first bias shape");
    ConvDesc c2 = bottleneck_middle_desc(ctx);
    if (c2.groups != 1) ctx.fail("middle stage must be an ungrouped conv");
    if (ctx.has_input(4) && ctx.input_shape(4) != Shape{c2.out_channels}) ctx.fail("middle bias shape");
    if (w3.size() != 4 || w3[1] != c2.out_channels || w3[2] != 1 || w3[3] != 1)
      ctx.fail("last 1x1 weights " + shape_to_string(w3) + " do not fit " + std::to_string(c2.out_channels) + " channels");
    if (ctx.has_input(6) && ctx.input_shape(6) != Shape{w3[0]}) ctx.fail("last bias shape");
    Shape y{x[0], w3[0], c2.oh(), c2.ow()};
    if (ctx.has_input(7) && ctx.input_shape(7) != y) ctx.fail("residual shape differs from the output's");
    static const char* kActivations[] = {"", "relu", "clip", "leaky_relu", "hard_sigmoid", "hard_swish", "sigmoid"};
    for (const char* prefix : {"c1.", "c2.", ""}) {
      std::string act = ctx.attrs().get_string(std::string(prefix) + "activation", "");
      bool known = false;
      for (const char* a : kActivations) known = known || act == a;
      if (!known) ctx.fail("unknown fused activation '" + act + "'");
    }
    ctx.set_output(0, DType::f32, y);
  };
  bottleneck.flops = [](const InferContext& ctx) {
    const Shape& x = ctx.input_shape(0);
    ConvDesc c2 = bottleneck_middle_desc(ctx);
    const int64_t first = 2 * x[0] * x[2] * x[3] * x[1] * c2.in_channels;
    const int64_t last = 2 * c2.batch * c2.out_spatial() * c2.out_channels * ctx.input_shape(5)[0];
    return first + c2.flops() + last;
  };
  out.push_back(std::move(bottleneck));
}

}  // namespace castnet::ir::schemas
