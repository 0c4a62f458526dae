// Conv: X (N, C, spatial...), W (M, C/group, kernel...), optional B (M) -> Y (N, M, out...).
#include "ir/conv_params.h"
#include "ir/schemas/compute_schema_util.h"
#include "ir/schemas/schema_families.h"

#include <castnet/error.h>

namespace castnet::ir::schemas {

namespace {

// The ConvDesc for the node's input shapes, unknown batch and spatial sizes replaced by
// stand-ins (see kUnknownSpatialProbe) so the attributes can still be validated.
ConvDesc probe_conv_desc(const InferContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  for (int64_t d : w)
    if (d < 0) ctx.fail("weight shape " + shape_to_string(w) + " must be known");
  if (x.size() >= 2 && x[1] < 0) ctx.fail("the input channel count must be known");
  Shape probe = x;
  if (!probe.empty() && probe[0] < 0) probe[0] = 1;
  for (size_t i = 2; i < probe.size(); ++i)
    if (probe[i] < 0) probe[i] = kUnknownSpatialProbe;
  return conv_desc_from_attrs(ctx.attrs(), probe, w);
}

void infer_conv(InferContext& ctx) {
  require_f32_inputs(ctx);
  const ConvDesc d = probe_conv_desc(ctx);
  if (ctx.has_input(2)) {
    const Shape& b = ctx.input_shape(2);
    if (b.size() != 1 || (b[0] >= 0 && b[0] != d.out_channels))
      ctx.fail("bias shape " + shape_to_string(b) + " must be [" + std::to_string(d.out_channels) + "]");
  }
  const Shape& x = ctx.input_shape(0);
  Shape y{x[0], d.out_channels};
  for (int i = 0; i < d.rank; ++i) y.push_back(x[static_cast<size_t>(i) + 2] < 0 ? -1 : d.out[i]);
  ctx.set_output(0, DType::f32, std::move(y));
}

int64_t conv_flops(const InferContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  for (int64_t d : x)
    if (d < 0) return 0;
  try {
    const ConvDesc d = conv_desc_from_attrs(ctx.attrs(), x, ctx.input_shape(1));
    return 2 * flop_product({d.batch, d.out_channels, d.out_spatial(), d.ic_per_group(), d.kernel_spatial()});
  } catch (const Error&) {
    return 0;
  }
}

}  // namespace

void add_conv_schemas(std::vector<OpSchema>& out) {
  OpSchema conv;
  conv.op_type = "Conv";
  conv.min_inputs = 2;
  conv.max_inputs = 3;
  conv.infer = infer_conv;
  conv.flops = conv_flops;
  out.push_back(std::move(conv));
}

}  // namespace castnet::ir::schemas
