// BatchNormalization that could not be folded into a conv, as a per-channel scale and shift
// precomputed at load: y = x·s[c] + t[c]. Plain or NCHWc layout.
#include "ops/nchwc/nchwc_ops.h"

#include "core/aligned.h"

#include <cmath>
#include <cstring>

namespace castnet::ops {
namespace {

class BatchNormKernel final : public OpKernel {
 public:
  explicit BatchNormKernel(const NodeDesc& n) : shape_(n.input(0).shape), layout_(n.input(0).layout) {
    const int64_t c = shape_[1];
    block_ = layout_.kind == Layout::Kind::nchwc ? layout_.block : 1;
    int64_t padded = (c + block_ - 1) / block_ * block_;
    scale_.assign(static_cast<size_t>(padded), 0.f);
    shift_.assign(static_cast<size_t>(padded), 0.f);
    const float* gamma = n.constant_input(1)->data_as<float>();
    const float* beta = n.constant_input(2)->data_as<float>();
    const float* mean = n.constant_input(3)->data_as<float>();
    const float* var = n.constant_input(4)->data_as<float>();
    double eps = n.attrs().get_float("epsilon", 1e-5f);
    for (int64_t i = 0; i < c; ++i) {
      double s = gamma[i] / std::sqrt(static_cast<double>(var[i]) + eps);
      scale_[static_cast<size_t>(i)] = static_cast<float>(s);
      shift_[static_cast<size_t>(i)] = static_cast<float>(beta[i] - mean[i] * s);
    }
  }
  std::string algorithm() const override { return "batchnorm_scale_shift"; }
  Layout output_layout(size_t) const override { return layout_; }
  void run(const KernelArgs& a) const override {
    const int64_t n = shape_[0], c = shape_[1];
    int64_t hw = 1;
    for (size_t i = 2; i < shape_.size(); ++i) hw *= shape_[i];
    const int64_t cb = (c + block_ - 1) / block_;
    const int64_t B = block_;
    const float* x = a.in(0).as<const float>();
    float* y = a.out(0).as<float>();
    a.ctx->pool->parallel_for(n * cb, [&](int64_t b, int64_t e, int) {
      for (int64_t plane = b; plane < e; ++plane) {
        const float* s = scale_.data() + (plane % cb) * B;
        const float* t = shift_.data() + (plane % cb) * B;
        const float* xp = x + plane * hw * B;
        float* yp = y + plane * hw * B;
        for (int64_t p = 0; p < hw; ++p)
          for (int64_t l = 0; l < B; ++l) yp[p * B + l] = xp[p * B + l] * s[l] + t[l];
      }
    });
  }

 private:
  Shape shape_;
  Layout layout_;
  int64_t block_ = 1;
  std::vector<float> scale_, shift_;
};

bool applicable(const NodeDesc& n) {
  if (n.ctx->isa == Isa::reference || n.input(0).dtype != DType::f32 || n.input(0).shape.size() < 2) return false;
  if (n.outputs.size() != 1 || n.output(0).layout != n.input(0).layout) return false;
  if (n.attrs().get_int("training_mode", 0) != 0) return false;
  for (size_t i = 1; i < 5; ++i)
    if (!n.constant_input(i) || n.constant_input(i)->dtype() != DType::f32) return false;
  return true;
}
std::unique_ptr<OpKernel> create(const NodeDesc& n) { return std::make_unique<BatchNormKernel>(n); }

}  // namespace

void add_nchwc_batchnorm(std::vector<OpImplementation>& out) {
  out.push_back({"BatchNormalization", "batchnorm_scale_shift", false, &applicable, &create});
}

}  // namespace castnet::ops
