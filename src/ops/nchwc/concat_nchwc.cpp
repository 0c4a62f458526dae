// Concat along channels of NCHWc tensors whose channel counts (all but the last) are multiples
// of the block: each input's blocks are copied whole into place, per batch item.
#include "ops/nchwc/nchwc_ops.h"

#include <cstring>

namespace castnet::ops {
namespace {

class ConcatNchwc final : public OpKernel {
 public:
  explicit ConcatNchwc(const NodeDesc& n) : B_(n.output(0).layout.block) {
    for (const ir::Value* v : n.inputs) blocks_.push_back((v->shape[1] + B_ - 1) / B_);
    const Shape& s = n.output(0).shape;
    batch_ = s[0];
    hw_ = s[2] * s[3];
    out_blocks_ = (s[1] + B_ - 1) / B_;
  }
  std::string algorithm() const override { return "concat_nchwc"; }
  Layout output_layout(size_t) const override { return Layout::nchwc(static_cast<int>(B_)); }
  void run(const KernelArgs& a) const override {
    float* y = a.out(0).as<float>();
    const size_t plane = static_cast<size_t>(hw_ * B_) * sizeof(float);
    a.ctx->pool->parallel_for(batch_ * static_cast<int64_t>(blocks_.size()), [&](int64_t b, int64_t e, int) {
      for (int64_t item = b; item < e; ++item) {
        int64_t n = item / static_cast<int64_t>(blocks_.size());
        size_t i = static_cast<size_t>(item % static_cast<int64_t>(blocks_.size()));
        int64_t offset = 0;
        for (size_t k = 0; k < i; ++k) offset += blocks_[k];
        const float* x = a.in(i).as<const float>() + n * blocks_[i] * hw_ * B_;
        std::memcpy(y + (n * out_blocks_ + offset) * hw_ * B_, x, plane * static_cast<size_t>(blocks_[i]));
      }
    });
  }

 private:
  int64_t B_;
  std::vector<int64_t> blocks_;
  int64_t batch_ = 0, hw_ = 0, out_blocks_ = 0;
};

bool applicable(const NodeDesc& n) {
  if (n.ctx->isa == Isa::reference || n.output(0).layout.kind != Layout::Kind::nchwc) return false;
  const int B = n.output(0).layout.block;
  for (size_t i = 0; i < n.inputs.size(); ++i) {
    if (!n.has_input(i)) return false;
    const ir::Value& v = n.input(i);
    if (v.layout != n.output(0).layout || v.dtype != DType::f32 || v.shape.size() != 4) return false;
    if (i + 1 < n.inputs.size() && v.shape[1] % B != 0) return false;
  }
  return true;
}
std::unique_ptr<OpKernel> create(const NodeDesc& n) { return std::make_unique<ConcatNchwc>(n); }

}  // namespace

void add_nchwc_concat(std::vector<OpImplementation>& out) {
  out.push_back({"Concat", "concat_nchwc", false, &applicable, &create});
}

}  // namespace castnet::ops
