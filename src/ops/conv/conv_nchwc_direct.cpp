// Convolution as a direct, implicit-GEMM loop nest on the NCHWc layout (any kernel size, stride,
// dilation and padding; group = 1). The weights are packed once at creation; each run walks
// output rows in tiles of the microkernel's size. 1×1 stride-1 convolutions with no padding are
// treated as a single row of H·W pixels: a plain GEMM that reads the activation tensor in place.
//
#include "ops/conv/conv_nchwc_direct.h"

#include <castnet/error.h>

#include "core/aligned.h"
#include "ir/conv_params.h"
#include "kernels/config/conv_config.h"
#include "ops/conv/conv_geometry.h"
#include "ops/conv/nchwc_conv_kernel.h"
#include "ops/conv/nchwc_weight_packing.h"

#include <algorithm>
#include <cstring>

namespace castnet::ops {
namespace {

constexpr int64_t kPixelChunk = 96;    // flat 1×1: output pixels per work item, a multiple of every MR
constexpr int64_t kBandPixels = 192;    // other convs: about this many output pixels (whole rows) per item
constexpr int64_t kWeightChunkBytes = 192 * 1024;  // packed weights per input-channel chunk (L2-resident)

class ConvNchwcDirect final : public NchwcConvKernel {
 public:
  explicit ConvNchwcDirect(const NodeDesc& node)
      : NchwcConvKernel(node, kernels::conv_nchwc_config(node.ctx->isa).block),
        uk_(kernels::conv_nchwc_config(node.ctx->isa)) {
    groups_ = div_ceil(ocb_, uk_.nb_max);
    packed_ = pack_weights_nchwc(node.constant_input(1)->data_as<float>(), d_.out_channels, d_.in_channels,
                                 d_.kh() * d_.kw(), B_, uk_.nb_max);
    bias_ = padded_bias(node);
    // 1×1, stride 1, no padding: the plane is one long row.
    flat_ = d_.kh() == 1 && d_.kw() == 1 && d_.stride[0] == 1 && d_.stride[1] == 1 &&
            d_.pad_begin[0] == 0 && d_.pad_begin[1] == 0 && d_.pad_end[0] == 0 && d_.pad_end[1] == 0;
  }

  std::string algorithm() const override { return std::string("conv_direct_") + uk_.name; }

 private:
  int64_t group_blocks(int64_t g) const { return std::min<int64_t>(uk_.nb_max, ocb_ - g * uk_.nb_max); }

  void compute(const float* in, float* out, const float* residual, void*, ThreadPool& pool) const override {
    // Geometry, with the 1×1 flat case folded into one row.
    const int64_t IH = flat_ ? 1 : d_.ih(), IW = flat_ ? d_.in_spatial() : d_.iw();
    const int64_t OH = flat_ ? 1 : d_.oh(), OW = flat_ ? d_.out_spatial() : d_.ow();
    // A work item is a band of output pixels for one group of output blocks: whole rows, or a
    // chunk of the single flat row. Within it, input channels are taken in chunks whose packed
    // weights stay in L2 while every pixel of the band uses them (partial sums wait in the output).
    const int64_t chunks = flat_ ? div_ceil(OW, kPixelChunk) : 1;
    const int64_t band_rows = flat_ ? 1 : std::clamp<int64_t>(kBandPixels / OW, 1, OH);
    const int64_t bands = flat_ ? chunks : div_ceil(OH, band_rows);
    const int64_t items = d_.batch * groups_ * bands;
    const int64_t icb_chunk = std::max<int64_t>(1, kWeightChunkBytes / weight_bytes_per_icb());
    pool.parallel_for(items, [&](int64_t begin, int64_t end, int) {
      for (int64_t item = begin; item < end; ++item) {
        int64_t band = item % bands;
        int64_t g = (item / bands) % groups_;
        int64_t n = item / bands / groups_;
        int64_t oh0 = flat_ ? 0 : band * band_rows, oh1 = flat_ ? 1 : std::min(OH, oh0 + band_rows);
        int64_t ow0 = flat_ ? band * kPixelChunk : 0, ow1 = flat_ ? std::min(OW, ow0 + kPixelChunk) : OW;
        for (int64_t kc = 0; kc < icb_; kc += icb_chunk) {
          IcbRange r{kc, std::min(icb_chunk, icb_ - kc)};
          for (int64_t oh = oh0; oh < oh1; ++oh) row(in, out, residual, r, n, g, oh, ow0, ow1, IH, IW, OH, OW);
        }
      }
    });
  }

  struct IcbRange {
    int64_t begin, count;
  };

  // Packed weight bytes of one input-channel block for one group of output blocks.
  int64_t weight_bytes_per_icb() const {
    return d_.kh() * d_.kw() * B_ * std::min<int64_t>(uk_.nb_max, ocb_) * B_ * static_cast<int64_t>(sizeof(float));
  }

  void row(const float* in, float* out, const float* residual, IcbRange icb, int64_t n, int64_t g, int64_t oh,
           int64_t ow_begin, int64_t ow_end, int64_t IH, int64_t IW, int64_t OH, int64_t OW) const {
    const int64_t KH = d_.kh(), KW = d_.kw();
    const int64_t sh = d_.stride[0], sw = d_.stride[1], dh = d_.dilation[0], dw = d_.dilation[1];
    const int64_t ph = flat_ ? 0 : d_.pad_begin[0], pw = flat_ ? 0 : d_.pad_begin[1];
    const int64_t nb = group_blocks(g);
    const int64_t B = B_;

    kernels::ConvNchwcArgs a;
    a.in_pixel_stride = sw * B;
    a.in_kw_stride = dw * B;
    a.in_kh_stride = dh * IW * B;
    a.in_icb_stride = IH * IW * B;
    a.icb_count = static_cast<size_t>(icb.count);
    a.accumulate = icb.begin > 0;
    a.last = icb.begin + icb.count == icb_;
    a.w_ic_stride = nb * B;
    a.w_kw_stride = B * nb * B;
    a.w_kh_stride = KW * a.w_kw_stride;
    a.w_icb_stride = KH * a.w_kh_stride;
    a.out_pixel_stride = B;
    a.out_ocb_stride = OH * OW * B;
    a.post = post_ops(bias_.data() + g * uk_.nb_max * B);

    // Valid kernel rows for this output row.
    const int64_t ih0 = oh * sh - ph;
    int64_t kh_lo, kh_hi;
    valid_taps(ih0, KH, dh, IH, kh_lo, kh_hi);
    a.kh_count = static_cast<size_t>(kh_hi - kh_lo);

    const float* in_n = in + (n * icb_ + icb.begin) * IH * IW * B;
    const float* w_g = packed_.data.as<float>() + packed_.group_offset[static_cast<size_t>(g)] +
                       icb.begin * a.w_icb_stride + kh_lo * a.w_kh_stride;
    const int64_t out_offset = ((n * ocb_ + g * uk_.nb_max) * OH + oh) * OW * B;
    float* out_row = out + out_offset;
    const float* res_row = residual ? residual + out_offset : nullptr;

    // Output columns whose taps all fall inside the input.
    int64_t ow_lo, ow_hi;
    interior_outputs(IW, KW, sw, dw, pw, ow_begin, ow_end, ow_lo, ow_hi);

    auto border_pixel = [&](int64_t ow) {
      int64_t iw0 = ow * sw - pw;
      int64_t kw_lo, kw_hi;
      valid_taps(iw0, KW, dw, IW, kw_lo, kw_hi);
      kernels::ConvNchwcArgs b = a;
      b.kw_count = static_cast<size_t>(kw_hi - kw_lo);
      b.in = in_n + ((ih0 + kh_lo * dh) * IW + iw0 + kw_lo * dw) * B;
      b.w = w_g + kw_lo * a.w_kw_stride;
      b.out = out_row + ow * B;
      if (res_row) b.post.residual = res_row + ow * B;
      uk_.any(1, static_cast<size_t>(nb), b);
    };

    for (int64_t ow = ow_begin; ow < ow_lo; ++ow) border_pixel(ow);
    kernels::ConvNchwcUkernelFn fn = uk_.for_stride(a.in_pixel_stride);
    a.kw_count = static_cast<size_t>(KW);
    a.w = w_g;
    for (int64_t ow = ow_lo; ow < ow_hi; ow += uk_.mr_max) {
      int64_t mr = std::min<int64_t>(uk_.mr_max, ow_hi - ow);
      a.in = in_n + ((ih0 + kh_lo * dh) * IW + ow * sw - pw) * B;
      a.out = out_row + ow * B;
      if (res_row) a.post.residual = res_row + ow * B;
      fn(static_cast<size_t>(mr), static_cast<size_t>(nb), a);
    }
    for (int64_t ow = ow_hi; ow < ow_end; ++ow) border_pixel(ow);
  }

  const kernels::ConvNchwcUkernel& uk_;
  bool flat_ = false;
  int64_t groups_ = 0;
  PackedConvWeights packed_;
  std::vector<float> bias_;
};

bool applicable(const NodeDesc& node) {
  if ((node.op_type() != "Conv" && node.op_type() != "FusedConv") || node.ctx->isa == Isa::reference) return false;
  if (!node.has_input(0) || !node.has_input(1) || !node.constant_input(1)) return false;
  if (node.input(0).dtype != DType::f32 || node.input(0).shape.size() != 4) return false;
  if (node.has_input(2) && !node.constant_input(2)) return false;
  return node.attrs().get_int("group", 1) == 1;
}

std::unique_ptr<OpKernel> create(const NodeDesc& node) { return std::make_unique<ConvNchwcDirect>(node); }

}  // namespace

void add_conv_nchwc_direct(std::vector<OpImplementation>& out) {
  out.push_back({"Conv", "conv_nchwc_direct", false, &applicable, &create});
  out.push_back({"FusedConv", "conv_nchwc_direct", false, &applicable, &create});
}

}  // namespace castnet::ops
