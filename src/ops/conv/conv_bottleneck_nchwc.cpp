// castnet.BottleneckConv: a ResNet bottleneck 1×1 → 3×3 → 1×1 (each with its folded BN and
// activation, the last with the residual add) in one pass over NCHWc data, the two intermediate
// tensors kept in per-thread buffers that stay in L2.
//
// The output plane is cut into bands of whole Winograd tile rows (m output rows each). Each
// thread walks a contiguous segment of an image's tile rows, top to bottom, and per band:
//   1. conv1 (the pointwise microkernel) writes the band's rows plus the 3×3's one-row halo above
//      and below into T1 [mid block][row][W][B]. Consecutive bands of a segment overlap by the
//      two halo rows, which are moved to the top of T1 instead of being recomputed: only segment
//      boundaries (one per thread) compute conv1 rows twice.
//   2. conv2, Winograd F(m×m, 3×3) over the band's tiles (input transform from T1, the α²
//      products with the microkernel, output transform with bias and activation) into T2.
//   3. conv3 (the pointwise microkernel) reads T2 and writes the output band with bias,
//      residual and activation.
// Only X, the residual and the output touch the activation arena; the unfused path writes each
// intermediate to memory and reads it back (and the three steps each pay a thread-pool
// dispatch). At batch 1 the saving is small, as ResNet-50's intermediates from 28×28 down fit
// L2 even unfused, while the fused 3×3 works on shorter runs of tiles than the separate
// Winograd step: measured per shape (bench/bottleneck_bench.cpp), the pass
// (fuse_bottleneck.cpp) forms this op only where it was not slower.
#include "ops/conv/conv_bottleneck_nchwc.h"

#include <castnet/error.h>

#include "core/aligned.h"
#include "ir/conv_params.h"
#include "ir/schemas/schema_families.h"
#include "kernels/config/conv_config.h"
#include "kernels/winograd/winograd_config.h"
#include "kernels/winograd/winograd_filter_transform.h"
#include "ops/conv/conv_geometry.h"
#include "ops/conv/nchwc_conv_kernel.h"
#include "ops/conv/nchwc_weight_packing.h"
#include "ops/conv/pointwise_tiles.h"

#include <algorithm>
#include <cstring>

namespace castnet::ops {
namespace {

// T1 + V + M + T2 of one band: what must stay in L2 (1 MiB per core on Zen 4/5) next to the
// slice of transformed filters being multiplied.
constexpr double kL2BandBytes = 640 * 1024;
constexpr int64_t kLineFloats = 64 / sizeof(float);

std::vector<float> padded(const Tensor* t, int64_t n, int64_t to) {
  std::vector<float> v(static_cast<size_t>(to), 0.f);
  if (t) std::memcpy(v.data(), t->data(), static_cast<size_t>(n) * sizeof(float));
  return v;
}

// The Winograd tile the fused 3×3 uses: F(4×4) on large planes, F(2×2) where its 4× smaller
// filters matter more than its products (the same split the unfused cost rule makes at batch 1).
int winograd_tile(int64_t h, int64_t w) { return std::min(h, w) >= 28 ? 4 : 2; }

// The X rows the next band's conv1 will read, one contiguous run per channel block, pulled
// toward L2 a share at a time while the current band's Winograd products compute. Between two
// bands' conv1 the caches see the transforms and conv3's output and residual streams, and the
// hardware prefetchers, retrained on every band, would otherwise start each band cold.
struct NextRowsPrefetch {
  const float* first = nullptr;  // block 0 of the rows
  int64_t block_stride = 0;      // floats between channel blocks
  int64_t block_lines = 0;       // lines per block
  int64_t blocks = 0;
  int64_t done = 0;              // lines issued so far (block-major)

  void issue(int64_t lines) {
    const int64_t total = blocks * block_lines;
    for (const int64_t end = std::min(total, done + lines); done < end; ++done) {
      const float* p = first + (done / block_lines) * block_stride + (done % block_lines) * kLineFloats;
      __builtin_prefetch(p, 0, 2);
    }
  }
  int64_t total() const { return blocks * block_lines; }
};

class ConvBottleneckNchwc final : public OpKernel {
 public:
  explicit ConvBottleneckNchwc(const NodeDesc& node)
      : uk_(kernels::conv_nchwc_config(node.ctx->isa)), B_(uk_.block), threads_(node.ctx->pool->size()) {
    const Shape& x = node.input(0).shape;
    N_ = x[0], C_ = x[1], H_ = x[2], W_ = x[3];
    M1_ = node.input(1).shape[0];
    M2_ = node.input(3).shape[0];
    O_ = node.input(5).shape[0];
    cb_ = div_ceil(C_, B_), mb1_ = div_ceil(M1_, B_), mb2_ = div_ceil(M2_, B_), ob_ = div_ceil(O_, B_);
    wt_ = &kernels::winograd_transforms_config(node.ctx->isa, winograd_tile(H_, W_));
    if (wt_->block != B_) throw Error("Winograd transforms and microkernel disagree on the NCHWc block");
    m_ = wt_->tile;
    positions_ = wt_->alpha * wt_->alpha;
    tiles_w_ = div_ceil(W_, m_);
    tile_rows_ = div_ceil(H_, m_);
    groups2_ = div_ceil(mb2_, uk_.nb_max);

    pw1_ = pack_weights_nchwc(node.constant_input(1)->data_as<float>(), M1_, C_, 1, B_, uk_.nb_max);
    b1_ = padded(node.constant_input(2), M1_, mb1_ * B_);
    AlignedBuffer u(static_cast<size_t>(positions_ * M2_ * M1_) * sizeof(float));
    kernels::winograd_filter_transform(node.constant_input(3)->data_as<float>(), M2_, M1_, m_, u.as<float>());
    for (int64_t p = 0; p < positions_; ++p)
      u2_.push_back(pack_weights_nchwc(u.as<float>() + p * M2_ * M1_, M2_, M1_, 1, B_, uk_.nb_max));
    b2_ = padded(node.constant_input(4), M2_, mb2_ * B_);
    pw3_ = pack_weights_nchwc(node.constant_input(5)->data_as<float>(), O_, M2_, 1, B_, uk_.nb_max);
    b3_ = padded(node.constant_input(6), O_, ob_ * B_);
    act1_ = decode_fused_activation(node.attrs(), "c1.");
    act2_ = decode_fused_activation(node.attrs(), "c2.");
    act3_ = decode_fused_activation(node.attrs(), "");
    has_residual_ = node.has_input(7);
    plan_work();
  }

  std::string algorithm() const override { return std::string("bottleneck_fused_") + wt_->name; }
  Layout output_layout(size_t) const override { return Layout::nchwc(static_cast<int>(B_)); }
  size_t workspace_bytes() const override { return static_cast<size_t>(threads_) * thread_floats() * sizeof(float); }

  void run(const KernelArgs& args) const override {
    const float* x = args.in(0).as<const float>();
    const float* res = has_residual_ ? args.in(7).as<const float>() : nullptr;
    float* y = args.out(0).as<float>();
    args.ctx->pool->parallel_for(N_ * segments_, [&](int64_t begin, int64_t end, int thread) {
      float* t1 = static_cast<float*>(args.workspace) + static_cast<size_t>(thread) * thread_floats();
      for (int64_t item = begin; item < end; ++item) {
        const int64_t n = item / segments_, s = item % segments_;
        run_segment(x, res, y, t1, n, s * tile_rows_ / segments_, (s + 1) * tile_rows_ / segments_);
      }
    });
  }

 private:
  // Per-thread buffers, in floats: T1 holds a band's conv1 rows with both halo rows, V and M the
  // Winograd transforms of a band's tiles, T2 the band's conv2 output rows.
  int64_t t1_rows() const { return band_ * m_ + 2; }
  int64_t band_tiles() const { return band_ * tiles_w_; }
  size_t t1_floats() const { return align_up(static_cast<size_t>(mb1_ * t1_rows() * W_ * B_), kLineFloats); }
  size_t v_floats() const { return align_up(static_cast<size_t>(positions_ * mb1_ * band_tiles() * B_), kLineFloats); }
  size_t m_floats() const { return align_up(static_cast<size_t>(positions_ * mb2_ * band_tiles() * B_), kLineFloats); }
  size_t t2_floats() const { return align_up(static_cast<size_t>(mb2_ * band_ * m_ * W_ * B_), kLineFloats); }
  size_t thread_floats() const { return t1_floats() + v_floats() + m_floats() + t2_floats(); }

  // Segments per image: enough that every thread has one (a small batch split down the plane).
  // Band height: every band multiplies by all the transformed filters, so taller bands read
  // them fewer times; a band whose buffers outgrow L2 writes and re-reads them through L3
  // instead. The height with the least traffic of the two wins (the Winograd driver's rule).
  void plan_work() {
    segments_ = std::clamp<int64_t>(div_ceil(threads_, N_), 1, tile_rows_);
    const int64_t seg_rows = div_ceil(tile_rows_, segments_);
    const double filters = static_cast<double>(positions_ * mb1_ * mb2_ * B_ * B_) * sizeof(float);
    double best = 0;
    int64_t best_band = 1;
    for (int64_t b = 1; b <= seg_rows; ++b) {
      band_ = b;
      const double bytes = static_cast<double>(thread_floats()) * sizeof(float);
      const double bands = static_cast<double>(div_ceil(seg_rows, b));
      const double traffic = bands * filters + (bytes > kL2BandBytes ? 2 * bytes * bands : 0);
      if (b == 1 || traffic < best) best = traffic, best_band = b;
    }
    band_ = best_band;
  }

  // Tile rows [tr0, tr1) of image n, band by band.
  void run_segment(const float* x, const float* res, float* y, float* t1, int64_t n, int64_t tr0, int64_t tr1) const {
    float* v = t1 + t1_floats();
    float* mm = v + v_floats();
    float* t2 = mm + m_floats();
    const int64_t WB = W_ * B_, t1_block = t1_rows() * WB;
    int64_t have0 = 0, have1 = 0;  // conv1 rows in T1 (first at T1's top)
    for (int64_t b0 = tr0; b0 < tr1; b0 += band_) {
      const int64_t b1 = std::min(tr1, b0 + band_);
      // Input rows of the band's tiles (pad 1): [b0·m − 1, b1·m + 1) within the image.
      const int64_t need0 = std::max<int64_t>(0, b0 * m_ - 1), need1 = std::min(H_, b1 * m_ + 1);
      if (b0 == tr0 || have1 <= need0) {
        have0 = have1 = need0;
      } else if (need0 > have0) {  // keep the halo rows shared with the previous band
        for (int64_t cb = 0; cb < mb1_; ++cb)
          std::memmove(t1 + cb * t1_block, t1 + cb * t1_block + (need0 - have0) * WB,
                       static_cast<size_t>((have1 - need0) * WB) * sizeof(float));
        have0 = need0;
      }
      if (need1 > have1) {
        pointwise(pw1_, b1_.data(), act1_, mb1_, x + (n * cb_ * H_ + have1) * WB, H_ * WB, cb_, (need1 - have1) * W_,
                  t1 + (have1 - have0) * WB, nullptr, t1_block);
        have1 = need1;
      }
      transform_input(t1, have1 - have0, v, b0 * m_ - 1 - have0, b1 - b0);
      NextRowsPrefetch next_rows;
      if (b1 < tr1) {  // rows [need1, next band's need1) of X
        const int64_t next_need1 = std::min(H_, std::min(tr1, b1 + band_) * m_ + 1);
        next_rows.first = x + (n * cb_ * H_ + need1) * WB;
        next_rows.block_stride = H_ * WB;
        next_rows.block_lines = (next_need1 - need1) * WB / kLineFloats;
        next_rows.blocks = cb_;
      }
      multiply(v, mm, (b1 - b0) * tiles_w_, next_rows);
      transform_output(mm, t2, b0, b1);
      const int64_t r0 = b0 * m_, r1 = std::min(H_, b1 * m_);
      const int64_t offset = (n * ob_ * H_ + r0) * WB;
      pointwise(pw3_, b3_.data(), act3_, ob_, t2, band_ * m_ * WB, mb2_, (r1 - r0) * W_, y + offset,
                res ? res + offset : nullptr, H_ * WB);
    }
  }

  // A 1×1 convolution over `pixels` consecutive pixels, group by group (pointwise_group),
  // prefetching the next output group's weights while one group computes: conv1 and conv3 of
  // the deep stages have 0.25–1 MiB of weights each, streamed from DRAM once per band, and
  // without the prefetch each group's first tiles would wait for them.
  void pointwise(const PackedConvWeights& w, const float* bias, const kernels::ConvPostOps& act, int64_t out_blocks,
                 const float* in, int64_t in_block_stride, int64_t in_blocks, int64_t pixels, float* out,
                 const float* residual, int64_t out_block_stride) const {
    const int64_t B = B_, nb_max = uk_.nb_max, groups = div_ceil(out_blocks, nb_max);
    kernels::ConvNchwcArgs a;
    a.in_pixel_stride = B;
    a.in_icb_stride = in_block_stride;
    a.icb_count = static_cast<size_t>(in_blocks);
    a.out_pixel_stride = B;
    a.out_ocb_stride = out_block_stride;
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t nb = std::min(nb_max, out_blocks - g * nb_max);
      a.w = w.data.as<float>() + w.group_offset[static_cast<size_t>(g)];
      a.w_ic_stride = nb * B;
      a.w_kw_stride = a.w_kh_stride = a.w_icb_stride = B * nb * B;
      a.post = act;
      a.post.bias = bias + g * nb_max * B;
      const bool has_next = g + 1 < groups;
      const float* next = has_next ? w.data.as<float>() + w.group_offset[static_cast<size_t>(g + 1)] : nullptr;
      const int64_t next_lines =
          has_next ? div_ceil(in_blocks * B * std::min(nb_max, out_blocks - (g + 1) * nb_max) * B, kLineFloats) : 0;
      const int64_t group_offset = g * nb_max * out_block_stride;
      pointwise_group(uk_, a, nb, in, out + group_offset, residual ? residual + group_offset : nullptr, pixels, next,
                      next_lines);
    }
  }

  // V[p][cb][tile] for `rows` tile rows whose first window starts at T1 row `row0` (T1 holds
  // `t1_valid` rows; rows outside read as zero: the image's top and bottom padding).
  void transform_input(const float* t1, int64_t t1_valid, float* v, int64_t row0, int64_t rows) const {
    kernels::WinogradInputArgs a;
    a.ih = t1_valid;
    a.iw = W_;
    a.col = -1;
    a.tiles = static_cast<size_t>(tiles_w_);
    a.v_pos_stride = mb1_ * band_tiles() * B_;
    a.v_tile_stride = B_;
    for (int64_t cb = 0; cb < mb1_; ++cb) {
      a.plane = t1 + cb * t1_rows() * W_ * B_;
      for (int64_t r = 0; r < rows; ++r) {
        a.row = row0 + r * m_;
        a.v = v + (cb * band_tiles() + r * tiles_w_) * B_;
        wt_->input(a);
      }
    }
  }

  const float* filter(int64_t p, int64_t g) const {
    const PackedConvWeights& w = u2_[static_cast<size_t>(p)];
    return w.data.as<float>() + w.group_offset[static_cast<size_t>(g)];
  }
  int64_t group_blocks(int64_t g) const { return std::min<int64_t>(uk_.nb_max, mb2_ - g * uk_.nb_max); }

  // M[p][ob][tile] = Σ_cb V[p][cb][tile] · U[p]: per position a 1×1 convolution over the band's
  // tiles. While one (position, group) filter is multiplied, the next is prefetched, spread over
  // the calls, so filters that come from L3 or DRAM overlap with arithmetic.
  void multiply(const float* v, float* mm, int64_t tiles, NextRowsPrefetch& next_rows) const {
    const int64_t rows_share = div_ceil(next_rows.total(), positions_);
    const int64_t B = B_, stride = band_tiles() * B;
    kernels::ConvNchwcArgs a;
    a.in_pixel_stride = B;
    a.in_icb_stride = stride;
    a.icb_count = static_cast<size_t>(mb1_);
    a.out_pixel_stride = B;
    a.out_ocb_stride = stride;
    for (int64_t p = 0; p < positions_; ++p) {
      for (int64_t g = 0; g < groups2_; ++g) {
        const int64_t nb = group_blocks(g);
        a.w = filter(p, g);
        a.w_ic_stride = nb * B;
        a.w_kw_stride = a.w_kh_stride = a.w_icb_stride = B * nb * B;
        const int64_t next_p = g + 1 == groups2_ ? p + 1 : p, next_g = g + 1 == groups2_ ? 0 : g + 1;
        const float* next = next_p < positions_ ? filter(next_p, next_g) : nullptr;
        const int64_t next_lines = next ? div_ceil(mb1_ * B * group_blocks(next_g) * B, kLineFloats) : 0;
        pointwise_group(uk_, a, nb, v + p * mb1_ * stride, mm + (p * mb2_ + g * uk_.nb_max) * stride, nullptr, tiles,
                        next, next_lines);
      }
      next_rows.issue(rows_share);
    }
  }

  // T2 rows of tile rows [b0, b1) from M, with conv2's bias and activation.
  void transform_output(const float* mm, float* t2, int64_t b0, int64_t b1) const {
    kernels::WinogradOutputArgs a;
    a.m_pos_stride = mb2_ * band_tiles() * B_;
    a.m_tile_stride = B_;
    a.tiles = static_cast<size_t>(tiles_w_);
    a.out_row_stride = W_ * B_;
    a.cols = static_cast<size_t>(W_);
    for (int64_t ob = 0; ob < mb2_; ++ob) {
      a.post = act2_;
      a.post.bias = b2_.data() + ob * B_;
      for (int64_t th = b0; th < b1; ++th) {
        a.m = mm + (ob * band_tiles() + (th - b0) * tiles_w_) * B_;
        a.out = t2 + (ob * band_ * m_ + (th - b0) * m_) * W_ * B_;
        a.rows = static_cast<size_t>(std::min<int64_t>(m_, H_ - th * m_));
        wt_->output(a);
      }
    }
  }

  const kernels::ConvNchwcUkernel& uk_;
  const kernels::WinogradTransforms* wt_ = nullptr;
  const int64_t B_;
  int64_t threads_;
  int64_t N_ = 0, C_ = 0, H_ = 0, W_ = 0, M1_ = 0, M2_ = 0, O_ = 0;
  int64_t cb_ = 0, mb1_ = 0, mb2_ = 0, ob_ = 0, groups2_ = 0;
  int64_t m_ = 0, positions_ = 0, tiles_w_ = 0, tile_rows_ = 0;
  int64_t segments_ = 1, band_ = 1;  // segments per image; tile rows per band
  PackedConvWeights pw1_, pw3_;
  std::vector<PackedConvWeights> u2_;  // transformed 3×3 filters, per position
  std::vector<float> b1_, b2_, b3_;
  kernels::ConvPostOps act1_, act2_, act3_;
  bool has_residual_ = false;
};

bool is_pointwise_weight(const ir::Value& w, int64_t in_channels) {
  return w.shape.size() == 4 && w.shape[1] == in_channels && w.shape[2] == 1 && w.shape[3] == 1;
}

bool applicable(const NodeDesc& node) {
  if (node.ctx->isa == Isa::reference) return false;
  const ir::Value& x = node.input(0);
  if (x.dtype != DType::f32 || x.layout.kind != Layout::Kind::nchwc || x.shape.size() != 4) return false;
  if (x.layout.block != kernels::conv_nchwc_config(node.ctx->isa).block) return false;
  if (node.output(0).layout != x.layout) return false;
  if (node.has_input(7) && node.input(7).layout != x.layout) return false;
  for (size_t i : {1, 3, 5}) if (!node.constant_input(i)) return false;
  for (size_t i : {2, 4, 6}) if (node.has_input(i) && !node.constant_input(i)) return false;
  const ir::Value &w1 = node.input(1), &w2 = node.input(3), &w3 = node.input(5);
  if (!is_pointwise_weight(w1, x.shape[1]) || w2.shape.size() != 4 || !is_pointwise_weight(w3, w2.shape[0])) return false;
  const ConvDesc d = ir::conv_desc_from_attrs(ir::schemas::prefixed_attrs(node.attrs(), "c2."),
                                              {x.shape[0], w1.shape[0], x.shape[2], x.shape[3]}, w2.shape);
  // Winograd over bands of the plane: 3×3, stride 1, "same" padding of 1.
  return d.groups == 1 && d.kh() == 3 && d.kw() == 3 && d.stride[0] == 1 && d.stride[1] == 1 &&
         d.dilation[0] == 1 && d.dilation[1] == 1 && d.pad_begin[0] == 1 && d.pad_begin[1] == 1 &&
         d.pad_end[0] == 1 && d.pad_end[1] == 1;
}

std::unique_ptr<OpKernel> create(const NodeDesc& node) { return std::make_unique<ConvBottleneckNchwc>(node); }

}  // namespace

void add_conv_bottleneck_nchwc(std::vector<OpImplementation>& out) {
  out.push_back({"BottleneckConv", "bottleneck_fused", false, &applicable, &create});
}

}  // namespace castnet::ops
