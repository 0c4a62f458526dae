// Depthwise convolution (group = channels, one filter per channel) on NCHWc: each microkernel
// call produces a run of output pixels for one block of B channels, the channels in the vector
// lanes. Any kernel size, stride, dilation and padding; borders as in the direct conv (interior
// tiles at full width, border pixels one at a time with their valid taps).
#include "ops/conv/conv_depthwise_nchwc.h"

#include "core/aligned.h"
#include "kernels/config/conv_config.h"
#include "ops/conv/conv_geometry.h"
#include "ops/conv/nchwc_conv_kernel.h"

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

  std::string algorithm() const override { return std::string("conv_depthwise_") + uk_.name; }

  void compute(const float* in, float* out, const float* residual, void*, ThreadPool& pool) const override {
    const int64_t rows = d_.batch * ocb_ * d_.oh();
    pool.parallel_for(rows, [&](int64_t begin, int64_t end, int) {
      for (int64_t r = begin; r < end; ++r) row(in, out, residual, r / d_.oh(), r % d_.oh());
    });
  }

 private:
  // One output row of one (n, channel block) plane.
  void row(const float* in, float* out, const float* residual, int64_t plane, int64_t oh) const {
    const int64_t IH = d_.ih(), IW = d_.iw(), OW = d_.ow(), KH = d_.kh(), KW = d_.kw(), B = B_;
    const int64_t sh = d_.stride[0], sw = d_.stride[1], dh = d_.dilation[0], dw = d_.dilation[1];
    const int64_t cb = plane % ocb_;
    const int64_t ih0 = oh * sh - d_.pad_begin[0];
    int64_t kh_lo, kh_hi;
    valid_taps(ih0, KH, dh, IH, kh_lo, kh_hi);

    kernels::DwconvNchwcArgs a;
    a.in_pixel_stride = sw * B;
    a.in_kw_stride = dw * B;
    a.in_kh_stride = dh * IW * B;
    a.kh_count = static_cast<size_t>(kh_hi - kh_lo);
    a.w_kh_stride = KW * B;
    a.post = post_ops(bias_.data() + cb * B);
    const float* in_plane = in + plane * IH * IW * B + (ih0 + kh_lo * dh) * IW * B;
    const float* w_plane = weights_.as<float>() + (cb * KH + kh_lo) * KW * B;
    const int64_t out_offset = (plane * d_.oh() + oh) * OW * B;
    float* out_row = out + out_offset;
    const float* res_row = residual ? residual + out_offset : nullptr;

    const int64_t pw = d_.pad_begin[1];
    int64_t ow_lo, ow_hi;
    interior_outputs(IW, KW, sw, dw, pw, 0, OW, ow_lo, ow_hi);
    auto border_pixel = [&](int64_t ow) {
      int64_t iw0 = ow * sw - pw, kw_lo, kw_hi;
      valid_taps(iw0, KW, dw, IW, kw_lo, kw_hi);
      kernels::DwconvNchwcArgs b = a;
      b.kw_count = static_cast<size_t>(kw_hi - kw_lo);
      b.in = in_plane + (iw0 + kw_lo * dw) * B;
      b.w = w_plane + kw_lo * B;
      b.out = out_row + ow * B;
      if (res_row) b.post.residual = res_row + ow * B;
      uk_.any(1, b);
    };
    for (int64_t ow = 0; ow < ow_lo; ++ow) border_pixel(ow);
    kernels::DwconvNchwcUkernelFn fn = uk_.for_stride(a.in_pixel_stride);
    a.kw_count = static_cast<size_t>(KW);
    a.w = w_plane;
    for (int64_t ow = ow_lo; ow < ow_hi; ow += uk_.mr_max) {
      int64_t mr = std::min<int64_t>(uk_.mr_max, ow_hi - ow);
      a.in = in_plane + (ow * sw - pw) * B;
      a.out = out_row + ow * B;
      if (res_row) a.post.residual = res_row + ow * B;
      fn(static_cast<size_t>(mr), a);
    }
    for (int64_t ow = ow_hi; ow < OW; ++ow) border_pixel(ow);
  }

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
