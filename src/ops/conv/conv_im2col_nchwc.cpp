// Convolution as im2col + GEMM, one output row at a time: the row's patches (K = ic·kh·kw values
// per pixel, padded to whole blocks) are gathered into a small per-thread buffer laid out like an
// NCHWc image of K channels, and the NCHWc microkernel multiplies it as a 1×1 convolution. The
// whole column matrix never exists. It pays where the direct kernel would waste lanes: few input
// channels and a large kernel, as in the 7×7 stem with 3 channels (147 patch values → 160 lanes
// instead of 3 → 16 per tap). Reads plain or NCHWc input directly.
#include "ops/conv/conv_im2col_nchwc.h"

#include "kernels/config/conv_config.h"
#include "ops/conv/conv_geometry.h"
#include "ops/conv/nchwc_conv_kernel.h"
#include "ops/conv/nchwc_weight_packing.h"
#include "ops/conv/pointwise_tiles.h"

#include <algorithm>

namespace castnet::ops {
namespace {

class ConvIm2colNchwc final : public NchwcConvKernel {
 public:
  explicit ConvIm2colNchwc(const NodeDesc& node)
      : NchwcConvKernel(node, kernels::conv_nchwc_config(node.ctx->isa).block),
        uk_(kernels::conv_nchwc_config(node.ctx->isa)), threads_(node.ctx->pool->size()) {
    k_ = d_.in_channels * d_.kh() * d_.kw();
    kb_ = div_ceil(k_, B_);
    packed_ = pack_weights_nchwc(node.constant_input(1)->data_as<float>(), d_.out_channels, k_, 1, B_, uk_.nb_max);
    bias_ = padded_bias(node);
  }

  std::string algorithm() const override { return std::string("conv_im2col_") + uk_.name; }
  bool wants_blocked_input() const override { return false; }
  size_t scratch_bytes() const override { return static_cast<size_t>(threads_) * row_buffer_floats() * sizeof(float); }

  void compute(const float* in, float* out, const float* residual, void* scratch, ThreadPool& pool) const override {
    const int64_t rows = d_.batch * d_.oh();
    pool.parallel_for(rows, [&](int64_t begin, int64_t end, int thread) {
      float* buf = static_cast<float*>(scratch) + static_cast<size_t>(thread) * row_buffer_floats();
      for (int64_t r = begin; r < end; ++r) {
        int64_t n = r / d_.oh(), oh = r % d_.oh();
        gather_row(in, buf, n, oh);
        multiply_row(buf, out, residual, n, oh);
      }
    });
  }

 private:
  size_t row_buffer_floats() const { return static_cast<size_t>(kb_ * d_.ow() * B_); }

  // buf[kb][ow][B] = x(c, oh·sh − ph + kh·dh, ow·sw − pw + kw·dw) for k = (c·KH + kh)·KW + kw.
  void gather_row(const float* x, float* buf, int64_t n, int64_t oh) const {
    const int64_t C = d_.in_channels, IH = d_.ih(), IW = d_.iw(), OW = d_.ow(), KH = d_.kh(), KW = d_.kw(), B = B_;
    const int64_t cb = div_ceil(C, B);
    const bool blocked = input_is_blocked();
    for (int64_t k = 0; k < kb_ * B; ++k) {
      float* dst = buf + (k / B) * OW * B + k % B;
      int64_t c = k / (KH * KW), kh = (k / KW) % KH, kw = k % KW;
      int64_t ih = oh * d_.stride[0] - d_.pad_begin[0] + kh * d_.dilation[0];
      if (k >= k_ || ih < 0 || ih >= IH) {
        for (int64_t ow = 0; ow < OW; ++ow) dst[ow * B] = 0.f;
        continue;
      }
      // Element (c, ih, iw) at row[iw·step].
      const float* row = blocked ? x + (((n * cb + c / B) * IH + ih) * IW) * B + c % B
                                 : x + ((n * C + c) * IH + ih) * IW;
      const int64_t step = blocked ? B : 1;
      for (int64_t ow = 0; ow < OW; ++ow) {
        int64_t iw = ow * d_.stride[1] - d_.pad_begin[1] + kw * d_.dilation[1];
        dst[ow * B] = iw >= 0 && iw < IW ? row[iw * step] : 0.f;
      }
    }
  }

  void multiply_row(const float* buf, float* out, const float* residual, int64_t n, int64_t oh) const {
    const int64_t OH = d_.oh(), OW = d_.ow();
    PointwiseTiles gemm{&uk_, &packed_, bias_.data(), post_ops(nullptr), ocb_};
    const int64_t out_offset = (n * ocb_ * OH + oh) * OW * B_;
    gemm.run(buf, OW * B_, kb_, OW, out + out_offset, residual ? residual + out_offset : nullptr, OH * OW * B_);
  }

  const kernels::ConvNchwcUkernel& uk_;
  int threads_;
  int64_t k_ = 0, kb_ = 0;
  PackedConvWeights packed_;
  std::vector<float> bias_;
};

// Any 2-d group-1 f32 convolution with constant weights (and bias).
bool supports(const NodeDesc& node) {
  if ((node.op_type() != "Conv" && node.op_type() != "FusedConv") || node.ctx->isa == Isa::reference) return false;
  if (!node.has_input(1) || !node.constant_input(1) || (node.has_input(2) && !node.constant_input(2))) return false;
  const ir::Value& x = node.input(0);
  const ir::Value& w = node.input(1);
  return x.dtype == DType::f32 && x.shape.size() == 4 && w.shape.size() == 4 && node.attrs().get_int("group", 1) == 1;
}

// Cost rule: gather patches when the direct kernel would leave most lanes of each input block
// idle (fewer than a quarter of a block of input channels) and the window has several taps.
bool applicable(const NodeDesc& node) {
  if (!supports(node)) return false;
  const int block = kernels::conv_nchwc_config(node.ctx->isa).block;
  return node.input(0).shape[1] * 4 <= block && node.input(1).shape[2] * node.input(1).shape[3] > 1;
}

std::unique_ptr<OpKernel> create(const NodeDesc& node) { return std::make_unique<ConvIm2colNchwc>(node); }

}  // namespace

void add_conv_im2col_nchwc(std::vector<OpImplementation>& out) {
  out.push_back({"Conv", "conv_im2col_nchwc", false, &applicable, &create, &supports});
  out.push_back({"FusedConv", "conv_im2col_nchwc", false, &applicable, &create, &supports});
}

}  // namespace castnet::ops
