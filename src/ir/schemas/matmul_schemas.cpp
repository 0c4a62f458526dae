// Gemm: Y = alpha * op(A) @ op(B) + beta * C, A and B 2-d, C unidirectionally broadcastable to
// (M, N). MatMul: numpy matmul (1-d operands, broadcast batch axes).
#include "ir/schemas/compute_schema_util.h"
#include "ir/schemas/schema_families.h"

#include <algorithm>

namespace castnet::ir::schemas {

namespace {

bool read_flag(InferContext& ctx, const char* name) {
  const int64_t v = ctx.attrs().get_int(name, 0);
  if (v != 0 && v != 1) ctx.fail(std::string(name) + " must be 0 or 1, got " + std::to_string(v));
  return v == 1;
}

// Two dimensions that must agree; -1 (unknown) agrees with anything.
bool dims_agree(int64_t a, int64_t b) { return a < 0 || b < 0 || a == b; }

void infer_gemm(InferContext& ctx) {
  require_f32_inputs(ctx);
  const bool trans_a = read_flag(ctx, "transA"), trans_b = read_flag(ctx, "transB");
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.size() != 2 || b.size() != 2)
    ctx.fail("A and B must be 2-d, got " + shape_to_string(a) + " and " + shape_to_string(b));
  const int64_t m = trans_a ? a[1] : a[0], k = trans_a ? a[0] : a[1];
  const int64_t kb = trans_b ? b[1] : b[0], n = trans_b ? b[0] : b[1];
  if (!dims_agree(k, kb))
    ctx.fail("inner dimensions differ: A " + shape_to_string(a) + (trans_a ? " (transposed)" : "") + ", B " +
             shape_to_string(b) + (trans_b ? " (transposed)" : ""));
  if (ctx.has_input(2)) {
    // Unidirectional broadcast: C's axes, right-aligned to (M, N), are each 1 or the full size.
    const Shape& c = ctx.input_shape(2);
    bool ok = c.size() <= 2;
    if (ok && c.size() == 2) ok = (c[0] == 1 || dims_agree(c[0], m)) && (c[1] == 1 || dims_agree(c[1], n));
    if (ok && c.size() == 1) ok = c[0] == 1 || dims_agree(c[0], n);
    if (!ok)
      ctx.fail("C shape " + shape_to_string(c) + " does not broadcast to (" + std::to_string(m) + ", " +
               std::to_string(n) + ")");
  }
  ctx.set_output(0, DType::f32, {m, n});
}

int64_t gemm_flops(const InferContext& ctx) {
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  if (a.size() != 2 || b.size() != 2) return 0;
  const bool trans_a = ctx.attrs().get_int("transA", 0) != 0, trans_b = ctx.attrs().get_int("transB", 0) != 0;
  const int64_t m = trans_a ? a[1] : a[0], k = trans_a ? a[0] : a[1], n = trans_b ? b[0] : b[1];
  return 2 * flop_product({m, n, k}) + (ctx.has_input(2) ? flop_product({m, n}) : 0);
}

// numpy matmul's output shape; returns false with `why` set when the shapes do not fit.
bool matmul_output_shape(const Shape& a, const Shape& b, Shape& y, std::string& why) {
  if (a.empty() || b.empty()) {
    why = "operands must have rank 1 or more";
    return false;
  }
  const Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  const Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  if (!dims_agree(a2.back(), b2[b2.size() - 2])) {
    why = "inner dimensions differ: " + shape_to_string(a) + " @ " + shape_to_string(b);
    return false;
  }
  // Batch axes broadcast numpy-style, right-aligned; an unknown axis against 1 stays unknown.
  const size_t a_batch = a2.size() - 2, b_batch = b2.size() - 2, rank = std::max(a_batch, b_batch);
  y.clear();
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i + a_batch >= rank ? a2[i + a_batch - rank] : 1;
    const int64_t db = i + b_batch >= rank ? b2[i + b_batch - rank] : 1;
    if (da == 1) y.push_back(db);
    else if (db == 1) y.push_back(da);
    else if (da < 0 || db < 0) y.push_back(da < 0 ? db : da);  // the known one, if any, must win
    else if (da == db) y.push_back(da);
    else {
      why = "batch dimensions do not broadcast: " + shape_to_string(a) + " @ " + shape_to_string(b);
      return false;
    }
  }
  if (a.size() > 1) y.push_back(a2[a2.size() - 2]);
  if (b.size() > 1) y.push_back(b2.back());
  return true;
}

void infer_matmul(InferContext& ctx) {
  require_f32_inputs(ctx);
  Shape y;
  std::string why;
  if (!matmul_output_shape(ctx.input_shape(0), ctx.input_shape(1), y, why)) ctx.fail(why);
  ctx.set_output(0, DType::f32, std::move(y));
}

int64_t matmul_flops(const InferContext& ctx) {
  Shape y;
  std::string why;
  if (!matmul_output_shape(ctx.input_shape(0), ctx.input_shape(1), y, why)) return 0;
  // Each output element is a K-long dot product.
  return 2 * flop_product({flop_numel(y), ctx.input_shape(0).back()});
}

}  // namespace

void add_matmul_schemas(std::vector<OpSchema>& out) {
  OpSchema gemm;
  gemm.op_type = "Gemm";
  gemm.min_inputs = 2;
  gemm.max_inputs = 3;
  gemm.infer = infer_gemm;
  gemm.flops = gemm_flops;
  out.push_back(std::move(gemm));

  OpSchema matmul;
  matmul.op_type = "MatMul";
  matmul.min_inputs = matmul.max_inputs = 2;
  matmul.infer = infer_matmul;
  matmul.flops = matmul_flops;
  out.push_back(std::move(matmul));
}

}  // namespace castnet::ir::schemas
