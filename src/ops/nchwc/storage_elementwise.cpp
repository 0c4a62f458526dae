// Activations and same-shape binary ops as flat loops over storage, split across threads in
// cache-sized chunks. They apply to plain and blocked tensors alike (both operands and the result
// share one layout), and run wherever a fast ISA is selected.
#include "ops/nchwc/nchwc_ops.h"

#include <castnet/error.h>

#include <algorithm>
#include <cmath>

namespace castnet::ops {
namespace {

constexpr int64_t kChunk = 16384;  // elements per task: 64 KB, enough to amortise dispatch

enum class Unary { relu, clip, leaky_relu, hard_sigmoid, hard_swish, sigmoid };
enum class Binary { add, sub, mul, div };

template <class F>
void for_chunks(const KernelArgs& a, int64_t n, F&& f) {
  a.ctx->pool->parallel_for((n + kChunk - 1) / kChunk, [&](int64_t b, int64_t e, int) {
    f(b * kChunk, std::min(n, e * kChunk));
  });
}

class UnaryKernel final : public OpKernel {
 public:
  UnaryKernel(const NodeDesc& n, Unary op) : op_(op), n_(storage_elements(n.input(0))), layout_(n.output(0).layout) {
    const auto& at = n.attrs();
    switch (op) {
      case Unary::clip: {
        lo_ = -INFINITY; hi_ = INFINITY;
        if (at.has("min")) lo_ = at.get_float("min", lo_);
        if (at.has("max")) hi_ = at.get_float("max", hi_);
        if (const Tensor* t = n.constant_input(1); t && t->numel() == 1) lo_ = t->data_as<float>()[0];
        if (const Tensor* t = n.constant_input(2); t && t->numel() == 1) hi_ = t->data_as<float>()[0];
        break;
      }
      case Unary::leaky_relu: lo_ = at.get_float("alpha", 0.01f); break;
      case Unary::hard_sigmoid: lo_ = at.get_float("alpha", 0.2f); hi_ = at.get_float("beta", 0.5f); break;
      default: break;
    }
  }
  std::string algorithm() const override { return "elementwise_storage"; }
  Layout output_layout(size_t) const override { return layout_; }
  // y[i] depends on x[i] alone.
  bool may_overwrite_input(size_t, size_t input) const override { return input == 0; }
  void run(const KernelArgs& a) const override {
    const float* x = a.in(0).as<const float>();
    float* y = a.out(0).as<float>();
    const float lo = lo_, hi = hi_;
    for_chunks(a, n_, [&](int64_t b, int64_t e) {
      switch (op_) {
        case Unary::relu: for (int64_t i = b; i < e; ++i) y[i] = x[i] > 0.f ? x[i] : 0.f; break;
        case Unary::clip: for (int64_t i = b; i < e; ++i) y[i] = std::min(std::max(x[i], lo), hi); break;
        case Unary::leaky_relu: for (int64_t i = b; i < e; ++i) y[i] = x[i] >= 0.f ? x[i] : lo * x[i]; break;
        case Unary::hard_sigmoid:
          for (int64_t i = b; i < e; ++i) y[i] = std::min(std::max(lo * x[i] + hi, 0.f), 1.f);
          break;
        case Unary::hard_swish:
          for (int64_t i = b; i < e; ++i) y[i] = x[i] * std::min(std::max(x[i] / 6.f + 0.5f, 0.f), 1.f);
          break;
        case Unary::sigmoid: for (int64_t i = b; i < e; ++i) y[i] = 1.f / (1.f + std::exp(-x[i])); break;
      }
    });
  }

 private:
  Unary op_;
  int64_t n_;
  Layout layout_;
  float lo_ = 0.f, hi_ = 0.f;
};

class BinaryKernel final : public OpKernel {
 public:
  BinaryKernel(const NodeDesc& n, Binary op) : op_(op), n_(storage_elements(n.output(0))), layout_(n.output(0).layout) {}
  std::string algorithm() const override { return "elementwise_storage"; }
  Layout output_layout(size_t) const override { return layout_; }
  // Both operands have the output's shape and layout (binary_applicable): y[i] depends on x[i]
  // and z[i] alone.
  bool may_overwrite_input(size_t, size_t input) const override { return input <= 1; }
  void run(const KernelArgs& a) const override {
    const float* x = a.in(0).as<const float>();
    const float* z = a.in(1).as<const float>();
    float* y = a.out(0).as<float>();
    for_chunks(a, n_, [&](int64_t b, int64_t e) {
      switch (op_) {
        case Binary::add: for (int64_t i = b; i < e; ++i) y[i] = x[i] + z[i]; break;
        case Binary::sub: for (int64_t i = b; i < e; ++i) y[i] = x[i] - z[i]; break;
        case Binary::mul: for (int64_t i = b; i < e; ++i) y[i] = x[i] * z[i]; break;
        case Binary::div: for (int64_t i = b; i < e; ++i) y[i] = x[i] / z[i]; break;
      }
    });
  }

 private:
  Binary op_;
  int64_t n_;
  Layout layout_;
};

bool same_layout_f32(const NodeDesc& n) {
  if (n.ctx->isa == Isa::reference || !n.has_input(0) || n.input(0).dtype != DType::f32) return false;
  return n.outputs.size() == 1 && n.output(0).layout == n.input(0).layout;
}

bool unary_applicable(const NodeDesc& n) {
  if (!same_layout_f32(n)) return false;
  // Clip bounds must be known at load time.
  for (size_t i = 1; i < n.inputs.size(); ++i)
    if (n.has_input(i) && !n.constant_input(i)) return false;
  return true;
}

bool binary_applicable(const NodeDesc& n) {
  if (!same_layout_f32(n) || !n.has_input(1)) return false;
  const ir::Value& a = n.input(0);
  const ir::Value& b = n.input(1);
  return b.dtype == DType::f32 && a.shape == b.shape && a.layout == b.layout;
}

template <Unary op>
std::unique_ptr<OpKernel> make_unary(const NodeDesc& n) { return std::make_unique<UnaryKernel>(n, op); }
template <Binary op>
std::unique_ptr<OpKernel> make_binary(const NodeDesc& n) { return std::make_unique<BinaryKernel>(n, op); }

}  // namespace

int64_t storage_elements(const ir::Value& v) { return storage_numel(v.shape, v.layout); }

void add_storage_elementwise(std::vector<OpImplementation>& out) {
  out.push_back({"Relu", "elementwise_storage", false, &unary_applicable, &make_unary<Unary::relu>});
  out.push_back({"Clip", "elementwise_storage", false, &unary_applicable, &make_unary<Unary::clip>});
  out.push_back({"LeakyRelu", "elementwise_storage", false, &unary_applicable, &make_unary<Unary::leaky_relu>});
  out.push_back({"HardSigmoid", "elementwise_storage", false, &unary_applicable, &make_unary<Unary::hard_sigmoid>});
  out.push_back({"HardSwish", "elementwise_storage", false, &unary_applicable, &make_unary<Unary::hard_swish>});
  out.push_back({"Sigmoid", "elementwise_storage", false, &unary_applicable, &make_unary<Unary::sigmoid>});
  out.push_back({"Add", "elementwise_storage", false, &binary_applicable, &make_binary<Binary::add>});
  out.push_back({"Sub", "elementwise_storage", false, &binary_applicable, &make_binary<Binary::sub>});
  out.push_back({"Mul", "elementwise_storage", false, &binary_applicable, &make_binary<Binary::mul>});
  out.push_back({"Div", "elementwise_storage", false, &binary_applicable, &make_binary<Binary::div>});
}

}  // namespace castnet::ops
