// castnet.InvertedResidual: 1×1 expand conv → depthwise conv → 1×1 project conv (+ residual) in
// one pass over NCHWc data (MobileNetV2's block). The expanded tensor, the network's largest
// (t× the block's channels), never reaches the activation arena: the output is made band by
// band (a few whole rows), and for each band
//   1. the expand GEMM writes the expanded input rows the band's depthwise windows need (its
//      rows plus the kernel's halo) into a per-thread buffer sized to stay in L2;
//   2. the depthwise rows read that buffer and write the band's depthwise output into a second
//      per-thread buffer;
//   3. the project GEMM reads that back and writes the band's output rows, adding the residual
//      in its epilogue.
// A thread's bands are consecutive rows of one image, so the halo rows the previous band already
// expanded are moved to the buffer's top and kept instead of recomputed: each expanded row is
// computed once per thread, as in the unfused graph.
#include "ops/conv/conv_invres_nchwc.h"

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

// Output pixels per band (the project GEMM's width), and the most the two per-thread buffers
// may hold together: well inside a 1 MiB L2, leaving room for the input rows and the weights.
// (Measured on MobileNetV2, one Zen 5 core: 96–384 pixels and 256–768 KiB are within noise of
// each other; 768 pixels, or 256 KiB on the 7×7 blocks, are 10–20 % slower.)
constexpr int64_t kBandPixels = 192;
constexpr int64_t kBandBufferBytes = 448 * 1024;

enum Input : size_t { kX, kExpandW, kExpandB, kDwW, kDwB, kProjectW, kProjectB, kResidual };

std::vector<float> padded(const Tensor* t, int64_t n, int64_t to) {
  std::vector<float> v(static_cast<size_t>(to), 0.f);
  if (t) std::memcpy(v.data(), t->data(), static_cast<size_t>(n) * sizeof(float));
  return v;
}

// Expanded rows [begin, end) held in a thread's buffer for image n (row `begin` at the top).
struct HeldRows {
  int64_t n = -1, begin = 0, end = 0;
};

class ConvInvresNchwc final : public OpKernel {
 public:
  explicit ConvInvresNchwc(const NodeDesc& node)
      : dw_uk_(kernels::dwconv_nchwc_config(node.ctx->isa)), pw_uk_(kernels::conv_nchwc_config(node.ctx->isa)),
        B_(pw_uk_.block), threads_(node.ctx->pool->size()) {
    if (dw_uk_.block != pw_uk_.block) throw Error("depthwise and pointwise kernels disagree on the block size");
    const Shape& x = node.input(kX).shape;
    CI_ = x[1];
    CE_ = node.input(kExpandW).shape[0];
    M_ = node.input(kProjectW).shape[0];
    d_ = ir::conv_desc_from_attrs(ir::schemas::prefixed_attrs(node.attrs(), "dw."), Shape{x[0], CE_, x[2], x[3]},
                                  node.input(kDwW).shape);
    icb_ = div_ceil(CI_, B_);
    ceb_ = div_ceil(CE_, B_);
    mb_ = div_ceil(M_, B_);

    // Output blocks in near-equal groups (9 = 3 + 3 + 3, not 4 + 4 + 1): every tile stays full.
    auto groups = [&](int64_t blocks) { return even_group_blocks(blocks, div_ceil(blocks, pw_uk_.nb_max)); };
    ex_w_ = pack_weights_nchwc_groups(node.constant_input(kExpandW)->data_as<float>(), CE_, CI_, 1, B_, B_,
                                      groups(ceb_));
    ex_b_ = padded(node.constant_input(kExpandB), CE_, ceb_ * B_);
    // Depthwise weights [CEB][KH][KW][B].
    const int64_t taps = d_.kh() * d_.kw();
    dw_w_ = AlignedBuffer(static_cast<size_t>(ceb_ * taps * B_) * sizeof(float));
    std::memset(dw_w_.data(), 0, dw_w_.size());
    const float* w = node.constant_input(kDwW)->data_as<float>();
    for (int64_t c = 0; c < CE_; ++c)
      for (int64_t k = 0; k < taps; ++k) dw_w_.as<float>()[((c / B_) * taps + k) * B_ + c % B_] = w[c * taps + k];
    dw_b_ = padded(node.constant_input(kDwB), CE_, ceb_ * B_);
    pj_w_ = pack_weights_nchwc_groups(node.constant_input(kProjectW)->data_as<float>(), M_, CE_, 1, B_, B_, groups(mb_));
    pj_b_ = padded(node.constant_input(kProjectB), M_, mb_ * B_);
    ex_act_ = decode_fused_activation(node.attrs(), "expand.");
    dw_act_ = decode_fused_activation(node.attrs(), "dw.");
    pj_act_ = decode_fused_activation(node.attrs(), "");
    has_residual_ = node.has_input(kResidual);
    choose_band_rows();
  }

  std::string algorithm() const override {
    const bool rows = dw_uk_.rows_for(d_.kh(), d_.kw(), d_.stride[0], d_.stride[1], d_.dilation[0], d_.dilation[1]);
    return std::string("invres_fused_") + pw_uk_.name + "+" + (rows ? dw_uk_.rows_name : dw_uk_.name);
  }
  Layout output_layout(size_t) const override { return Layout::nchwc(static_cast<int>(B_)); }
  size_t workspace_bytes() const override { return static_cast<size_t>(threads_) * thread_floats() * sizeof(float); }

  void run(const KernelArgs& args) const override {
    const float* in = args.in(kX).as<const float>();
    float* out = args.out(0).as<float>();
    const float* res = has_residual_ ? args.in(kResidual).as<const float>() : nullptr;
    const int64_t OH = d_.oh(), bands = div_ceil(OH, band_rows_);
    args.ctx->pool->parallel_for(d_.batch * bands, [&](int64_t begin, int64_t end, int thread) {
      float* expanded = static_cast<float*>(args.workspace) + static_cast<size_t>(thread) * thread_floats();
      float* band = expanded + expanded_floats();
      HeldRows held;  // a range of items is consecutive bands: each reuses the previous one's halo
      for (int64_t item = begin; item < end; ++item) {
        int64_t n = item / bands, oh0 = (item % bands) * band_rows_;
        run_band(in, out, res, expanded, band, held, n, oh0, std::min(OH, oh0 + band_rows_));
      }
    });
  }

 private:
  // Expanded (depthwise input) rows [lo, hi) that output rows [oh0, oh1) read; empty if every
  // window of the band lies in the padding.
  void input_rows(int64_t oh0, int64_t oh1, int64_t& lo, int64_t& hi) const {
    lo = d_.ih();
    hi = 0;
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      const int64_t ih0 = oh * d_.stride[0] - d_.pad_begin[0];
      int64_t k_lo, k_hi;
      valid_taps(ih0, d_.kh(), d_.dilation[0], d_.ih(), k_lo, k_hi);
      if (k_lo >= k_hi) continue;
      lo = std::min(lo, ih0 + k_lo * d_.dilation[0]);
      hi = std::max(hi, ih0 + (k_hi - 1) * d_.dilation[0] + 1);
    }
    if (hi <= lo) lo = hi = 0;
  }

  // The most rows per band that fit the buffer budget, fewer where that leaves a thread idle on
  // a small batch; then the expanded buffer's height (its largest band's input rows).
  void choose_band_rows() {
    const int64_t OH = d_.oh(), OW = d_.ow();
    const int64_t row_bytes = ceb_ * B_ * static_cast<int64_t>(sizeof(float));
    const int64_t per_thread = div_ceil(OH, std::max<int64_t>(1, threads_ / std::max<int64_t>(1, d_.batch)));
    int64_t rows = std::clamp<int64_t>(std::min(div_ceil(kBandPixels, OW), per_thread), 1, OH);
    if (rows % 2 && rows + 1 <= std::min(per_thread, OH)) ++rows;  // the depthwise rows kernel works in pairs
    auto bytes = [&](int64_t r) {
      const int64_t in_rows = std::min(d_.ih(), (r - 1) * d_.stride[0] + (d_.kh() - 1) * d_.dilation[0] + 1);
      return (in_rows * d_.iw() + r * OW) * row_bytes;
    };
    while (rows > 1 && bytes(rows) > kBandBufferBytes) --rows;
    band_rows_ = rows;
    held_rows_max_ = 0;
    for (int64_t oh0 = 0; oh0 < OH; oh0 += band_rows_) {
      int64_t lo, hi;
      input_rows(oh0, std::min(OH, oh0 + band_rows_), lo, hi);
      held_rows_max_ = std::max(held_rows_max_, hi - lo);
    }
  }

  size_t expanded_floats() const { return static_cast<size_t>(align_floats(ceb_ * held_rows_max_ * d_.iw() * B_)); }
  size_t band_floats() const { return static_cast<size_t>(align_floats(ceb_ * band_rows_ * d_.ow() * B_)); }
  size_t thread_floats() const { return expanded_floats() + band_floats(); }
  static int64_t align_floats(int64_t n) { return (n + 15) / 16 * 16; }  // 64-byte multiples

  void run_band(const float* in, float* out, const float* res, float* expanded, float* band, HeldRows& held,
                int64_t n, int64_t oh0, int64_t oh1) const {
    const int64_t IH = d_.ih(), IW = d_.iw(), OH = d_.oh(), OW = d_.ow(), B = B_;
    const int64_t block_stride = held_rows_max_ * IW * B;  // between channel blocks of `expanded`
    int64_t lo, hi;
    input_rows(oh0, oh1, lo, hi);

    // 1. Expanded rows [lo, hi): keep those the previous band of this image left, expand the rest.
    int64_t from = lo;
    if (held.n == n && held.begin <= lo && lo < held.end && held.end <= hi) {
      if (held.begin < lo)
        for (int64_t cb = 0; cb < ceb_; ++cb)
          std::memmove(expanded + cb * block_stride, expanded + cb * block_stride + (lo - held.begin) * IW * B,
                       static_cast<size_t>((held.end - lo) * IW * B) * sizeof(float));
      from = held.end;
    }
    if (from < hi) {
      PointwiseTiles expand{&pw_uk_, &ex_w_, ex_b_.data(), ex_act_, ceb_, CI_ % B};
      expand.run(in + (n * icb_ * IH + from) * IW * B, IH * IW * B, icb_, (hi - from) * IW,
                 expanded + (from - lo) * IW * B, nullptr, block_stride);
    }
    held = {n, lo, hi};

    // 2. Depthwise: rows [oh0, oh1) of every channel block into band[cb][pixel][B]. DwconvRow
    // addresses a whole input plane by absolute row; the plane's origin sits `lo` rows above the
    // buffer and only rows in [lo, hi) are read.
    const int64_t pixels = (oh1 - oh0) * OW;
    DwconvRow rows{&dw_uk_, &d_, dw_w_.as<float>(), dw_b_.data(), dw_act_};
    for (int64_t cb = 0; cb < ceb_; ++cb)
      rows.run_rows(expanded + cb * block_stride - lo * IW * B, band + cb * pixels * B, nullptr, cb, oh0, oh1);

    // 3. Project: a GEMM over the band's pixels, the residual added in its epilogue.
    PointwiseTiles project{&pw_uk_, &pj_w_, pj_b_.data(), pj_act_, mb_, CE_ % B};
    const int64_t out_offset = (n * mb_ * OH + oh0) * OW * B;
    project.run(band, pixels * B, ceb_, pixels, out + out_offset, res ? res + out_offset : nullptr, OH * OW * B);
  }

  const kernels::DwconvNchwcUkernel& dw_uk_;
  const kernels::ConvNchwcUkernel& pw_uk_;
  const int64_t B_;
  int threads_;
  ConvDesc d_;  // the depthwise stage (its input is the expanded tensor)
  int64_t CI_ = 0, CE_ = 0, M_ = 0, icb_ = 0, ceb_ = 0, mb_ = 0;
  int64_t band_rows_ = 1, held_rows_max_ = 1;
  PackedConvWeights ex_w_, pj_w_;
  AlignedBuffer dw_w_;
  std::vector<float> ex_b_, dw_b_, pj_b_;
  kernels::ConvPostOps ex_act_, dw_act_, pj_act_;
  bool has_residual_ = false;
};

bool applicable(const NodeDesc& node) {
  if (node.ctx->isa == Isa::reference) return false;
  const ir::Value& x = node.input(kX);
  if (x.dtype != DType::f32 || x.layout.kind != Layout::Kind::nchwc) return false;
  if (x.layout.block != kernels::conv_nchwc_config(node.ctx->isa).block) return false;
  if (node.output(0).layout != x.layout) return false;
  if (node.has_input(kResidual) && node.input(kResidual).layout != x.layout) return false;
  for (size_t i : {kExpandW, kDwW, kProjectW}) if (!node.constant_input(i)) return false;
  for (size_t i : {kExpandB, kDwB, kProjectB}) if (node.has_input(i) && !node.constant_input(i)) return false;
  return true;
}

std::unique_ptr<OpKernel> create(const NodeDesc& node) { return std::make_unique<ConvInvresNchwc>(node); }

}  // namespace

void add_conv_invres_nchwc(std::vector<OpImplementation>& out) {
  out.push_back({"InvertedResidual", "invres_fused", false, &applicable, &create});
}

}  // namespace castnet::ops
