// Tensor reshaping and assembly: Flatten, Reshape, Transpose, Concat, Pad, Identity, Dropout
// (inference only) and Constant. None computes anything, so none costs FLOPs. The ones that only
// relabel a constant fold for free (the folded tensor shares its storage); Transpose and Concat
// fold when their output is small.
#include "ir/schemas/schema_families.h"

#include <castnet/error.h>

#include "core/data_movement.h"
#include "ir/schemas/schema_util.h"
#include "ir/shape_rules.h"

#include <cstring>
#include <limits>

namespace castnet::ir::schemas {
namespace {

// Product of dimensions, unknown (-1) if any is unknown.
int64_t product_or_unknown(Shape::const_iterator begin, Shape::const_iterator end) {
  Shape part(begin, end);
  return is_concrete(part) ? shape_numel(part) : -1;
}

// Folds a node whose output 0 is its input 0 under another shape.
void fold_relabel(InferContext& ctx) {
  const Shape out_shape = ctx.output(0).shape;
  if (!is_concrete(out_shape)) return;
  ctx.set_output_constant(0, ctx.constant_input(0)->reshaped(out_shape));
}

// ---- Flatten ---------------------------------------------------------------------------------

OpSchema flatten_schema() {
  OpSchema s;
  s.op_type = "Flatten";
  s.infer = [](InferContext& ctx) {
    const Shape& in = ctx.input_shape(0);
    const int64_t axis = normalize_axis(ctx.attrs().get_int("axis", 1), static_cast<int64_t>(in.size()), true);
    ctx.set_output(0, ctx.input(0).dtype,
                   {product_or_unknown(in.begin(), in.begin() + axis), product_or_unknown(in.begin() + axis, in.end())});
  };
  s.fold = fold_relabel;
  return s;
}

// ---- Reshape ---------------------------------------------------------------------------------

// ONNX Reshape's target resolution: 0 copies the input's dimension at that position (unless
// allowzero), a single -1 takes whatever is left. Unknown input dimensions leave what depends on
// them unknown.
Shape resolve_reshape(const InferContext& ctx, const Shape& in, const std::vector<int64_t>& target, bool allowzero) {
  Shape out(target.size());
  int64_t infer_at = -1;
  bool has_zero = false;
  for (size_t i = 0; i < target.size(); ++i) {
    const int64_t t = target[i];
    if (t == -1) {
      if (infer_at >= 0) ctx.fail("shape " + shape_to_string(target) + " has more than one -1");
      infer_at = static_cast<int64_t>(i);
    } else if (t < -1) {
      ctx.fail("shape has an invalid dimension " + std::to_string(t));
    } else if (t == 0 && !allowzero) {
      if (i >= in.size())
        ctx.fail("shape has 0 at position " + std::to_string(i) + " but the input has rank " + std::to_string(in.size()));
      out[i] = in[i];
    } else {
      has_zero = has_zero || t == 0;
      out[i] = t;
    }
  }
  if (allowzero && has_zero && infer_at >= 0) ctx.fail("with allowzero, shape may not hold both 0 and -1");
  const bool in_known = is_concrete(in);
  const int64_t in_numel = in_known ? shape_numel(in) : -1;
  if (infer_at >= 0) {
    Shape others = out;
    others.erase(others.begin() + infer_at);
    if (!in_known || !is_concrete(others)) {
      out[static_cast<size_t>(infer_at)] = -1;
      return out;
    }
    const int64_t rest = shape_numel(others);
    if (rest == 0 || in_numel % rest != 0)
      ctx.fail("cannot reshape " + shape_to_string(in) + " to " + shape_to_string(target));
    out[static_cast<size_t>(infer_at)] = in_numel / rest;
  } else if (in_known && is_concrete(out) && shape_numel(out) != in_numel) {
    ctx.fail("cannot reshape " + shape_to_string(in) + " (" + std::to_string(in_numel) + " elements) to " +
             shape_to_string(out));
  }
  return out;
}

OpSchema reshape_schema() {
  OpSchema s;
  s.op_type = "Reshape";
  s.min_inputs = s.max_inputs = 2;
  s.infer = [](InferContext& ctx) {
    const Shape& shape_shape = ctx.input_shape(1);
    if (shape_shape.size() != 1) ctx.fail("shape must be 1-d, got " + shape_to_string(shape_shape));
    const bool allowzero = ctx.attrs().get_int("allowzero", 0) != 0;
    const Tensor* target = constant_parameter(ctx, 1, "Reshape shape");
    if (!target) {
      if (shape_shape[0] < 0) ctx.fail("Reshape shape must be constant (known at load time)");
      ctx.set_output(0, ctx.input(0).dtype, unknown_shape(static_cast<size_t>(shape_shape[0])));
      return;
    }
    if (target->dtype() != DType::i64) ctx.fail("shape must be i64");
    ctx.set_output(0, ctx.input(0).dtype, resolve_reshape(ctx, ctx.input_shape(0), int_values(*target), allowzero));
  };
  s.fold = fold_relabel;
  return s;
}

// ---- Transpose -------------------------------------------------------------------------------

OpSchema transpose_schema() {
  OpSchema s;
  s.op_type = "Transpose";
  s.infer = [](InferContext& ctx) {
    const Shape& in = ctx.input_shape(0);
    const std::vector<int64_t> perm = transpose_perm(ctx.attrs(), in.size());
    Shape out(in.size());
    for (size_t k = 0; k < in.size(); ++k) out[k] = in[static_cast<size_t>(perm[k])];
    ctx.set_output(0, ctx.input(0).dtype, out);
  };
  s.fold = [](InferContext& ctx) {
    const Tensor& in = *ctx.constant_input(0);
    if (!foldable(in.shape())) return;
    Tensor out(in.dtype(), ctx.output(0).shape);
    transpose_elements(in.data(), in.shape(), transpose_perm(ctx.attrs(), in.shape().size()),
                       dtype_size(in.dtype()), out.data());
    ctx.set_output_constant(0, std::move(out));
  };
  return s;
}

// ---- Concat ----------------------------------------------------------------------------------

int64_t concat_axis(const InferContext& ctx, size_t rank) {
  if (!ctx.attrs().has("axis")) ctx.fail("attribute 'axis' is required");
  return normalize_axis(ctx.attrs().get_int("axis", 0), static_cast<int64_t>(rank));
}

OpSchema concat_schema() {
  OpSchema s;
  s.op_type = "Concat";
  s.max_inputs = std::numeric_limits<int>::max();
  s.infer = [](InferContext& ctx) {
    const Shape& first = ctx.input_shape(0);
    const DType dtype = ctx.input(0).dtype;
    if (first.empty()) ctx.fail("inputs must have at least one dimension");
    const auto axis = static_cast<size_t>(concat_axis(ctx, first.size()));
    Shape out = first;
    for (size_t i = 1; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) ctx.fail("input " + std::to_string(i) + " is missing");
      const Shape& s = ctx.input_shape(i);
      if (ctx.input(i).dtype != dtype)
        ctx.fail(std::string("inputs differ in dtype: ") + dtype_name(dtype) + " and " + dtype_name(ctx.input(i).dtype));
      if (s.size() != first.size())
        ctx.fail("inputs differ in rank: " + shape_to_string(first) + " and " + shape_to_string(s));
      for (size_t d = 0; d < s.size(); ++d) {
        if (d == axis) {
          out[d] = out[d] < 0 || s[d] < 0 ? -1 : out[d] + s[d];
        } else if (out[d] < 0) {
          out[d] = s[d];
        } else if (s[d] >= 0 && s[d] != out[d]) {
          ctx.fail("inputs differ outside the axis: " + shape_to_string(first) + " and " + shape_to_string(s));
        }
      }
    }
    ctx.set_output(0, dtype, out);
  };
  s.fold = [](InferContext& ctx) {
    const Shape out_shape = ctx.output(0).shape;
    if (!foldable(out_shape)) return;
    std::vector<const void*> data;
    std::vector<Shape> shapes;
    for (size_t i = 0; i < ctx.num_inputs(); ++i) {
      data.push_back(ctx.constant_input(i)->data());
      shapes.push_back(ctx.constant_input(i)->shape());
    }
    Tensor out(ctx.input(0).dtype, out_shape);
    concat_elements(data, shapes, static_cast<size_t>(concat_axis(ctx, out_shape.size())), dtype_size(out.dtype()),
                    out.data());
    ctx.set_output_constant(0, std::move(out));
  };
  return s;
}

// ---- Pad -------------------------------------------------------------------------------------

OpSchema pad_schema() {
  OpSchema s;
  s.op_type = "Pad";
  s.max_inputs = 3;
  s.infer = [](InferContext& ctx) {
    const std::string mode = ctx.attrs().get_string("mode", "constant");
    if (mode != "constant") ctx.fail("mode '" + mode + "' is unsupported (only 'constant')");
    const Shape& in = ctx.input_shape(0);
    const DType dtype = ctx.input(0).dtype;
    std::vector<int64_t> pads;
    if (ctx.opset() < 11) {
      if (ctx.num_inputs() > 1) ctx.fail("pads is an attribute before opset 11");
      if (dtype != DType::f32) ctx.fail("Pad before opset 11 supports f32 only");
      if (!ctx.attrs().has("pads")) ctx.fail("attribute 'pads' is required");
      pads = ctx.attrs().get_ints("pads");
      (void)ctx.attrs().get_float("value", 0.f);
    } else {
      if (!ctx.has_input(1)) ctx.fail("input 'pads' is required");
      if (ctx.has_input(2)) {
        if (ctx.input(2).dtype != dtype) ctx.fail("constant_value differs in dtype from the data");
        const Shape& vs = ctx.input_shape(2);
        if (is_concrete(vs) && shape_numel(vs) != 1) ctx.fail("constant_value must be a scalar");
      }
      const Tensor* t = constant_parameter(ctx, 1, "pads");
      if (!t) {
        ctx.set_output(0, dtype, unknown_shape(in.size()));
        return;
      }
      pads = int_values(*t);
    }
    if (pads.size() != 2 * in.size())
      ctx.fail("pads has " + std::to_string(pads.size()) + " values for an input of rank " + std::to_string(in.size()));
    Shape out(in.size());
    for (size_t d = 0; d < in.size(); ++d) {
      if (in[d] < 0) {
        out[d] = -1;
        continue;
      }
      int64_t v = 0;
      if (__builtin_add_overflow(in[d], pads[d], &v) || __builtin_add_overflow(v, pads[d + in.size()], &v) || v < 0)
        ctx.fail("pads " + std::to_string(pads[d]) + ", " + std::to_string(pads[d + in.size()]) +
                 " make dimension " + std::to_string(d) + " negative");
      out[d] = v;
    }
    ctx.set_output(0, dtype, out);
  };
  return s;
}

// ---- Identity, Dropout -------------------------------------------------------------------------

OpSchema identity_schema() {
  OpSchema s;
  s.op_type = "Identity";
  s.infer = [](InferContext& ctx) { ctx.set_output(0, ctx.input(0).dtype, ctx.input_shape(0)); };
  s.fold = fold_relabel;
  return s;
}

OpSchema dropout_schema() {
  OpSchema s;
  s.op_type = "Dropout";
  s.max_inputs = 3;
  s.max_outputs = 2;
  s.infer = [](InferContext& ctx) {
    if (ctx.has_input(2)) {
      const Tensor* training = ctx.constant_input(2);
      if (!training) ctx.fail("training_mode must be constant (castnet runs inference only)");
      if (training->dtype() != DType::boolean || training->numel() != 1) ctx.fail("training_mode must be a bool scalar");
      if (*training->data_as<uint8_t>() != 0) ctx.fail("training mode is unsupported (castnet runs inference only)");
    }
    if (ctx.has_input(1) && ctx.input(1).dtype != DType::f32) ctx.fail("ratio must be f32");
    ctx.set_output(0, ctx.input(0).dtype, ctx.input_shape(0));
    ctx.set_output(1, DType::boolean, ctx.input_shape(0));
  };
  s.fold = [](InferContext& ctx) {
    fold_relabel(ctx);
    const Shape shape = ctx.input_shape(0);
    if (ctx.has_output(1) && foldable(shape)) {
      Tensor mask(DType::boolean, shape);
      std::memset(mask.data(), 1, mask.nbytes());
      ctx.set_output_constant(1, std::move(mask));
    }
  };
  return s;
}

// ---- Constant --------------------------------------------------------------------------------

Tensor constant_value(const InferContext& ctx) {
  const Attributes& a = ctx.attrs();
  if (a.has("sparse_value")) ctx.fail("sparse_value is unsupported");
  if (a.has("value_string") || a.has("value_strings")) ctx.fail("string constants are unsupported");
  int given = 0;
  for (const char* name : {"value", "value_float", "value_floats", "value_int", "value_ints"}) given += a.has(name);
  if (given != 1) ctx.fail("needs exactly one of value, value_float(s), value_int(s)");
  if (a.has("value")) {
    std::shared_ptr<const Tensor> t = a.get_tensor("value");
    if (!t) ctx.fail("attribute 'value' holds no tensor");
    return *t;
  }
  if (a.has("value_float")) return Tensor::from_vector<float>({}, {a.get_float("value_float", 0.f)});
  if (a.has("value_int")) return Tensor::from_vector<int64_t>({}, {a.get_int("value_int", 0)});
  if (a.has("value_floats")) {
    std::vector<float> v = a.get_floats("value_floats");
    return Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v);
  }
  std::vector<int64_t> v = a.get_ints("value_ints");
  return Tensor::from_vector<int64_t>({static_cast<int64_t>(v.size())}, v);
}

OpSchema constant_schema() {
  OpSchema s;
  s.op_type = "Constant";
  s.min_inputs = s.max_inputs = 0;
  // No inputs, so infer_shapes never calls fold: the value is set here.
  s.infer = [](InferContext& ctx) { ctx.set_output_constant(0, constant_value(ctx)); };
  return s;
}

}  // namespace

void add_tensor_schemas(std::vector<OpSchema>& out) {
  out.push_back(flatten_schema());
  out.push_back(reshape_schema());
  out.push_back(transpose_schema());
  out.push_back(concat_schema());
  out.push_back(pad_schema());
  out.push_back(identity_schema());
  out.push_back(dropout_schema());
  out.push_back(constant_schema());
}

}  // namespace castnet::ir::schemas
