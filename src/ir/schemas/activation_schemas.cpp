// Activations: element-wise, output shape and dtype those of X. Softmax normalises along an axis
// whose default and meaning changed at opset 13 (before: the input is coerced to 2-d at axis and
// normalised over everything from axis on; from 13: over that one axis).
#include "ir/schemas/schema_families.h"

#include "ir/broadcast.h"
#include "ir/schemas/schema_util.h"
#include "ir/shape_rules.h"

namespace castnet::ir::schemas {
namespace {

// An element-wise op on X of one of `dtypes`, costing `flops_per_element`.
OpSchema unary(const char* op_type, std::initializer_list<DType> dtypes, int64_t flops_per_element,
               std::function<void(InferContext&)> validate = nullptr) {
  OpSchema s;
  s.op_type = op_type;
  s.infer = [dtypes = std::vector<DType>(dtypes), validate](InferContext& ctx) {
    bool ok = false;
    for (DType t : dtypes) ok = ok || t == ctx.input(0).dtype;
    if (!ok) ctx.fail(std::string("dtype ") + dtype_name(ctx.input(0).dtype) + " is unsupported");
    if (validate) validate(ctx);
    ctx.set_output(0, ctx.input(0).dtype, ctx.input_shape(0));
  };
  s.flops = [flops_per_element](const InferContext& ctx) { return flops_per_element * output_elements(ctx); };
  return s;
}

// Clip's bounds: attributes before opset 11, optional scalar inputs of X's dtype from 11 on.
void validate_clip(InferContext& ctx) {
  if (ctx.opset() < 11) {
    if (ctx.num_inputs() > 1) ctx.fail("min and max are attributes before opset 11");
    if (ctx.input(0).dtype != DType::f32) ctx.fail("integer Clip needs opset 12 or later");
    (void)ctx.attrs().get_float("min", 0.f);  // wrong attribute kinds fail here
    (void)ctx.attrs().get_float("max", 0.f);
    return;
  }
  for (size_t i = 1; i < 3; ++i) {
    if (!ctx.has_input(i)) continue;
    const Value& bound = ctx.input(i);
    if (bound.dtype != ctx.input(0).dtype)
      ctx.fail(std::string(i == 1 ? "min" : "max") + " has dtype " + dtype_name(bound.dtype) + ", X has " +
               dtype_name(ctx.input(0).dtype));
    if (is_concrete(bound.shape) && shape_numel(bound.shape) != 1)
      ctx.fail(std::string(i == 1 ? "min" : "max") + " must be a scalar, got shape " + shape_to_string(bound.shape));
  }
}

void validate_prelu(InferContext& ctx) {
  if (ctx.input(1).dtype != ctx.input(0).dtype) ctx.fail("slope and X differ in dtype");
  check_unidirectional_broadcast(ctx.input_shape(1), ctx.input_shape(0));
}

void validate_softmax(InferContext& ctx) {
  const auto rank = static_cast<int64_t>(ctx.input_shape(0).size());
  if (rank == 0) ctx.fail("input must have at least one dimension");
  // Before opset 13 the default axis was 1; writing it out keeps the node meaning the same
  // for whoever reads the attributes (kernels, the ONNX writer) without knowing the opset.
  if (ctx.opset() < 13 && !ctx.attrs().has("axis")) ctx.node().attrs.set_int("axis", 1);
  normalize_axis(ctx.attrs().get_int("axis", -1), rank);
}

}  // namespace

void add_activation_schemas(std::vector<OpSchema>& out) {
  const auto f32 = DType::f32;
  out.push_back(unary("Relu", {f32, DType::i8, DType::i32, DType::i64}, 1));
  OpSchema clip = unary("Clip", {f32, DType::i8, DType::u8, DType::i32, DType::i64}, 2, validate_clip);
  clip.max_inputs = 3;
  out.push_back(std::move(clip));
  out.push_back(unary("LeakyRelu", {f32}, 2));
  OpSchema prelu = unary("PRelu", {f32}, 2, validate_prelu);
  prelu.min_inputs = prelu.max_inputs = 2;
  out.push_back(std::move(prelu));
  out.push_back(unary("Sigmoid", {f32}, 4));
  out.push_back(unary("HardSigmoid", {f32}, 4));
  out.push_back(unary("HardSwish", {f32}, 5));
  // max, subtract, exp, sum, divide per element
  out.push_back(unary("Softmax", {f32}, 5, validate_softmax));
}

}  // namespace castnet::ir::schemas
