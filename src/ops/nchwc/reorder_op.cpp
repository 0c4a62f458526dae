// castnet.Reorder: plain NCHW ↔ NCHWc, split across threads by (n, channel block) planes.
#include "kernels/layout/reorder_nchwc.h"
#include "ops/nchwc/nchwc_ops.h"

namespace castnet::ops {
namespace {

class ReorderKernel final : public OpKernel {
 public:
  explicit ReorderKernel(const NodeDesc& n)
      : to_blocked_(n.attrs().get_string("to", "") == "nchwc"),
        block_(static_cast<int>(n.attrs().get_int("block", 16))),
        shape_(n.input(0).shape) {}
  std::string algorithm() const override { return to_blocked_ ? "reorder_nchw_to_nchwc" : "reorder_nchwc_to_nchw"; }
  Layout output_layout(size_t) const override { return to_blocked_ ? Layout::nchwc(block_) : Layout{}; }
  void run(const KernelArgs& a) const override {
    const int64_t n = shape_[0], c = shape_[1], hw = shape_[2] * shape_[3];
    const int64_t planes = n * ((c + block_ - 1) / block_);
    const float* src = a.in(0).as<const float>();
    float* dst = a.out(0).as<float>();
    a.ctx->pool->parallel_for(planes, [&](int64_t b, int64_t e, int) {
      if (to_blocked_) kernels::reorder_nchw_to_nchwc(src, dst, c, hw, block_, b, e);
      else kernels::reorder_nchwc_to_nchw(src, dst, c, hw, block_, b, e);
    });
  }

 private:
  bool to_blocked_;
  int block_;
  Shape shape_;
};

bool applicable(const NodeDesc& n) {
  return n.input(0).dtype == DType::f32 && n.input(0).shape.size() == 4;
}
std::unique_ptr<OpKernel> create(const NodeDesc& n) { return std::make_unique<ReorderKernel>(n); }

}  // namespace

void add_nchwc_reorder(std::vector<OpImplementation>& out) {
  out.push_back({"Reorder", "reorder", false, &applicable, &create});  // only in fast graphs
}

}  // namespace castnet::ops
