// Depthwise convolution (group = channels, one filter per channel) on NCHWc, the B channels of a
// block in the vector lanes: each thread's share of output rows goes to DwconvRow::run_rows one
// plane at a time (3×3 / 5×5 at stride 1 / 2 in row tiles with in-kernel borders; any other kernel
// size, stride, dilation and padding through the pixel kernels).
#include "ops/conv/conv_depthwise_nchwc.h"

#include "core/aligned.h"
#include "kernels/config/conv_config.h"
#include "ops/conv/conv_geometry.h"
#include "ops/conv/dwconv_rows.h"
#include "ops/conv/nchwc_conv_kernel.h"

#include <algorithm>
#include <cstring>

namespace castnet::ops {
namespace {

class ConvDepthwiseNchwc final : public NchwcConvKernel {
 public:
  explicit ConvDepthwiseNchwc(const NodeDesc& node)
      : NchwcConvKernel(node, kernels::dwconv_nchwc_config(node.ctx->isa).block),
        uk_(kernels::dwconv_nchwc_config(node.ctx->isa)) {
    const int64_t KH = d_.kh(), KW = d_.kw(), C = d_.out_channels;
    // [CB][KH][KW][B], zero in padded lanes.
    weights_ = AlignedBuffer(static_cast<size_t>(ocb_ * KH * KW * B_) * sizeof(float));
    std::memset(weights_.data(), 0, weights_.size());
    const float* w = node.constant_input(1)->data_as<float>();  // [C][1][KH][KW]
    for (int64_t c = 0; c < C; ++c)
      for (int64_t k = 0; k < KH * KW; ++k)
        weights_.as<float>()[((c / B_) * KH * KW + k) * B_ + c % B_] = w[c * KH * KW + k];
    bias_ = padded_bias(node);
  }

  std::string algorithm() const override {
    const bool rows = uk_.rows_for(d_.kh(), d_.kw(), d_.stride[0], d_.stride[1], d_.dilation[0], d_.dilation[1]);
    return std::string("conv_depthwise_") + (rows ? uk_.rows_name : uk_.name);
  }

  // Both row kernels read each residual element only in the store of the same output element.
  bool residual_read_at_store() const override { return true; }

  void compute(const float* in, float* out, const float* residual, void*, ThreadPool& pool) const override {
    DwconvRow rows{&uk_, &d_, weights_.as<float>(), bias_.data(), post_ops(nullptr)};
    const int64_t OH = d_.oh(), plane_in = d_.ih() * d_.iw() * B_, plane_out = OH * d_.ow() * B_;
    // Work items are single output rows of every (image, block) plane, so that 2 threads split
    // even one small plane evenly; each thread's contiguous range is cut at plane boundaries and
    // every piece goes to the rows kernel in one call.
    pool.parallel_for(d_.batch * ocb_ * OH, [&](int64_t begin, int64_t end, int) {
      while (begin < end) {
        const int64_t plane = begin / OH, oh0 = begin % OH, oh1 = std::min(OH, oh0 + (end - begin));
        const int64_t offset = plane * plane_out + oh0 * d_.ow() * B_;
        rows.run_rows(in + plane * plane_in, out + offset, residual ? residual + offset : nullptr, plane % ocb_, oh0,
                      oh1);
        begin += oh1 - oh0;
      }
    });
  }

 private:
  const kernels::DwconvNchwcUkernel& uk_;
  AlignedBuffer weights_;
  std::vector<float> bias_;
};

bool applicable(const NodeDesc& node) {
  if ((node.op_type() != "Conv" && node.op_type() != "FusedConv") || node.ctx->isa == Isa::reference) return false;
  if (!node.has_input(1) || !node.constant_input(1)) return false;
  const ir::Value& x = node.input(0);
  const ir::Value& w = node.input(1);
  if (x.dtype != DType::f32 || x.shape.size() != 4 || w.shape.size() != 4) return false;
  if (node.has_input(2) && !node.constant_input(2)) return false;
  int64_t c = x.shape[1];
  return node.attrs().get_int("group", 1) == c && c > 1 && w.shape[0] == c && w.shape[1] == 1;
}

std::unique_ptr<OpKernel> create(const NodeDesc& node) { return std::make_unique<ConvDepthwiseNchwc>(node); }

}  // namespace

void add_conv_depthwise_nchwc(std::vector<OpImplementation>& out) {
  out.push_back({"Conv", "conv_depthwise_nchwc", false, &applicable, &create});
  out.push_back({"FusedConv", "conv_depthwise_nchwc", false, &applicable, &create});
}

}  // namespace castnet::ops
