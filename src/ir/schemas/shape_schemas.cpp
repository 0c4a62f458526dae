// The shape-computing ops exporters emit in front of Reshape (Shape -> Gather -> Unsqueeze ->
// Concat, Slice, Cast, ConstantOfShape), plus Squeeze. Each folds at load time when its inputs
// are constant (Shape: when the dimensions it reports are known), so by the time kernels are
// chosen these chains are usually gone. They still run as ordinary kernels when they are not.
#include "ir/schemas/schema_families.h"

#include <castnet/error.h>

#include "core/data_movement.h"
#include "core/dtype_convert.h"
#include "ir/schemas/schema_util.h"
#include "ir/shape_rules.h"

#include <algorithm>
#include <cstring>

namespace castnet::ir::schemas {
namespace {

// ---- Shape -----------------------------------------------------------------------------------

OpSchema shape_schema() {
  OpSchema s;
  s.op_type = "Shape";
  s.infer = [](InferContext& ctx) {
    auto [start, end] = shape_window(ctx.attrs(), static_cast<int64_t>(ctx.input_shape(0).size()));
    ctx.set_output(0, DType::i64, {end - start});
  };
  // Called whether or not the input is constant: only its dimensions matter.
  s.fold = [](InferContext& ctx) {
    const Shape& in = ctx.input_shape(0);
    auto [start, end] = shape_window(ctx.attrs(), static_cast<int64_t>(in.size()));
    Shape dims(in.begin() + start, in.begin() + end);
    if (!is_concrete(dims)) return;
    ctx.set_output_constant(0, Tensor::from_vector<int64_t>({end - start}, dims));
  };
  return s;
}

// ---- Gather ----------------------------------------------------------------------------------

OpSchema gather_schema() {
  OpSchema s;
  s.op_type = "Gather";
  s.min_inputs = s.max_inputs = 2;
  s.infer = [](InferContext& ctx) {
    const Shape& data = ctx.input_shape(0);
    const Shape& indices = ctx.input_shape(1);
    require_dtype(ctx, 1, {DType::i64, DType::i32});
    if (data.empty()) ctx.fail("data must have at least one dimension");
    const auto axis = static_cast<size_t>(normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(data.size())));
    Shape out(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(axis));
    out.insert(out.end(), indices.begin(), indices.end());
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.end());
    ctx.set_output(0, ctx.input(0).dtype, out);
  };
  s.fold = [](InferContext& ctx) {
    const Shape out_shape = ctx.output(0).shape;
    if (!foldable(out_shape)) return;
    const Tensor& data = *ctx.constant_input(0);
    const Tensor& indices = *ctx.constant_input(1);
    const auto axis = static_cast<size_t>(normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(data.shape().size())));
    Tensor out(data.dtype(), out_shape);
    gather_elements(data.data(), data.shape(), axis, indices.data(), indices.dtype(), indices.numel(),
                    dtype_size(data.dtype()), out.data());
    ctx.set_output_constant(0, std::move(out));
  };
  return s;
}

// ---- Unsqueeze, Squeeze ----------------------------------------------------------------------

// The axes of (Un)Squeeze: an attribute before opset 13, the optional input 1 from 13 on.
// Returns false when the input is given but not yet constant.
bool squeeze_axes(const InferContext& ctx, std::vector<int64_t>& axes, bool& given) {
  if (ctx.opset() < 13) {
    if (ctx.num_inputs() > 1) ctx.fail("axes is an attribute before opset 13");
    given = ctx.attrs().has("axes");
    axes = ctx.attrs().get_ints("axes");
    return true;
  }
  given = ctx.has_input(1);
  if (!given) return true;
  const Tensor* t = constant_parameter(ctx, 1, "axes");
  if (!t) return false;
  axes = int_values(*t);
  return true;
}

// The number of axes of a pending axes input, from its shape.
size_t pending_axes_count(const InferContext& ctx) {
  const Shape& s = ctx.input_shape(1);
  if (s.size() != 1 || s[0] < 0) ctx.fail("axes must be constant (known at load time)");
  return static_cast<size_t>(s[0]);
}

OpSchema unsqueeze_schema() {
  OpSchema s;
  s.op_type = "Unsqueeze";
  s.max_inputs = 2;
  s.infer = [](InferContext& ctx) {
    const Shape& in = ctx.input_shape(0);
    std::vector<int64_t> axes;
    bool given = false;
    if (!squeeze_axes(ctx, axes, given)) {
      ctx.set_output(0, ctx.input(0).dtype, unknown_shape(in.size() + pending_axes_count(ctx)));
      return;
    }
    if (!given) ctx.fail("axes are required");
    const auto out_rank = static_cast<int64_t>(in.size() + axes.size());
    std::vector<char> inserted(static_cast<size_t>(out_rank), 0);
    for (int64_t a : axes) {
      const auto k = static_cast<size_t>(normalize_axis(a, out_rank));
      if (inserted[k]) ctx.fail("axis " + std::to_string(a) + " appears twice");
      inserted[k] = 1;
    }
    Shape out;
    auto next = in.begin();
    for (char is_new : inserted) out.push_back(is_new ? 1 : *next++);
    ctx.set_output(0, ctx.input(0).dtype, out);
  };
  s.fold = [](InferContext& ctx) {
    const Shape out_shape = ctx.output(0).shape;
    if (is_concrete(out_shape)) ctx.set_output_constant(0, ctx.constant_input(0)->reshaped(out_shape));
  };
  return s;
}

OpSchema squeeze_schema() {
  OpSchema s;
  s.op_type = "Squeeze";
  s.max_inputs = 2;
  s.infer = [](InferContext& ctx) {
    const Shape& in = ctx.input_shape(0);
    std::vector<int64_t> axes;
    bool given = false;
    if (!squeeze_axes(ctx, axes, given)) {
      const size_t n = pending_axes_count(ctx);
      if (n > in.size()) ctx.fail("more axes than input dimensions");
      ctx.set_output(0, ctx.input(0).dtype, unknown_shape(in.size() - n));
      return;
    }
    std::vector<char> removed(in.size(), 0);
    if (!given) {
      // Every dimension of size 1; an unknown one is assumed not to be 1 (a symbolic batch).
      for (size_t d = 0; d < in.size(); ++d) removed[d] = in[d] == 1;
    }
    for (int64_t a : axes) {
      const auto d = static_cast<size_t>(normalize_axis(a, static_cast<int64_t>(in.size())));
      if (removed[d]) ctx.fail("axis " + std::to_string(a) + " appears twice");
      if (in[d] >= 0 && in[d] != 1)
        ctx.fail("cannot squeeze dimension " + std::to_string(d) + " of size " + std::to_string(in[d]));
      removed[d] = 1;
    }
    Shape out;
    for (size_t d = 0; d < in.size(); ++d)
      if (!removed[d]) out.push_back(in[d]);
    ctx.set_output(0, ctx.input(0).dtype, out);
  };
  s.fold = [](InferContext& ctx) {
    const Shape out_shape = ctx.output(0).shape;
    if (is_concrete(out_shape)) ctx.set_output_constant(0, ctx.constant_input(0)->reshaped(out_shape));
  };
  return s;
}

// ---- Slice -----------------------------------------------------------------------------------

// Slice's ranges from its constant starts/ends/axes/steps inputs (opset 10+); false while one of
// them is still pending.
bool slice_ranges(const InferContext& ctx, SliceRanges& ranges) {
  if (ctx.opset() < 10) ctx.fail("Slice before opset 10 is unsupported");
  static const char* const names[] = {"", "starts", "ends", "axes", "steps"};
  std::vector<int64_t> params[5];
  for (size_t i = 1; i < 5; ++i) {
    if (!ctx.has_input(i)) continue;
    require_dtype(ctx, i, {DType::i64, DType::i32});
    const Tensor* t = constant_parameter(ctx, i, names[i]);
    if (!t) return false;
    if (t->shape().size() != 1) ctx.fail(std::string(names[i]) + " must be 1-d");
    params[i] = int_values(*t);
  }
  ranges = resolve_slice(ctx.input_shape(0), params[1], params[2], params[3], params[4]);
  return true;
}

OpSchema slice_schema() {
  OpSchema s;
  s.op_type = "Slice";
  s.min_inputs = 3;
  s.max_inputs = 5;
  s.infer = [](InferContext& ctx) {
    SliceRanges ranges;
    if (!slice_ranges(ctx, ranges)) {
      ctx.set_output(0, ctx.input(0).dtype, unknown_shape(ctx.input_shape(0).size()));
      return;
    }
    ctx.set_output(0, ctx.input(0).dtype, ranges.out_shape);
  };
  s.fold = [](InferContext& ctx) {
    SliceRanges ranges;
    if (!slice_ranges(ctx, ranges) || !foldable(ranges.out_shape)) return;
    const Tensor& in = *ctx.constant_input(0);
    Tensor out(in.dtype(), ranges.out_shape);
    slice_elements(in.data(), in.shape(), ranges.starts, ranges.steps, ranges.out_shape, dtype_size(in.dtype()),
                   out.data());
    ctx.set_output_constant(0, std::move(out));
  };
  return s;
}

// ---- Cast ------------------------------------------------------------------------------------

// ONNX TensorProto.DataType codes castnet can cast to.
DType cast_target(const InferContext& ctx) {
  if (!ctx.attrs().has("to")) ctx.fail("attribute 'to' is required");
  const int64_t to = ctx.attrs().get_int("to", 0);
  switch (to) {
    case 1: return DType::f32;
    case 2: return DType::u8;
    case 3: return DType::i8;
    case 6: return DType::i32;
    case 7: return DType::i64;
    case 9: return DType::boolean;
    case 10: return DType::f16;
    case 16: return DType::bf16;
    default: break;
  }
  ctx.fail("cast to ONNX data type " + std::to_string(to) + " is unsupported (f32, f16, bf16, u8, i8, i32, i64, bool only)");
}

OpSchema cast_schema() {
  OpSchema s;
  s.op_type = "Cast";
  s.infer = [](InferContext& ctx) {
    const DType from = ctx.input(0).dtype;
    if (!convert_supported(from)) ctx.fail(std::string("cast from ") + dtype_name(from) + " is unsupported");
    ctx.set_output(0, cast_target(ctx), ctx.input_shape(0));
  };
  s.fold = [](InferContext& ctx) {
    const Tensor& in = *ctx.constant_input(0);
    if (!foldable(in.shape())) return;
    Tensor out(cast_target(ctx), in.shape());
    convert_elements(in.data(), in.dtype(), out.data(), out.dtype(), in.numel());
    ctx.set_output_constant(0, std::move(out));
  };
  return s;
}

// ---- ConstantOfShape -------------------------------------------------------------------------

// The fill value: a one-element tensor attribute, f32 0 by default.
Tensor fill_value(const InferContext& ctx) {
  std::shared_ptr<const Tensor> v = ctx.attrs().get_tensor("value");
  if (!v) return Tensor::from_vector<float>({1}, {0.f});
  if (v->numel() != 1) ctx.fail("value must hold exactly one element");
  if (!convert_supported(v->dtype())) ctx.fail(std::string("value of dtype ") + dtype_name(v->dtype()) + " is unsupported");
  return *v;
}

OpSchema constant_of_shape_schema() {
  OpSchema s;
  s.op_type = "ConstantOfShape";
  s.infer = [](InferContext& ctx) {
    require_dtype(ctx, 0, {DType::i64});
    const Shape& shape_shape = ctx.input_shape(0);
    if (shape_shape.size() != 1) ctx.fail("input must be 1-d, got " + shape_to_string(shape_shape));
    const DType dtype = fill_value(ctx).dtype();
    const Tensor* shape = ctx.constant_input(0);
    if (!shape) {
      // Its only input is a shape: left unknown until a session fixes the graph's input shapes.
      if (shape_shape[0] < 0) ctx.fail("input must be constant (known at load time)");
      ctx.set_output(0, dtype, unknown_shape(static_cast<size_t>(shape_shape[0])));
      return;
    }
    Shape out = int_values(*shape);
    for (int64_t d : out)
      if (d < 0) ctx.fail("negative dimension in shape " + shape_to_string(out));
    ctx.set_output(0, dtype, out);
  };
  s.fold = [](InferContext& ctx) {
    const Shape out_shape = ctx.output(0).shape;
    if (!foldable(out_shape)) return;
    const Tensor value = fill_value(ctx);
    Tensor out(value.dtype(), out_shape);
    const size_t es = dtype_size(value.dtype());
    auto* dst = static_cast<uint8_t*>(out.data());
    for (int64_t i = 0; i < out.numel(); ++i) std::memcpy(dst + static_cast<size_t>(i) * es, value.data(), es);
    ctx.set_output_constant(0, std::move(out));
  };
  return s;
}

}  // namespace

void add_shape_schemas(std::vector<OpSchema>& out) {
  out.push_back(shape_schema());
  out.push_back(gather_schema());
  out.push_back(unsqueeze_schema());
  out.push_back(squeeze_schema());
  out.push_back(slice_schema());
  out.push_back(cast_schema());
  out.push_back(constant_of_shape_schema());
}

}  // namespace castnet::ir::schemas
