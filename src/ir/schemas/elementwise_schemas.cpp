// Add, Sub, Mul, Div: numpy (multidirectional) broadcasting, both inputs of one numeric dtype.
// Folded at load time when both inputs are constant: exporters compute Reshape targets with
// integer arithmetic on Shape results.
#include "ir/schemas/schema_families.h"

#include "core/elementwise_binary.h"
#include "ir/broadcast.h"
#include "ir/schemas/schema_util.h"

namespace castnet::ir::schemas {
namespace {

void infer_binary(InferContext& ctx) {
  const DType a = ctx.input(0).dtype, b = ctx.input(1).dtype;
  if (a != b) ctx.fail(std::string("input dtypes differ: ") + dtype_name(a) + " and " + dtype_name(b));
  if (!binary_dtype_supported(a)) ctx.fail(std::string("dtype ") + dtype_name(a) + " is unsupported");
  ctx.set_output(0, a, multidirectional_broadcast(ctx.input_shape(0), ctx.input_shape(1)));
}

template <BinaryOp Op>
void fold_binary(InferContext& ctx) {
  const Shape out_shape = ctx.output(0).shape;
  if (!foldable(out_shape)) return;
  const Tensor& a = *ctx.constant_input(0);
  const Tensor& b = *ctx.constant_input(1);
  Tensor out(a.dtype(), out_shape);
  broadcast_binary(Op, a.dtype(), a.data(), a.shape(), b.data(), b.shape(), out.data(), out_shape);
  ctx.set_output_constant(0, std::move(out));
}

template <BinaryOp Op>
OpSchema binary_schema() {
  OpSchema s;
  s.op_type = binary_op_name(Op);
  s.min_inputs = s.max_inputs = 2;
  s.infer = infer_binary;
  s.fold = fold_binary<Op>;
  s.flops = output_elements;
  return s;
}

}  // namespace

void add_elementwise_schemas(std::vector<OpSchema>& out) {
  out.push_back(binary_schema<BinaryOp::add>());
  out.push_back(binary_schema<BinaryOp::sub>());
  out.push_back(binary_schema<BinaryOp::mul>());
  out.push_back(binary_schema<BinaryOp::div>());
}

}  // namespace castnet::ir::schemas
