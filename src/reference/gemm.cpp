#include "reference/gemm.h"

#include <castnet/error.h>

#include <algorithm>
#include <vector>

namespace castnet::reference {

namespace {
template <typename Fn>
void for_each_index(int64_t count, ThreadPool* pool, const Fn& fn) {
  auto range = [&](int64_t begin, int64_t end, int) {
    for (int64_t i = begin; i < end; ++i) fn(i);
  };
  if (pool) pool->parallel_for(count, range, 64);
  else range(0, count, 0);
}
}  // namespace

void gemm(const GemmDesc& d, const float* a, const float* b, const float* c, float* y, ThreadPool* pool) {
  for_each_index(d.m * d.n, pool, [&](int64_t index) {
    const int64_t i = index / d.n, j = index % d.n;
    double sum = 0.0;
    for (int64_t p = 0; p < d.k; ++p) {
      const double av = d.trans_a ? a[p * d.m + i] : a[i * d.k + p];
      const double bv = d.trans_b ? b[j * d.k + p] : b[p * d.n + j];
      sum += av * bv;
    }
    double v = static_cast<double>(d.alpha) * sum;
    if (c && d.beta != 0.f) {
      const int64_t ci = d.c_rows == 1 ? 0 : i, cj = d.c_cols == 1 ? 0 : j;
      v += static_cast<double>(d.beta) * c[ci * d.c_cols + cj];
    }
    y[index] = static_cast<float>(v);
  });
}

namespace {
// The operands as matrices with batch axes: a 1-d A becomes [1, K], a 1-d B becomes [K, 1].
struct MatMulGeometry {
  Shape batch;               // broadcast batch shape
  Shape a_batch, b_batch;    // each operand's batch axes, left-padded with 1 to batch.size()
  int64_t m = 0, k = 0, n = 0;
  Shape output;
};

MatMulGeometry matmul_geometry(const Shape& a, const Shape& b) {
  if (a.empty() || b.empty()) throw Error("MatMul operands must have rank 1 or more");
  for (int64_t d : a)
    if (d < 0) throw Error("MatMul operand shape " + shape_to_string(a) + " is not concrete");
  for (int64_t d : b)
    if (d < 0) throw Error("MatMul operand shape " + shape_to_string(b) + " is not concrete");
  const Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
  const Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
  MatMulGeometry g;
  g.m = a2[a2.size() - 2];
  g.k = a2.back();
  g.n = b2.back();
  if (b2[b2.size() - 2] != g.k)
    throw Error("MatMul inner dimensions differ: " + shape_to_string(a) + " @ " + shape_to_string(b));
  const size_t batch_rank = std::max(a2.size(), b2.size()) - 2;
  g.a_batch.assign(batch_rank, 1);
  g.b_batch.assign(batch_rank, 1);
  std::copy(a2.begin(), a2.end() - 2, g.a_batch.end() - static_cast<std::ptrdiff_t>(a2.size() - 2));
  std::copy(b2.begin(), b2.end() - 2, g.b_batch.end() - static_cast<std::ptrdiff_t>(b2.size() - 2));
  for (size_t i = 0; i < batch_rank; ++i) {
    const int64_t x = g.a_batch[i], y = g.b_batch[i];
    if (x != y && x != 1 && y != 1)
      throw Error("MatMul batch dimensions do not broadcast: " + shape_to_string(a) + " @ " + shape_to_string(b));
    g.batch.push_back(x == 1 ? y : x);
  }
  g.output = g.batch;
  if (a.size() > 1) g.output.push_back(g.m);
  if (b.size() > 1) g.output.push_back(g.n);
  return g;
}
}  // namespace

Shape matmul_output_shape(const Shape& a, const Shape& b) { return matmul_geometry(a, b).output; }

void matmul(const Shape& a_shape, const float* a, const Shape& b_shape, const float* b, float* y, ThreadPool* pool) {
  const MatMulGeometry g = matmul_geometry(a_shape, b_shape);
  const int64_t batches = shape_numel(g.batch);
  // Matrix offset of each operand for each output batch index (broadcast axes repeat a matrix).
  std::vector<int64_t> a_offset(static_cast<size_t>(batches)), b_offset(static_cast<size_t>(batches));
  for (int64_t index = 0; index < batches; ++index) {
    int64_t rest = index, a_stride = 1, b_stride = 1, a_mat = 0, b_mat = 0;
    for (size_t i = g.batch.size(); i-- > 0;) {
      const int64_t coord = rest % g.batch[i];
      rest /= g.batch[i];
      if (g.a_batch[i] != 1) a_mat += coord * a_stride;
      if (g.b_batch[i] != 1) b_mat += coord * b_stride;
      a_stride *= g.a_batch[i];
      b_stride *= g.b_batch[i];
    }
    a_offset[static_cast<size_t>(index)] = a_mat * g.m * g.k;
    b_offset[static_cast<size_t>(index)] = b_mat * g.k * g.n;
  }
  for_each_index(batches * g.m * g.n, pool, [&](int64_t index) {
    const int64_t batch = index / (g.m * g.n), i = index / g.n % g.m, j = index % g.n;
    const float* a_mat = a + a_offset[static_cast<size_t>(batch)];
    const float* b_mat = b + b_offset[static_cast<size_t>(batch)];
    double sum = 0.0;
    for (int64_t p = 0; p < g.k; ++p) sum += static_cast<double>(a_mat[i * g.k + p]) * b_mat[p * g.n + j];
    y[index] = static_cast<float>(sum);
  });
}

}  // namespace castnet::reference
