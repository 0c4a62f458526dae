// Convolution as a direct, implicit-GEMM loop nest on the NCHWc layout (any kernel size, stride,
// dilation and padding; group = 1). The weights are packed once at creation; each run walks
// output rows in tiles of the microkernel's size. 1×1 stride-1 convolutions with no padding are
// treated as a single row of H·W pixels: a plain GEMM that reads the activation tensor in place.
//
// Where the time goes, and what this driver does about it (ResNet-50 on one Zen 5 core):
//   - Weights. A network's weights (100 MB for ResNet-50) do not fit any cache, so every layer
//     streams its own from DRAM once per inference. A stream consumed in bursts (the first tile
//     of each input-channel chunk waits for DRAM, the others compute from L2) costs the sum of
//     memory and arithmetic time; the microkernel therefore prefetches the next chunk, spread
//     over the taps of the current one, so the two overlap.
//   - Tile occupancy. The 6 × 4 tile reaches ~90 % of peak; a 1–3 pixel tile is bound by
//     loading its weights (4 vectors for as few as 4 FMAs). Rows are cut into near-equal tiles
//     (14 = 5 + 5 + 4, not 6 + 6 + 2), and the padded border columns, which have fewer taps, are
//     computed down the column (one tile spans several rows: same taps, constant strides)
//     instead of one pixel at a time.
//   - Reuse. Small weights (all of a layer's in L2) run every output-channel group on a band
//     before the next band, so the band's input is read once; large ones keep a group's weight
//     chunk in L2 over the whole plane (one band where parallelism allows), so it is streamed
//     once. Input-channel chunks and bands are split into near-equal parts (no 1-row band or
//     1-block chunk that re-streams everything for a sliver of work).
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

constexpr int64_t kWeightChunkBytes = 192 * 1024;  // packed weights per input-channel chunk (L2-resident)
constexpr int64_t kSmallWeightBytes = 256 * 1024;  // a layer whose weights all stay in L2
constexpr int64_t kInputL2Bytes = 1024 * 1024;     // an input plane (all channels) that stays in L2
// Output pixels per work item: small weights favour short bands (the band's input stays in L1/L2
// across the groups); large weights favour whole planes (each chunk streamed once).
constexpr int64_t kSmallWeightBandPixels = 192;
constexpr int64_t kLargeWeightBandPixels = 1024;
constexpr int64_t kCacheLine = 64;

// [0, extent) cut into `count` near-equal pieces of at most `max_piece` (one piece when extent
// is 0); piece i is [begin(i), begin(i + 1)).
struct EvenSplit {
  int64_t extent = 0, count = 1;
  static EvenSplit of(int64_t extent, int64_t max_piece) {
    return {extent, std::max<int64_t>(1, div_ceil(extent, std::max<int64_t>(max_piece, 1)))};
  }
  int64_t begin(int64_t i) const { return extent * i / count; }
  int64_t size(int64_t i) const { return begin(i + 1) - begin(i); }
};

// Near-equal tiles of at most `max_tile` over [0, extent), walked without a division per tile.
struct TileRun {
  int64_t count, base, extra;  // `extra` tiles of base + 1, then base
  static TileRun of(int64_t extent, int64_t max_tile) {
    const int64_t count = std::max<int64_t>(1, div_ceil(extent, max_tile));
    return {count, extent / count, extent % count};
  }
  int64_t size(int64_t t) const { return base + (t < extra ? 1 : 0); }
};

// Lines of the next weight chunk still to prefetch, handed out a share per microkernel call.
struct PrefetchCursor {
  const float* next = nullptr;
  size_t lines_left = 0;
  size_t per_call = 0;  // share of each call of the current unit
  size_t per_tap = 0;   // of each call of the current row

  void start_row(size_t taps) { per_tap = taps && lines_left ? (per_call + taps - 1) / taps : 0; }
  void take(kernels::ConvNchwcArgs& a, size_t taps) {
    a.prefetch = next;
    a.prefetch_lines_per_tap = lines_left ? per_tap : 0;
    const size_t lines = std::min(lines_left, a.prefetch_lines_per_tap * taps);
    next += lines * (kCacheLine / sizeof(float));
    lines_left -= lines;
  }
};

class ConvNchwcDirect final : public NchwcConvKernel {
 public:
  explicit ConvNchwcDirect(const NodeDesc& node)
      : NchwcConvKernel(node, kernels::conv_nchwc_config(node.ctx->isa).block),
        uk_(kernels::conv_nchwc_config(node.ctx->isa)) {
    groups_ = div_ceil(ocb_, uk_.nb_max);
    packed_ = pack_weights_nchwc(node.constant_input(1)->data_as<float>(), d_.out_channels, d_.in_channels,
                                 d_.kh() * d_.kw(), B_, uk_.nb_max);
    bias_ = padded_bias(node);
    // 1×1 with no padding: the plane is one long row. With a stride, the pixels it reads are
    // first gathered into a dense plane (a quarter of the input at stride 2, a few percent of
    // the layer's time) so that the tiles run along the whole plane instead of short rows
    // (7 = 4 + 3 pixels at the 7×7 stage).
    const bool one_by_one = d_.kh() == 1 && d_.kw() == 1 && d_.pad_begin[0] == 0 && d_.pad_begin[1] == 0 &&
                            d_.pad_end[0] == 0 && d_.pad_end[1] == 0;
    // Gathered only where rows make poor tiles (their mean tile under MR - 1 pixels: OW = 7, 14
    // for MR = 6); at OW = 28 the rows tile well and the copy would cost more than it saves.
    const int64_t row_tiles = div_ceil(d_.ow(), uk_.mr_max);
    subsample_ = one_by_one && (d_.stride[0] != 1 || d_.stride[1] != 1) &&
                 d_.ow() < (uk_.mr_max - 1) * row_tiles;
    flat_ = one_by_one && ((d_.stride[0] == 1 && d_.stride[1] == 1) || subsample_);
    threads_ = node.ctx->pool ? node.ctx->pool->size() : 1;
    small_weights_ = static_cast<int64_t>(packed_.data.size()) <= kSmallWeightBytes;
    // Groups innermost only pays when the input would not stay in L2 between groups; otherwise
    // each group's output (and residual) planes are walked as long unbroken streams.
    const int64_t input_bytes = icb_ * (flat_ ? d_.out_spatial() : d_.in_spatial()) * B_ * static_cast<int64_t>(sizeof(float));
    groups_inner_ = small_weights_ && input_bytes > kInputL2Bytes;
    chunks_ = EvenSplit::of(icb_, std::max<int64_t>(1, kWeightChunkBytes / weight_bytes_per_icb(uk_.nb_max)));
  }

  std::string algorithm() const override { return std::string("conv_direct_") + uk_.name; }

 private:
  // The output plane as rows of pixels (a flat 1×1 plane is one row of H·W).
  struct Plane {
    int64_t IH, IW, OH, OW;
  };
  // One work item: image n, output-channel group g, output rows [oh0, oh1) × columns [ow0, ow1).
  struct Unit {
    int64_t n, g, oh0, oh1, ow0, ow1;
  };

  int64_t group_blocks(int64_t g) const { return std::min<int64_t>(uk_.nb_max, ocb_ - g * uk_.nb_max); }

  // Packed weight bytes of one input-channel block for a group of nb output blocks.
  int64_t weight_bytes_per_icb(int64_t nb) const {
    return d_.kh() * d_.kw() * B_ * std::min<int64_t>(nb, ocb_) * B_ * static_cast<int64_t>(sizeof(float));
  }

  // Packed weights of group g from input-channel block `icb` on.
  const float* group_weights(int64_t g, int64_t icb) const {
    return packed_.data.as<float>() + packed_.group_offset[static_cast<size_t>(g)] +
           icb * weight_bytes_per_icb(group_blocks(g)) / static_cast<int64_t>(sizeof(float));
  }

  size_t scratch_bytes() const override {
    return subsample_ ? static_cast<size_t>(d_.batch * icb_ * d_.out_spatial() * B_) * sizeof(float) : 0;
  }

  // The input pixels a strided 1×1 convolution reads, as a dense [N][ICB][OH·OW][B] plane.
  void gather_strided_pixels(const float* in, float* dense, ThreadPool& pool) const {
    const int64_t IH = d_.ih(), IW = d_.iw(), OH = d_.oh(), OW = d_.ow(), B = B_;
    const int64_t sh = d_.stride[0], sw = d_.stride[1];
    pool.parallel_for(d_.batch * icb_, [&](int64_t begin, int64_t end, int) {
      for (int64_t plane = begin; plane < end; ++plane) {
        const float* src = in + plane * IH * IW * B;
        float* dst = dense + plane * OH * OW * B;
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            const float* s = src + (oh * sh * IW + ow * sw) * B;
            float* t = dst + (oh * OW + ow) * B;
            if (B == 16) std::memcpy(t, s, 16 * sizeof(float));  // a constant size: inlined
            else std::memcpy(t, s, static_cast<size_t>(B) * sizeof(float));
          }
      }
    });
  }

  void compute(const float* in, float* out, const float* residual, void* scratch, ThreadPool& pool) const override {
    const Plane pl = flat_ ? Plane{1, d_.out_spatial(), 1, d_.out_spatial()} : Plane{d_.ih(), d_.iw(), d_.oh(), d_.ow()};
    if (subsample_) {
      float* dense = static_cast<float*>(scratch);
      gather_strided_pixels(in, dense, pool);
      in = dense;
    }
    // Bands: whole rows (or, flat, a run of the single row) of about the target pixel count,
    // more of them if the threads would otherwise idle.
    const int64_t target = small_weights_ ? kSmallWeightBandPixels : kLargeWeightBandPixels;
    const int64_t rows = flat_ ? pl.OW : pl.OH;        // what bands cut
    const int64_t row_pixels = flat_ ? 1 : pl.OW;
    EvenSplit bands = EvenSplit::of(rows, std::max<int64_t>(1, target / std::max<int64_t>(row_pixels, 1)));
    const int64_t min_bands = div_ceil(threads_, d_.batch * groups_);
    if (bands.count < min_bands) bands = EvenSplit{rows, std::min(rows, min_bands)};
    if (bands.count < 1) bands.count = 1;
    const int64_t items = d_.batch * groups_ * bands.count;

    auto unit_of = [&](int64_t item) {
      Unit u{};
      int64_t band;
      if (groups_inner_) {  // groups innermost: the band's input is reused from cache
        u.g = item % groups_;
        band = (item / groups_) % bands.count;
      } else {  // bands innermost: the group's weights are reused from cache
        band = item % bands.count;
        u.g = (item / bands.count) % groups_;
      }
      u.n = item / bands.count / groups_;
      const int64_t b0 = bands.begin(band), b1 = bands.begin(band + 1);
      if (flat_) u.oh0 = 0, u.oh1 = 1, u.ow0 = b0, u.ow1 = b1;
      else u.oh0 = b0, u.oh1 = b1, u.ow0 = 0, u.ow1 = pl.OW;
      return u;
    };

    pool.parallel_for(items, [&](int64_t begin, int64_t end, int) {
      for (int64_t item = begin; item < end; ++item) {
        const Unit u = unit_of(item);
        if (u.oh0 == u.oh1 || u.ow0 == u.ow1) continue;
        for (int64_t c = 0; c < chunks_.count; ++c) {
          // What this thread reads next: the following chunk of this group, or the first of the
          // next item's group.
          PrefetchCursor pf;
          int64_t next_g = u.g, next_icb = chunks_.begin(c + 1), next_count = 0;
          if (c + 1 < chunks_.count) {
            next_count = chunks_.size(c + 1);
          } else if (item + 1 < end) {
            next_g = unit_of(item + 1).g;
            next_icb = 0;
            next_count = chunks_.size(0);
          }
          if (next_count > 0) {
            pf.next = group_weights(next_g, next_icb);
            pf.lines_left = static_cast<size_t>(next_count * weight_bytes_per_icb(group_blocks(next_g)) / kCacheLine);
          }
          run_unit(in, out, residual, pl, u, chunks_.begin(c), chunks_.size(c), pf);
        }
      }
    });
  }

  // One unit over input-channel blocks [icb0, icb0 + icb_count): interior tiles row by row, then
  // the border columns down the band.
  void run_unit(const float* in, float* out, const float* residual, const Plane& pl, const Unit& u, int64_t icb0,
                int64_t icb_count, PrefetchCursor& pf) const {
    const int64_t KH = d_.kh(), KW = d_.kw();
    // A flat plane is a 1×1 convolution, stride 1 (after any gathering), no padding.
    const int64_t sh = flat_ ? 1 : d_.stride[0], sw = flat_ ? 1 : d_.stride[1];
    const int64_t dh = d_.dilation[0], dw = d_.dilation[1];
    const int64_t ph = flat_ ? 0 : d_.pad_begin[0], pw = flat_ ? 0 : d_.pad_begin[1];
    const int64_t nb = group_blocks(u.g);
    const int64_t B = B_;

    kernels::ConvNchwcArgs a;
    a.in_pixel_stride = sw * B;
    a.in_kw_stride = dw * B;
    a.in_kh_stride = dh * pl.IW * B;
    a.in_icb_stride = pl.IH * pl.IW * B;
    a.icb_count = static_cast<size_t>(icb_count);
    a.accumulate = icb0 > 0;
    a.last = icb0 + icb_count == icb_;
    a.w_ic_stride = nb * B;
    a.w_kw_stride = B * nb * B;
    a.w_kh_stride = KW * a.w_kw_stride;
    a.w_icb_stride = KH * a.w_kh_stride;
    a.out_pixel_stride = B;
    a.out_ocb_stride = pl.OH * pl.OW * B;
    a.post = post_ops(bias_.data() + u.g * uk_.nb_max * B);

    const float* in_n = in + (u.n * icb_ + icb0) * pl.IH * pl.IW * B;
    const float* w_chunk = group_weights(u.g, icb0);
    const int64_t out_offset = (u.n * ocb_ + u.g * uk_.nb_max) * pl.OH * pl.OW * B;
    float* out_g = out + out_offset;
    const float* res_g = residual ? residual + out_offset : nullptr;

    // Output columns whose taps all fall inside the input, cut into near-equal tiles.
    int64_t ow_lo, ow_hi;
    interior_outputs(pl.IW, KW, sw, dw, pw, u.ow0, u.ow1, ow_lo, ow_hi);
    const TileRun tiles = TileRun::of(ow_hi - ow_lo, uk_.mr_max);
    const bool has_interior = ow_hi > ow_lo;
    if (has_interior) {
      const size_t calls = static_cast<size_t>((u.oh1 - u.oh0) * tiles.count);
      pf.per_call = (pf.lines_left + calls - 1) / calls;
    }

    kernels::ConvNchwcUkernelFn fn = uk_.for_stride(a.in_pixel_stride);
    for (int64_t oh = u.oh0; oh < u.oh1 && has_interior; ++oh) {
      const int64_t ih0 = oh * sh - ph;
      int64_t kh_lo, kh_hi;
      valid_taps(ih0, KH, dh, pl.IH, kh_lo, kh_hi);
      kernels::ConvNchwcArgs r = a;
      r.kh_count = static_cast<size_t>(kh_hi - kh_lo);
      r.kw_count = static_cast<size_t>(KW);
      r.w = w_chunk + kh_lo * a.w_kh_stride;
      const size_t taps = r.icb_count * r.kh_count * r.kw_count;
      pf.start_row(taps);
      for (int64_t t = 0, ow = ow_lo; t < tiles.count; ++t) {
        const int64_t mr = tiles.size(t);
        r.in = in_n + ((ih0 + kh_lo * dh) * pl.IW + ow * sw - pw) * B;
        r.out = out_g + (oh * pl.OW + ow) * B;
        if (res_g) r.post.residual = res_g + (oh * pl.OW + ow) * B;
        pf.take(r, taps);
        fn(static_cast<size_t>(mr), static_cast<size_t>(nb), r);
        ow += mr;
      }
    }

    // Border columns (left of ow_lo, right of ow_hi): the pixels of one column in consecutive rows
    // with the same valid kernel rows share their taps, and lie a constant stride apart in both
    // input (sh rows) and output (one row), so they form one tile down the column.
    auto border_column = [&](int64_t ow) {
      const int64_t iw0 = ow * sw - pw;
      int64_t kw_lo, kw_hi;
      valid_taps(iw0, KW, dw, pl.IW, kw_lo, kw_hi);
      kernels::ConvNchwcArgs c = a;
      c.prefetch = nullptr;
      c.prefetch_lines_per_tap = 0;
      c.in_pixel_stride = sh * pl.IW * B;
      c.out_pixel_stride = pl.OW * B;
      c.kw_count = static_cast<size_t>(kw_hi - kw_lo);
      for (int64_t oh = u.oh0; oh < u.oh1;) {
        int64_t kh_lo, kh_hi;
        valid_taps(oh * sh - ph, KH, dh, pl.IH, kh_lo, kh_hi);
        int64_t run_end = oh + 1;  // rows with the same valid kernel rows
        for (; run_end < u.oh1; ++run_end) {
          int64_t lo, hi;
          valid_taps(run_end * sh - ph, KH, dh, pl.IH, lo, hi);
          if (lo != kh_lo || hi != kh_hi) break;
        }
        c.kh_count = static_cast<size_t>(kh_hi - kh_lo);
        c.w = w_chunk + kh_lo * a.w_kh_stride + kw_lo * a.w_kw_stride;
        const TileRun col_tiles = TileRun::of(run_end - oh, uk_.mr_max);
        for (int64_t t = 0, row = oh; t < col_tiles.count; ++t) {
          c.in = in_n + ((row * sh - ph + kh_lo * dh) * pl.IW + iw0 + kw_lo * dw) * B;
          c.out = out_g + (row * pl.OW + ow) * B;
          if (res_g) c.post.residual = res_g + (row * pl.OW + ow) * B;
          uk_.any(static_cast<size_t>(col_tiles.size(t)), static_cast<size_t>(nb), c);
          row += col_tiles.size(t);
        }
        oh = run_end;
      }
    };
    for (int64_t ow = u.ow0; ow < ow_lo; ++ow) border_column(ow);
    for (int64_t ow = ow_hi; ow < u.ow1; ++ow) border_column(ow);
  }

  const kernels::ConvNchwcUkernel& uk_;
  bool flat_ = false;       // computed as one row of pixels
  bool subsample_ = false;  // flat after gathering the pixels a strided 1×1 reads
  bool small_weights_ = true;  // all weights fit in L2
  bool groups_inner_ = false;  // items ordered band-major
  int threads_ = 1;
  int64_t groups_ = 0;
  EvenSplit chunks_;
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
