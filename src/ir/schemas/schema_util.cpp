#include "ir/schemas/schema_util.h"

#include <algorithm>

namespace castnet::ir::schemas {

bool is_concrete(const Shape& shape) {
  return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
}

bool foldable(const Shape& shape) {
  if (!is_concrete(shape)) return false;
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d > kMaxFoldElements) return false;
    n *= d;
    if (n > kMaxFoldElements) return false;
  }
  return true;
}

Shape unknown_shape(size_t rank) { return Shape(rank, -1); }

const Tensor* constant_parameter(const InferContext& ctx, size_t i, const std::string& name) {
  if (const Tensor* t = ctx.constant_input(i)) return t;
  for (size_t k = 0; k < ctx.num_inputs(); ++k)
    if (ctx.has_input(k) && !is_concrete(ctx.input_shape(k))) return nullptr;
  ctx.fail(name + " must be constant (known at load time)");
}

const Shape& output_shape(const InferContext& ctx, size_t i) {
  return const_cast<InferContext&>(ctx).output(i).shape;
}

int64_t output_elements(const InferContext& ctx) {
  const Shape& s = output_shape(ctx, 0);
  return is_concrete(s) ? shape_numel(s) : 0;
}

void require_dtype(const InferContext& ctx, size_t i, std::initializer_list<DType> allowed) {
  const DType t = ctx.input(i).dtype;
  if (std::find(allowed.begin(), allowed.end(), t) != allowed.end()) return;
  std::string list;
  for (DType a : allowed) list += std::string(list.empty() ? "" : ", ") + dtype_name(a);
  ctx.fail("input " + std::to_string(i) + " has dtype " + dtype_name(t) + ", expected one of " + list);
}

}  // namespace castnet::ir::schemas
