// castnet.DwsepConv: depthwise conv → 1×1 conv in one pass over NCHWc data. The output is made
// band by band (a few whole rows): the depthwise stage writes the band's rows for every channel
// block into a per-thread buffer sized to stay in L2, and the pointwise microkernel reads them
// straight back as a GEMM over the band's pixels. Only the block's input and output touch memory.
#include "ops/conv/conv_dwsep_nchwc.h"

#include <castnet/error.h>

#include "core/aligned.h"
#include "ir/conv_params.h"
#include "ir/schemas/schema_families.h"
#include "kernels/config/conv_config.h"
#include "ops/conv/conv_geometry.h"
#include "ops/conv/dwconv_rows.h"
#include "ops/conv/nchwc_conv_kernel.h"
#include "ops/conv/nchwc_weight_packing.h"
#include "ops/conv/pointwise_tiles.h"

#include <algorithm>
#include <cstring>

namespace castnet::ops {
namespace {

constexpr int64_t kBandPixels = 192;  // pointwise GEMM width per band

std::vector<float> padded(const Tensor* t, int64_t n, int64_t to) {
  std::vector<float> v(static_cast<size_t>(to), 0.f);
  if (t) std::memcpy(v.data(), t->data(), static_cast<size_t>(n) * sizeof(float));
  return v;
}

class ConvDwsepNchwc final : public OpKernel {
 public:
  explicit ConvDwsepNchwc(const NodeDesc& node)
      : dw_uk_(kernels::dwconv_nchwc_config(node.ctx->isa)), pw_uk_(kernels::conv_nchwc_config(node.ctx->isa)),
        B_(pw_uk_.block), threads_(node.ctx->pool->size()) {
    if (dw_uk_.block != pw_uk_.block) throw Error("depthwise and pointwise kernels disagree on the block size");
    d_ = ir::conv_desc_from_attrs(ir::schemas::prefixed_attrs(node.attrs(), "dw."), node.input(0).shape,
                                  node.input(1).shape);
    C_ = d_.out_channels;
    M_ = node.input(3).shape[0];
    cb_ = div_ceil(C_, B_);
    mb_ = div_ceil(M_, B_);
    // Depthwise weights [CB][KH][KW][B].
    const int64_t taps = d_.kh() * d_.kw();
    dw_w_ = AlignedBuffer(static_cast<size_t>(cb_ * taps * B_) * sizeof(float));
    std::memset(dw_w_.data(), 0, dw_w_.size());
    const float* w = node.constant_input(1)->data_as<float>();
    for (int64_t c = 0; c < C_; ++c)
      for (int64_t k = 0; k < taps; ++k) dw_w_.as<float>()[((c / B_) * taps + k) * B_ + c % B_] = w[c * taps + k];
    dw_b_ = padded(node.constant_input(2), C_, cb_ * B_);
    pw_w_ = pack_weights_nchwc(node.constant_input(3)->data_as<float>(), M_, C_, 1, B_, pw_uk_.nb_max);
    pw_b_ = padded(node.constant_input(4), M_, mb_ * B_);
    dw_act_ = decode_fused_activation(node.attrs(), "dw.");
    pw_act_ = decode_fused_activation(node.attrs(), "");
    has_residual_ = node.has_input(5);
    // Enough bands that every thread has one even for a single small image.
    const int64_t per_thread = div_ceil(d_.oh(), std::max<int64_t>(1, threads_ / std::max<int64_t>(1, d_.batch)));
    band_rows_ = std::clamp<int64_t>(std::min(kBandPixels / d_.ow(), per_thread), 1, d_.oh());
    // The depthwise rows kernel computes rows in pairs that share their input rows: an even band
    // leaves no single row, where that does not unbalance the threads.
    if (band_rows_ % 2 == 1 && band_rows_ + 1 <= std::min(per_thread, d_.oh())) ++band_rows_;
  }

  std::string algorithm() const override {
    const bool rows = dw_uk_.rows_for(d_.kh(), d_.kw(), d_.stride[0], d_.stride[1], d_.dilation[0], d_.dilation[1]);
    return std::string("dwsep_fused_") + (rows ? dw_uk_.rows_name : dw_uk_.name) + "+" + pw_uk_.name;
  }
  Layout output_layout(size_t) const override { return Layout::nchwc(static_cast<int>(B_)); }
  // The pointwise stage reads each residual element in the store of the same output element.
  bool may_overwrite_input(size_t output, size_t input) const override { return output == 0 && input == 5 && has_residual_; }
  size_t workspace_bytes() const override { return static_cast<size_t>(threads_) * band_floats() * sizeof(float); }

  void run(const KernelArgs& args) const override {
    const float* in = args.in(0).as<const float>();
    float* out = args.out(0).as<float>();
    const float* res = has_residual_ ? args.in(5).as<const float>() : nullptr;
    const int64_t OH = d_.oh(), bands = div_ceil(OH, band_rows_);
    args.ctx->pool->parallel_for(d_.batch * bands, [&](int64_t begin, int64_t end, int thread) {
      float* band = static_cast<float*>(args.workspace) + static_cast<size_t>(thread) * band_floats();
      for (int64_t item = begin; item < end; ++item) {
        int64_t n = item / bands, oh0 = (item % bands) * band_rows_;
        run_band(in, out, res, band, n, oh0, std::min(OH, oh0 + band_rows_));
      }
    });
  }

 private:
  size_t band_floats() const { return static_cast<size_t>(cb_ * band_rows_ * d_.ow() * B_); }

  void run_band(const float* in, float* out, const float* res, float* band, int64_t n, int64_t oh0, int64_t oh1) const {
    const int64_t OW = d_.ow(), OH = d_.oh(), B = B_;
    const int64_t pixels = (oh1 - oh0) * OW;
    // Depthwise: rows [oh0, oh1) of every channel block into band[cb][pixel][B].
    DwconvRow rows{&dw_uk_, &d_, dw_w_.as<float>(), dw_b_.data(), dw_act_};
    const int64_t in_plane = d_.ih() * d_.iw() * B;
    for (int64_t cb = 0; cb < cb_; ++cb)
      rows.run_rows(in + (n * cb_ + cb) * in_plane, band + cb * pixels * B, nullptr, cb, oh0, oh1);
    // Pointwise: a GEMM over the band's pixels, channels from the band buffer.
    PointwiseTiles pw{&pw_uk_, &pw_w_, pw_b_.data(), pw_act_, mb_};
    const int64_t out_offset = (n * mb_ * OH + oh0) * OW * B;
    pw.run(band, pixels * B, cb_, pixels, out + out_offset, res ? res + out_offset : nullptr, OH * OW * B);
  }

  const kernels::DwconvNchwcUkernel& dw_uk_;
  const kernels::ConvNchwcUkernel& pw_uk_;
  const int64_t B_;
  int threads_;
  ConvDesc d_;
  int64_t C_ = 0, M_ = 0, cb_ = 0, mb_ = 0, band_rows_ = 1;
  AlignedBuffer dw_w_;
  std::vector<float> dw_b_, pw_b_;
  PackedConvWeights pw_w_;
  kernels::ConvPostOps dw_act_, pw_act_;
  bool has_residual_ = false;
};

bool applicable(const NodeDesc& node) {
  if (node.ctx->isa == Isa::reference) return false;
  const ir::Value& x = node.input(0);
  if (x.dtype != DType::f32 || x.layout.kind != Layout::Kind::nchwc) return false;
  if (x.layout.block != kernels::conv_nchwc_config(node.ctx->isa).block) return false;
  if (node.output(0).layout != x.layout) return false;
  if (node.has_input(5) && node.input(5).layout != x.layout) return false;
  for (size_t i : {1, 3}) if (!node.constant_input(i)) return false;
  for (size_t i : {2, 4}) if (node.has_input(i) && !node.constant_input(i)) return false;
  return true;
}

std::unique_ptr<OpKernel> create(const NodeDesc& node) { return std::make_unique<ConvDwsepNchwc>(node); }

}  // namespace

void add_conv_dwsep_nchwc(std::vector<OpImplementation>& out) {
  out.push_back({"DwsepConv", "dwsep_fused", false, &applicable, &create});
}

}  // namespace castnet::ops
