// BatchNormalization (inference): X (N, C, ...), scale, B, mean, var (each [C]) -> Y like X.
// Optional outputs 1 and 2 (running mean / var, training-only in ONNX) are accepted and carry
// the input statistics unchanged; training_mode = 1 is rejected.
#include "ir/schemas/compute_schema_util.h"
#include "ir/schemas/schema_families.h"

namespace castnet::ir::schemas {

namespace {

void infer_batch_norm(InferContext& ctx) {
  if (ctx.attrs().get_int("training_mode", 0) != 0) ctx.fail("training mode not supported");
  // Opsets before 9: spatial = 0 meant per-activation statistics.
  if (ctx.attrs().get_int("spatial", 1) != 1) ctx.fail("spatial = 0 (per-activation statistics) is not supported");
  const float epsilon = ctx.attrs().get_float("epsilon", 1e-5f);
  if (!(epsilon >= 0.f)) ctx.fail("epsilon must be non-negative");
  require_f32_inputs(ctx);
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 2) ctx.fail("input must have rank 2 or more (N, C, ...), got shape " + shape_to_string(x));
  int64_t channels = x[1];
  static const char* kParamNames[] = {"", "scale", "B", "mean", "var"};
  for (size_t i = 1; i < 5; ++i) {
    const Shape& p = ctx.input_shape(i);
    if (p.size() != 1 || (p[0] >= 0 && channels >= 0 && p[0] != channels))
      ctx.fail(std::string(kParamNames[i]) + " shape " + shape_to_string(p) + " must be [" +
               (channels >= 0 ? std::to_string(channels) : std::string("C")) + "]");
    if (channels < 0) channels = p[0];
  }
  ctx.set_output(0, DType::f32, x);
  ctx.set_output(1, DType::f32, {channels});
  ctx.set_output(2, DType::f32, {channels});
}

// A subtraction and a multiply-add per element once folded to scale and shift.
int64_t batch_norm_flops(const InferContext& ctx) { return 2 * flop_numel(ctx.input_shape(0)); }

}  // namespace

void add_normalization_schemas(std::vector<OpSchema>& out) {
  OpSchema bn;
  bn.op_type = "BatchNormalization";
  bn.min_inputs = bn.max_inputs = 5;
  bn.min_outputs = 1;
  bn.max_outputs = 3;
  bn.infer = infer_batch_norm;
  bn.flops = batch_norm_flops;
  out.push_back(std::move(bn));
}

}  // namespace castnet::ir::schemas
