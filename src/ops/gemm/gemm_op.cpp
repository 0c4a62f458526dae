// ONNX Gemm and MatMul, and castnet.FusedGemm (Gemm + activation), on the packed SGEMM driver.
//
// Gemm: Y = act(alpha · op(A) · op(B) + beta · C)
//   - A constant op(B) (a classifier's weights) is packed once, when the kernel is created; so is
//     a constant op(A) when B is not constant.
//   - C that varies along one axis only ([N], [1, N], [M, 1], a scalar) is the per-channel bias of
//     the driver's epilogue: beta · C, computed once when C is constant, per run otherwise (or C
//     itself when beta is 1). A full [M, N] C is copied into Y and accumulated by the driver with
//     beta. FusedGemm's activation runs in the same epilogue, on the tile still in registers.
// MatMul: numpy semantics. Broadcast batch axes become a list of GEMMs, one per output batch;
//   when B has no batch (every batch axis of B is 1), A's batches are rows of one tall GEMM. A
//   constant B (or A) is packed once per distinct batch matrix.
#include "ops/gemm/gemm_op.h"

#include <castnet/error.h>

#include "kernels/config/gemm_config.h"
#include "ops/gemm/sgemm.h"
#include "ops/reference/compute_kernel_util.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace castnet::ops {
namespace {

using kernels::GemmActivation;
using kernels::GemmChannelAxis;
using kernels::GemmEpilogue;
using kernels::SgemmConfig;
using reference_util::expect_arity;
using reference_util::expect_view;

size_t to_size(int64_t v) { return static_cast<size_t>(v); }

int planned_threads(const NodeDesc& node) {
  return node.ctx && node.ctx->pool ? std::max(node.ctx->pool->size(), 1) : 1;
}

// The pool a run may use: the one the workspace was sized for, else none (one thread).
ThreadPool* run_pool(const KernelArgs& args, int planned) {
  ThreadPool* pool = reference_util::pool_of(args);
  return pool && pool->size() <= planned ? pool : nullptr;
}

// The activation of a castnet.FusedGemm node in the epilogue's terms; none for Gemm. Attribute
// names are prefixed because Gemm's own alpha and beta are already taken.
GemmEpilogue fused_activation(const NodeDesc& node) {
  GemmEpilogue ep;
  if (node.op_type() != "FusedGemm") return ep;
  const ir::Attributes& at = node.attrs();
  const std::string act = at.get_string("activation", "");
  using A = GemmActivation;
  if (act.empty()) {
    ep.activation = A::none;
  } else if (act == "relu") {
    ep.activation = A::relu;
  } else if (act == "clip") {
    ep.activation = A::clip;
    ep.clip_min = at.get_float("activation_alpha", -3.4e38f);
    ep.clip_max = at.get_float("activation_beta", 3.4e38f);
  } else if (act == "leaky_relu") {
    ep.activation = A::leaky_relu;
    ep.leaky_alpha = at.get_float("activation_alpha", 0.01f);
  } else if (act == "hard_sigmoid") {
    ep.activation = A::hard_sigmoid;
    ep.hard_sigmoid_alpha = at.get_float("activation_alpha", 0.2f);
    ep.hard_sigmoid_beta = at.get_float("activation_beta", 0.5f);
  } else if (act == "hard_swish") {
    ep.activation = A::hard_swish;
  } else if (act == "sigmoid") {
    ep.activation = A::sigmoid;
  } else {
    throw Error("unknown fused activation '" + act + "'");
  }
  return ep;
}

// One GEMM call: the arguments, with op(A) or op(B) possibly taken from a pre-packed copy.
void run_sgemm(const SgemmConfig& cfg, const SgemmArgs& args, const SgemmPackedA* packed_a,
               const SgemmPackedB* packed_b, void* workspace, size_t workspace_bytes, ThreadPool* pool) {
  if (packed_b) sgemm(cfg, *packed_b, args, workspace, workspace_bytes, pool);
  else if (packed_a) sgemm(cfg, *packed_a, args, workspace, workspace_bytes, pool);
  else sgemm(cfg, args, workspace, workspace_bytes, pool);
}

// ---- Gemm ----------------------------------------------------------------------------------

class GemmKernel final : public OpKernel {
 public:
  explicit GemmKernel(const NodeDesc& node);

  std::string algorithm() const override { return std::string("gemm_") + cfg_.name; }
  size_t workspace_bytes() const override { return sgemm_bytes_ + align_up(runtime_bias_floats_ * sizeof(float)); }
  void run(const KernelArgs& args) const override;

 private:
  // How C enters: not at all, as a per-channel bias in the epilogue, or through the driver's beta.
  enum class CUse { none, bias, full };

  const SgemmConfig& cfg_;
  size_t m_ = 0, n_ = 0, k_ = 0;
  bool trans_a_ = false, trans_b_ = false;
  float alpha_ = 1.f, beta_ = 1.f;
  Shape a_shape_, b_shape_, c_shape_;
  bool has_c_ = false;
  CUse c_use_ = CUse::none;
  GemmChannelAxis bias_axis_ = GemmChannelAxis::cols;
  size_t bias_channels_ = 0;        // M (rows) or N (cols)
  std::vector<float> const_bias_;   // beta · C per channel, when C is constant
  size_t runtime_bias_floats_ = 0;  // beta · C per channel computed per run into the workspace
  GemmEpilogue activation_;         // the fused activation; bias filled per run
  SgemmPackedA packed_a_;
  SgemmPackedB packed_b_;
  bool a_packed_ = false, b_packed_ = false;
  int threads_ = 1;
  size_t sgemm_bytes_ = 0;
};

GemmKernel::GemmKernel(const NodeDesc& node)
    : cfg_(kernels::sgemm_config(node.ctx->isa)), activation_(fused_activation(node)) {
  a_shape_ = node.input(0).shape;
  b_shape_ = node.input(1).shape;
  if (a_shape_.size() != 2 || b_shape_.size() != 2) throw Error("Gemm: A and B must be 2-d");
  shape_numel(a_shape_);  // throws on unknown dimensions
  shape_numel(b_shape_);
  const ir::Attributes& at = node.attrs();
  trans_a_ = at.get_int("transA", 0) != 0;
  trans_b_ = at.get_int("transB", 0) != 0;
  alpha_ = at.get_float("alpha", 1.f);
  beta_ = at.get_float("beta", 1.f);
  const int64_t m = trans_a_ ? a_shape_[1] : a_shape_[0], k = trans_a_ ? a_shape_[0] : a_shape_[1];
  const int64_t n = trans_b_ ? b_shape_[0] : b_shape_[1];
  if ((trans_b_ ? b_shape_[1] : b_shape_[0]) != k) throw Error("Gemm: inner dimensions of A and B differ");
  m_ = to_size(m), n_ = to_size(n), k_ = to_size(k);

  has_c_ = node.has_input(2);
  if (has_c_) {
    c_shape_ = node.input(2).shape;
    if (c_shape_.size() > 2) throw Error("Gemm: C must have rank 2 or less");
    shape_numel(c_shape_);
    // C's extent right-aligned to (M, N), as the reference reads it.
    const int64_t c_rows = c_shape_.size() == 2 ? c_shape_[0] : 1;
    const int64_t c_cols = c_shape_.empty() ? 1 : c_shape_.back();
    if ((c_rows != 1 && c_rows != m) || (c_cols != 1 && c_cols != n))
      throw Error("Gemm: C shape " + shape_to_string(c_shape_) + " does not broadcast to the output");
    if (beta_ != 0.f) {
      if (c_rows == 1) {
        c_use_ = CUse::bias, bias_axis_ = GemmChannelAxis::cols, bias_channels_ = n_;
      } else if (c_cols == 1) {
        c_use_ = CUse::bias, bias_axis_ = GemmChannelAxis::rows, bias_channels_ = m_;
      } else {
        c_use_ = CUse::full;
      }
    }
    if (c_use_ == CUse::bias) {
      const size_t c_elems = to_size(shape_numel(c_shape_));
      if (const Tensor* c = node.constant_input(2)) {
        const_bias_.resize(bias_channels_);
        const float* cv = c->data_as<float>();
        for (size_t i = 0; i < bias_channels_; ++i) const_bias_[i] = beta_ * cv[c_elems == 1 ? 0 : i];
      } else if (beta_ != 1.f || c_elems != bias_channels_) {
        runtime_bias_floats_ = bias_channels_;
      }
    }
  }

  // Weights packed once: op(B) when constant, else op(A) when constant.
  if (const Tensor* b = node.constant_input(1)) {
    packed_b_ = SgemmPackedB(cfg_, trans_b_, k_, n_, b->data_as<float>(), to_size(b_shape_[1]));
    b_packed_ = true;
  } else if (const Tensor* a = node.constant_input(0)) {
    packed_a_ = SgemmPackedA(cfg_, trans_a_, m_, k_, a->data_as<float>(), to_size(a_shape_[1]));
    a_packed_ = true;
  }
  threads_ = planned_threads(node);
  sgemm_bytes_ = align_up(sgemm_workspace_bytes(cfg_, m_, n_, k_, threads_));
}

void GemmKernel::run(const KernelArgs& args) const {
  expect_arity(args, has_c_ ? 3 : 2, 1, "Gemm");
  expect_view(args.in(0), DType::f32, a_shape_, "Gemm", "input A");
  expect_view(args.in(1), DType::f32, b_shape_, "Gemm", "input B");
  if (has_c_) expect_view(args.in(2), DType::f32, c_shape_, "Gemm", "input C");
  expect_view(args.out(0), DType::f32, {static_cast<int64_t>(m_), static_cast<int64_t>(n_)}, "Gemm", "output Y");
  float* y = args.out(0).as<float>();
  if (m_ == 0 || n_ == 0) return;
  uint8_t* ws = static_cast<uint8_t*>(args.workspace);

  GemmEpilogue ep = activation_;
  bool use_epilogue = ep.activation != GemmActivation::none;
  if (c_use_ == CUse::bias) {
    const float* bias = const_bias_.data();
    if (const_bias_.empty()) {
      const float* c = args.in(2).as<const float>();
      bias = c;
      if (runtime_bias_floats_ > 0) {
        float* scaled = reinterpret_cast<float*>(ws + sgemm_bytes_);
        const bool one = args.in(2).numel() == 1;
        for (size_t i = 0; i < runtime_bias_floats_; ++i) scaled[i] = beta_ * c[one ? 0 : i];
        bias = scaled;
      }
    }
    ep.bias = bias;
    ep.channel_axis = bias_axis_;
    use_epilogue = true;
  } else if (c_use_ == CUse::full) {
    const float* c = args.in(2).as<const float>();
    if (c != y) std::memcpy(y, c, m_ * n_ * sizeof(float));
  }

  SgemmArgs g;
  g.m = m_, g.n = n_, g.k = k_;
  g.trans_a = trans_a_, g.trans_b = trans_b_;
  g.alpha = alpha_;
  g.beta = c_use_ == CUse::full ? beta_ : 0.f;
  g.a = args.in(0).as<const float>();
  g.lda = to_size(a_shape_[1]);
  g.b = args.in(1).as<const float>();
  g.ldb = to_size(b_shape_[1]);
  g.c = y;
  g.ldc = n_;
  g.epilogue = use_epilogue ? &ep : nullptr;
  run_sgemm(cfg_, g, a_packed_ ? &packed_a_ : nullptr, b_packed_ ? &packed_b_ : nullptr, ws, sgemm_bytes_,
            run_pool(args, threads_));
}

// ---- MatMul --------------------------------------------------------------------------------

class MatMulKernel final : public OpKernel {
 public:
  explicit MatMulKernel(const NodeDesc& node);

  std::string algorithm() const override { return std::string("matmul_") + cfg_.name; }
  size_t workspace_bytes() const override { return workspace_bytes_; }
  void run(const KernelArgs& args) const override;

 private:
  // One GEMM: which batch matrix of A and of B (their offsets are index · matrix size) and where
  // its result goes in Y.
  struct Product {
    size_t a_index, b_index, y_offset;
  };
  void run_product(const Product& p, const float* a, const float* b, float* y, void* ws, size_t ws_bytes,
                   ThreadPool* pool) const;

  const SgemmConfig& cfg_;
  Shape a_shape_, b_shape_, y_shape_;
  size_t m_ = 0, n_ = 0, k_ = 0;  // of each product (M includes folded batches)
  std::vector<Product> products_;
  std::vector<SgemmPackedA> packed_a_;  // per A batch matrix, when A is constant (and B not)
  std::vector<SgemmPackedB> packed_b_;  // per B batch matrix, when B is constant
  bool batches_in_parallel_ = false;    // whole products per thread, else each product threaded
  int threads_ = 1;
  size_t per_product_bytes_ = 0;
  size_t workspace_bytes_ = 0;
};

MatMulKernel::MatMulKernel(const NodeDesc& node) : cfg_(kernels::sgemm_config(node.ctx->isa)) {
  a_shape_ = node.input(0).shape;
  b_shape_ = node.input(1).shape;
  if (a_shape_.empty() || b_shape_.empty()) throw Error("MatMul: operands must have rank 1 or more");
  shape_numel(a_shape_);  // throws on unknown dimensions
  shape_numel(b_shape_);
  // A 1-d A is a row [1, K], a 1-d B a column [K, 1]; the added axis is not in Y's shape, which
  // leaves Y's memory the same.
  const Shape a2 = a_shape_.size() == 1 ? Shape{1, a_shape_[0]} : a_shape_;
  const Shape b2 = b_shape_.size() == 1 ? Shape{b_shape_[0], 1} : b_shape_;
  const int64_t m = a2[a2.size() - 2], k = a2.back(), n = b2.back();
  if (b2[b2.size() - 2] != k)
    throw Error("MatMul: inner dimensions differ: " + shape_to_string(a_shape_) + " @ " + shape_to_string(b_shape_));
  const size_t rank = std::max(a2.size(), b2.size()) - 2;
  Shape a_batch(rank, 1), b_batch(rank, 1), y_batch(rank, 1);
  std::copy(a2.begin(), a2.end() - 2, a_batch.end() - static_cast<std::ptrdiff_t>(a2.size() - 2));
  std::copy(b2.begin(), b2.end() - 2, b_batch.end() - static_cast<std::ptrdiff_t>(b2.size() - 2));
  for (size_t i = 0; i < rank; ++i) {
    if (a_batch[i] != b_batch[i] && a_batch[i] != 1 && b_batch[i] != 1)
      throw Error("MatMul: batch dimensions do not broadcast: " + shape_to_string(a_shape_) + " @ " +
                  shape_to_string(b_shape_));
    y_batch[i] = a_batch[i] == 1 ? b_batch[i] : a_batch[i];
  }
  y_shape_ = y_batch;
  if (a_shape_.size() > 1) y_shape_.push_back(m);
  if (b_shape_.size() > 1) y_shape_.push_back(n);
  if (node.output(0).shape != y_shape_)
    throw Error("MatMul: output shape " + shape_to_string(node.output(0).shape) + ", expected " +
                shape_to_string(y_shape_));
  const size_t a_count = to_size(shape_numel(a_batch)), b_count = to_size(shape_numel(b_batch));
  const size_t y_count = to_size(shape_numel(y_batch));
  k_ = to_size(k), n_ = to_size(n);

  if (b_count == 1) {
    // Every output batch multiplies the same B: A's batches (contiguous, not broadcast since
    // y_count == a_count) are rows of one GEMM.
    m_ = to_size(m) * a_count;
    if (y_count != 0) products_.push_back({0, 0, 0});
  } else {
    m_ = to_size(m);
    // Walk the output batch index in row-major order, carrying A's and B's (broadcast) indices.
    std::vector<int64_t> idx(rank, 0);
    for (size_t y = 0; y < y_count; ++y) {
      size_t ai = 0, bi = 0;
      for (size_t d = 0; d < rank; ++d) {
        ai = ai * to_size(a_batch[d]) + (a_batch[d] == 1 ? 0 : to_size(idx[d]));
        bi = bi * to_size(b_batch[d]) + (b_batch[d] == 1 ? 0 : to_size(idx[d]));
      }
      products_.push_back({ai, bi, y * m_ * n_});
      for (size_t d = rank; d-- > 0;) {
        if (++idx[d] < y_batch[d]) break;
        idx[d] = 0;
      }
    }
  }

  if (const Tensor* b = node.constant_input(1)) {
    for (size_t i = 0; i < b_count; ++i)
      packed_b_.emplace_back(cfg_, false, k_, n_, b->data_as<float>() + i * k_ * n_, n_);
  } else if (const Tensor* a = node.constant_input(0)) {
    const size_t matrices = b_count == 1 ? 1 : a_count;
    for (size_t i = 0; i < matrices; ++i)
      packed_a_.emplace_back(cfg_, false, m_, k_, a->data_as<float>() + i * m_ * k_, k_);
  }

  threads_ = planned_threads(node);
  const size_t products = products_.size(), t = static_cast<size_t>(threads_);
  // Whole products per thread when there are enough of them to share evenly; else each product
  // uses every thread (the driver splits its tiles).
  batches_in_parallel_ = t > 1 && (products % t == 0 || products >= 4 * t);
  if (batches_in_parallel_) {
    per_product_bytes_ = align_up(sgemm_workspace_bytes(cfg_, m_, n_, k_, 1));
    workspace_bytes_ = per_product_bytes_ * t;
  } else {
    per_product_bytes_ = align_up(sgemm_workspace_bytes(cfg_, m_, n_, k_, threads_));
    workspace_bytes_ = per_product_bytes_;
  }
}

void MatMulKernel::run_product(const Product& p, const float* a, const float* b, float* y, void* ws,
                               size_t ws_bytes, ThreadPool* pool) const {
  SgemmArgs g;
  g.m = m_, g.n = n_, g.k = k_;
  g.a = a + p.a_index * m_ * k_;
  g.lda = k_;
  g.b = b + p.b_index * k_ * n_;
  g.ldb = n_;
  g.c = y + p.y_offset;
  g.ldc = n_;
  const SgemmPackedA* pa = packed_a_.empty() ? nullptr : &packed_a_[p.a_index];
  const SgemmPackedB* pb = packed_b_.empty() ? nullptr : &packed_b_[p.b_index];
  run_sgemm(cfg_, g, pa, pb, ws, ws_bytes, pool);
}

void MatMulKernel::run(const KernelArgs& args) const {
  expect_arity(args, 2, 1, "MatMul");
  expect_view(args.in(0), DType::f32, a_shape_, "MatMul", "input A");
  expect_view(args.in(1), DType::f32, b_shape_, "MatMul", "input B");
  expect_view(args.out(0), DType::f32, y_shape_, "MatMul", "output Y");
  if (m_ == 0 || n_ == 0) return;
  const float* a = args.in(0).as<const float>();
  const float* b = args.in(1).as<const float>();
  float* y = args.out(0).as<float>();
  uint8_t* ws = static_cast<uint8_t*>(args.workspace);
  ThreadPool* pool = run_pool(args, threads_);
  if (batches_in_parallel_) {
    auto body = [&](int64_t begin, int64_t end, int thread) {
      uint8_t* slot = ws + static_cast<size_t>(thread) * per_product_bytes_;
      for (int64_t i = begin; i < end; ++i)
        run_product(products_[static_cast<size_t>(i)], a, b, y, slot, per_product_bytes_, nullptr);
    };
    if (pool) pool->parallel_for(static_cast<int64_t>(products_.size()), body);
    else body(0, static_cast<int64_t>(products_.size()), 0);
  } else {
    for (const Product& p : products_) run_product(p, a, b, y, ws, per_product_bytes_, pool);
  }
}

// ---- registration --------------------------------------------------------------------------

// Plain f32 operands with known shapes, on any ISA but the reference.
bool plain_f32(const NodeDesc& node) {
  if (!node.ctx || node.ctx->isa == Isa::reference) return false;
  if (!reference_util::all_plain(node, DType::f32)) return false;
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (node.has_input(i) && !node.input(i).shape_is_concrete()) return false;
  return true;
}

bool gemm_applicable(const NodeDesc& node) {
  return plain_f32(node) && node.has_input(0) && node.has_input(1) && node.input(0).shape.size() == 2 &&
         node.input(1).shape.size() == 2;
}

bool matmul_applicable(const NodeDesc& node) {
  return plain_f32(node) && node.has_input(0) && node.has_input(1) && !node.input(0).shape.empty() &&
         !node.input(1).shape.empty() && !node.outputs.empty() && node.outputs[0];
}

std::unique_ptr<OpKernel> create_gemm(const NodeDesc& node) { return std::make_unique<GemmKernel>(node); }
std::unique_ptr<OpKernel> create_matmul(const NodeDesc& node) { return std::make_unique<MatMulKernel>(node); }

}  // namespace

void add_gemm_ops(std::vector<OpImplementation>& out) {
  out.push_back({"Gemm", "gemm_packed", false, gemm_applicable, create_gemm});
  out.push_back({"FusedGemm", "gemm_packed", false, gemm_applicable, create_gemm});
  out.push_back({"MatMul", "matmul_packed", false, matmul_applicable, create_matmul});
}

}  // namespace castnet::ops
