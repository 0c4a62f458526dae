// MaxPool, AveragePool: X (N, C, spatial...) -> Y (N, C, out...).
// GlobalAveragePool, GlobalMaxPool: X (N, C, spatial...) -> Y (N, C, 1, ...).
#include "ir/pool_params.h"
#include "ir/schemas/compute_schema_util.h"
#include "ir/schemas/schema_families.h"

#include <castnet/error.h>

namespace castnet::ir::schemas {

namespace {

// The PoolDesc for the node's input, unknown batch, channel and spatial sizes replaced by
// stand-ins so the attributes can still be validated.
PoolDesc probe_pool_desc(const InferContext& ctx) {
  Shape probe = ctx.input_shape(0);
  for (size_t i = 0; i < probe.size(); ++i)
    if (probe[i] < 0) probe[i] = i < 2 ? 1 : kUnknownSpatialProbe;
  return pool_desc_from_attrs(ctx.attrs(), probe);
}

void set_pool_output(InferContext& ctx, const PoolDesc& d, DType dtype) {
  const Shape& x = ctx.input_shape(0);
  Shape y{x[0], x[1]};
  for (int i = 0; i < d.rank; ++i) y.push_back(x[static_cast<size_t>(i) + 2] < 0 ? -1 : d.out[i]);
  ctx.set_output(0, dtype, std::move(y));
}

void infer_max_pool(InferContext& ctx) {
  const DType t = ctx.input(0).dtype;
  if (t != DType::f32 && t != DType::u8 && t != DType::i8)
    ctx.fail(std::string("only f32, u8 and i8 are supported, input is ") + dtype_name(t));
  if (ctx.has_output(1)) ctx.fail("the Indices output is not supported");
  const int64_t storage_order = ctx.attrs().get_int("storage_order", 0);
  if (storage_order != 0 && storage_order != 1)
    ctx.fail("storage_order must be 0 or 1, got " + std::to_string(storage_order));
  set_pool_output(ctx, probe_pool_desc(ctx), t);
}

void infer_average_pool(InferContext& ctx) {
  require_f32_inputs(ctx);
  set_pool_output(ctx, probe_pool_desc(ctx), DType::f32);
}

// One comparison or addition per window element.
int64_t pool_flops(const InferContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  for (int64_t d : x)
    if (d < 0) return 0;
  try {
    const PoolDesc d = pool_desc_from_attrs(ctx.attrs(), x);
    return flop_product({d.batch, d.channels, d.out_spatial(), d.kernel_spatial()});
  } catch (const Error&) {
    return 0;
  }
}

void infer_global_pool(InferContext& ctx) {
  require_f32_inputs(ctx);
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 3) ctx.fail("input must have rank 3 or more (N, C, spatial...), got shape " + shape_to_string(x));
  Shape y(x.size(), 1);
  y[0] = x[0];
  y[1] = x[1];
  ctx.set_output(0, DType::f32, std::move(y));
}

int64_t global_pool_flops(const InferContext& ctx) { return flop_numel(ctx.input_shape(0)); }

OpSchema make_schema(const char* op_type, int max_outputs, void (*infer)(InferContext&),
                     int64_t (*flops)(const InferContext&)) {
  OpSchema s;
  s.op_type = op_type;
  s.min_inputs = s.max_inputs = 1;
  s.min_outputs = 1;
  s.max_outputs = max_outputs;
  s.infer = infer;
  s.flops = flops;
  return s;
}

}  // namespace

void add_pool_schemas(std::vector<OpSchema>& out) {
  // MaxPool declares an optional Indices output so models listing it get a clear message.
  out.push_back(make_schema("MaxPool", 2, infer_max_pool, pool_flops));
  out.push_back(make_schema("AveragePool", 1, infer_average_pool, pool_flops));
  out.push_back(make_schema("GlobalAveragePool", 1, infer_global_pool, global_pool_flops));
  out.push_back(make_schema("GlobalMaxPool", 1, infer_global_pool, global_pool_flops));
}

}  // namespace castnet::ir::schemas
