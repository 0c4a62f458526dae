// Convolution as a direct, implicit-GEMM loop nest on the NCHWc layout (any kernel size, stride,
// dilation and padding; group = 1). The weights are packed once at creation; each run walks
// output rows in tiles of the microkernel's size. 1×1 stride-1 convolutions with no padding are
// treated as a single row of H·W pixels: a plain GEMM that reads the activation tensor in place.
// The same driver also reads PLAIN NCHW input one channel per step (create_conv_direct_plain_input,
// the stems: 3 input channels would fill 3 of 16 lanes of an NCHWc block).
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
//     instead of one pixel at a time. Output blocks are grouped evenly (9 = 3 + 3 + 3, not
//     4 + 4 + 1) and tiles of fewer blocks hold more pixels (8 × 3, 12 × 2), so every tile keeps
//     its 24 accumulators busy. A partial last input block (24 channels = 16 + 8) runs only its
//     real channels.
//   - Reuse. Small weights (all of a layer's in L2) run every output-channel group on a band
//     before the next band, so the band's input is read once; large ones keep a group's weight
//     chunk in L2 over the whole plane (one band where parallelism allows), so it is streamed
//     once. Input-channel chunks and bands are split into near-equal parts (no 1-row band or
//     1-block chunk that re-streams everything for a sliver of work).
//   - Threads. The work items (image × group × band) are split statically, contiguous ranges per
//     thread. On small planes (7×7, 14×14) few items remain, so the group count and band count
//     are chosen together to give every thread the same number of block-pixels (960→160 at 7×7,
//     2 threads: 5 groups × 2 bands, not 3 groups of 4 + 3 + 3 blocks split 2 : 1).
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

// Lines of the next weight chunk still to prefetch, handed out a share per microkernel call.
struct PrefetchCursor {
  const float* next = nullptr;
  size_t lines_left = 0;
  size_t per_call = 0;  // share of each tile of the current unit
  size_t per_tap = 0;   // of each call of the current row

  void start_row(size_t taps) { per_tap = taps && lines_left ? (per_call + taps - 1) / taps : 0; }
  // `taps`: of every tile of the call together.
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
  // plain_input: read the input one channel per step, as plain NCHW (or, arriving blocked, as an
  // NCHWc tensor of at most one block), with the plain-input microkernels.
  explicit ConvNchwcDirect(const NodeDesc& node, bool plain_input = false)
      : NchwcConvKernel(node, kernels::conv_nchwc_config(node.ctx->isa).block),
        uk_(plain_input ? kernels::conv_stem_config(node.ctx->isa) : kernels::conv_nchwc_config(node.ctx->isa)),
        plain_(plain_input) {
    if (plain_ && input_is_blocked() && d_.in_channels > B_)
      throw Error("plain-input convolution: a blocked input must have at most one block of channels");
    in_steps_ = plain_ ? d_.in_channels : icb_;
    in_lanes_ = plain_ ? 1 : B_;
    // 1×1 with no padding: the plane is one long row. With a stride, the pixels it reads are
    // first gathered into a dense plane (a quarter of the input at stride 2, a few percent of
    // the layer's time) so that the tiles run along the whole plane instead of short rows
    // (7 = 4 + 3 pixels at the 7×7 stage).
    const bool one_by_one = d_.kh() == 1 && d_.kw() == 1 && d_.pad_begin[0] == 0 && d_.pad_begin[1] == 0 &&
                            d_.pad_end[0] == 0 && d_.pad_end[1] == 0;
    // Gathered only where rows make poor tiles (their mean tile under MR - 1 pixels: OW = 7, 14
    // for MR = 6); at OW = 28 the rows tile well and the copy would cost more than it saves.
    const int64_t row_tiles = div_ceil(d_.ow(), uk_.mr_max);
    subsample_ = !plain_ && one_by_one && (d_.stride[0] != 1 || d_.stride[1] != 1) &&
                 d_.ow() < (uk_.mr_max - 1) * row_tiles;
    flat_ = !plain_ && one_by_one && ((d_.stride[0] == 1 && d_.stride[1] == 1) || subsample_);
    pointwise_ = one_by_one;
    threads_ = node.ctx->pool ? node.ctx->pool->size() : 1;
    small_weights_ = in_steps_ * weight_bytes_per_step(ocb_) <= kSmallWeightBytes;
    // Groups innermost only pays when the input would not stay in L2 between groups; otherwise
    // each group's output (and residual) planes are walked as long unbroken streams.
    const int64_t input_bytes = icb_ * (flat_ ? d_.out_spatial() : d_.in_spatial()) * B_ * static_cast<int64_t>(sizeof(float));
    groups_inner_ = small_weights_ && input_bytes > kInputL2Bytes;
    choose_partition();
    packed_ = pack_weights_nchwc_groups(node.constant_input(1)->data_as<float>(), d_.out_channels, d_.in_channels,
                                        d_.kh() * d_.kw(), in_lanes_, B_, group_blocks_);
    bias_ = padded_bias(node);
    // Chunk size from the widest possible group, whatever the partition, so that the sums (and so
    // the results) do not depend on the thread count.
    chunks_ = EvenSplit::of(in_steps_, std::max<int64_t>(1, kWeightChunkBytes / weight_bytes_per_step(uk_.nb_max)));
    // The real channels of a partial last input block (24 = 16 + 8).
    if (!plain_ && d_.in_channels % B_ != 0) last_icb_channels_ = d_.in_channels % B_;
  }

  std::string algorithm() const override { return plain_ ? std::string(uk_.name) : std::string("conv_direct_") + uk_.name; }
  bool wants_blocked_input() const override { return !plain_; }

 private:
  // The output plane as rows of pixels (a flat 1×1 plane is one row of H·W).
  struct Plane {
    int64_t IH, IW, OH, OW;
  };
  // One work item: image n, output-channel group g, output rows [oh0, oh1) × columns [ow0, ow1).
  struct Unit {
    int64_t n, g, oh0, oh1, ow0, ow1;
  };

  Plane plane() const {
    return flat_ ? Plane{1, d_.out_spatial(), 1, d_.out_spatial()} : Plane{d_.ih(), d_.iw(), d_.oh(), d_.ow()};
  }
  int64_t groups() const { return static_cast<int64_t>(group_blocks_.size()); }
  int64_t group_blocks(int64_t g) const { return group_blocks_[static_cast<size_t>(g)]; }

  // Packed weight bytes of one input step (an input-channel block, or one channel of plain input)
  // for a group of nb output blocks.
  int64_t weight_bytes_per_step(int64_t nb) const {
    return d_.kh() * d_.kw() * in_lanes_ * std::min<int64_t>(nb, ocb_) * B_ * static_cast<int64_t>(sizeof(float));
  }

  // Packed weights of group g from input step `step` on.
  const float* group_weights(int64_t g, int64_t step) const {
    return packed_.data.as<float>() + packed_.group_offset[static_cast<size_t>(g)] +
           step * weight_bytes_per_step(group_blocks(g)) / static_cast<int64_t>(sizeof(float));
  }

  // Item -> unit, items ordered [n][band][g] (groups innermost) or [n][g][band].
  Unit unit_of(int64_t item, const Plane& pl) const {
    const int64_t G = groups();
    Unit u{};
    int64_t band;
    if (groups_inner_) {  // groups innermost: the band's input is reused from cache
      u.g = item % G;
      band = (item / G) % bands_.count;
    } else {  // bands innermost: the group's weights are reused from cache
      band = item % bands_.count;
      u.g = (item / bands_.count) % G;
    }
    u.n = item / bands_.count / G;
    const int64_t b0 = bands_.begin(band), b1 = bands_.begin(band + 1);
    if (flat_) u.oh0 = 0, u.oh1 = 1, u.ow0 = b0, u.ow1 = b1;
    else u.oh0 = b0, u.oh1 = b1, u.ow0 = 0, u.ow1 = pl.OW;
    return u;
  }

  // The most block-pixels any thread computes with `groups` even groups and `bands` bands, items
  // split into contiguous near-equal ranges as ThreadPool::parallel_for does.
  int64_t max_thread_load(int64_t group_count, int64_t band_count) const {
    const std::vector<int64_t> blocks = even_group_blocks(ocb_, group_count);
    const int64_t rows = flat_ ? d_.out_spatial() : d_.oh();
    const int64_t row_pixels = flat_ ? 1 : d_.ow();
    const EvenSplit bands{rows, band_count};
    const int64_t items = d_.batch * group_count * band_count;
    const int64_t chunks = std::min<int64_t>(threads_, items);
    int64_t worst = 0;
    for (int64_t t = 0, item = 0; t < chunks; ++t) {
      const int64_t size = items / chunks + (t < items % chunks ? 1 : 0);
      int64_t load = 0;
      for (int64_t i = 0; i < size; ++i, ++item) {
        const int64_t g = groups_inner_ ? item % group_count : (item / band_count) % group_count;
        const int64_t band = groups_inner_ ? (item / group_count) % band_count : item % band_count;
        load += blocks[static_cast<size_t>(g)] * bands.size(band) * row_pixels;
      }
      worst = std::max(worst, load);
    }
    return worst;
  }

  // Output-block groups and bands. Bands: whole rows (or, flat, a run of the single row) of about
  // the target pixel count, more of them if the threads would otherwise idle. Groups: as few as
  // the widest tile allows, sizes even. With several threads, more groups or bands where that
  // evens the threads' shares by at least 3 % (the first such, fewest groups then bands, wins).
  void choose_partition() {
    const Plane pl = plane();
    // A plain-input stem reads a few rows of a thin input: long bands, so that its border columns
    // run as tiles of many rows rather than one pixel per band.
    const int64_t target = small_weights_ && !plain_ ? kSmallWeightBandPixels : kLargeWeightBandPixels;
    const int64_t rows = flat_ ? pl.OW : pl.OH;  // what bands cut
    const int64_t row_pixels = flat_ ? 1 : pl.OW;
    const int64_t g0 = div_ceil(ocb_, uk_.nb_max);
    EvenSplit bands = EvenSplit::of(rows, std::max<int64_t>(1, target / std::max<int64_t>(row_pixels, 1)));
    const int64_t min_bands = div_ceil(threads_, d_.batch * g0);
    if (bands.count < min_bands) bands = EvenSplit{rows, std::min(rows, min_bands)};
    if (bands.count < 1) bands.count = 1;
    int64_t best_g = g0, best_b = bands.count;
    if (threads_ > 1) {
      int64_t best_load = max_thread_load(best_g, best_b);
      // Groups no narrower than half the widest tile (their tiles keep as many accumulators).
      const int64_t g_max = std::max(g0, std::min(ocb_, div_ceil(ocb_, std::max<int64_t>(1, uk_.nb_max / 2))));
      const int64_t b_max = std::min(rows, 2 * bands.count + threads_);
      for (int64_t g = g0; g <= g_max; ++g)
        for (int64_t b = bands.count; b <= b_max; ++b) {
          const int64_t load = max_thread_load(g, b);
          if (load * 100 < best_load * 97) best_g = g, best_b = b, best_load = load;
        }
    }
    group_blocks_ = even_group_blocks(ocb_, best_g);
    bands_ = EvenSplit{rows, best_b};
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

  // With several input-channel chunks the output holds partial sums before the residual is added.
  bool residual_read_at_store() const override { return chunks_.count == 1; }

  void compute(const float* in, float* out, const float* residual, void* scratch, ThreadPool& pool) const override {
    const Plane pl = plane();
    if (subsample_) {
      float* dense = static_cast<float*>(scratch);
      gather_strided_pixels(in, dense, pool);
      in = dense;
    }
    const int64_t items = d_.batch * groups() * bands_.count;
    // Items are independent (each owns its output tile and sums all its input channels), so a
    // thread that finishes early may take the others' items without changing any result.
    pool.parallel_for_balanced(items, [&](int64_t begin, int64_t end, int) {
      for (int64_t item = begin; item < end; ++item) {
        const Unit u = unit_of(item, pl);
        if (u.oh0 == u.oh1 || u.ow0 == u.ow1) continue;
        for (int64_t c = 0; c < chunks_.count; ++c) {
          // What this thread reads next: the following chunk of this group, or the first of the
          // next item's group (the next of its own range, unless another thread takes it).
          PrefetchCursor pf;
          int64_t next_g = u.g, next_step = chunks_.begin(c + 1), next_count = 0;
          if (c + 1 < chunks_.count) {
            next_count = chunks_.size(c + 1);
          } else if (item + 1 < items) {
            next_g = unit_of(item + 1, pl).g;
            next_step = 0;
            next_count = chunks_.size(0);
          }
          if (next_count > 0) {
            pf.next = group_weights(next_g, next_step);
            pf.lines_left = static_cast<size_t>(next_count * weight_bytes_per_step(group_blocks(next_g)) / kCacheLine);
          }
          run_unit(in, out, residual, pl, u, chunks_.begin(c), chunks_.size(c), pf);
        }
      }
    });
  }

  // One unit over input steps [step0, step0 + step_count): interior tiles row by row, then the
  // border columns down the band.
  void run_unit(const float* in, float* out, const float* residual, const Plane& pl, const Unit& u, int64_t step0,
                int64_t step_count, PrefetchCursor& pf) const {
    const int64_t KH = d_.kh(), KW = d_.kw();
    // A flat plane is a 1×1 convolution, stride 1 (after any gathering), no padding.
    const int64_t sh = flat_ ? 1 : d_.stride[0], sw = flat_ ? 1 : d_.stride[1];
    const int64_t dh = d_.dilation[0], dw = d_.dilation[1];
    const int64_t ph = flat_ ? 0 : d_.pad_begin[0], pw = flat_ ? 0 : d_.pad_begin[1];
    const int64_t nb = group_blocks(u.g);
    const int64_t B = B_;
    // Floats between horizontally adjacent input pixels, and between input steps: NCHWc, plain
    // NCHW (one channel per step), or a blocked input of one block read a channel per step.
    const bool plain_layout = plain_ && !input_is_blocked();
    const int64_t E = plain_layout ? 1 : B;
    const int64_t step_stride = plain_ ? (plain_layout ? pl.IH * pl.IW : 1) : pl.IH * pl.IW * B;
    const int64_t image_stride = plain_layout ? d_.in_channels * pl.IH * pl.IW : icb_ * pl.IH * pl.IW * B;

    kernels::ConvNchwcArgs a;
    a.in_pixel_stride = sw * E;
    a.in_kw_stride = dw * E;
    a.in_kh_stride = dh * pl.IW * E;
    a.in_icb_stride = step_stride;
    a.icb_count = static_cast<size_t>(step_count);
    a.accumulate = step0 > 0;
    a.last = step0 + step_count == in_steps_;
    if (a.last) a.last_icb_channels = static_cast<size_t>(last_icb_channels_);
    a.w_ic_stride = nb * B;
    a.w_kw_stride = in_lanes_ * nb * B;
    a.w_kh_stride = KW * a.w_kw_stride;
    a.w_icb_stride = KH * a.w_kh_stride;
    a.out_pixel_stride = B;
    a.out_ocb_stride = pl.OH * pl.OW * B;
    const int64_t first_block = packed_.group_first[static_cast<size_t>(u.g)];
    a.post = post_ops(bias_.data() + first_block * B);

    const float* in_n = in + u.n * image_stride + step0 * step_stride;
    const float* w_chunk = group_weights(u.g, step0);
    const int64_t out_offset = (u.n * ocb_ + first_block) * pl.OH * pl.OW * B;
    float* out_g = out + out_offset;
    const float* res_g = residual ? residual + out_offset : nullptr;
    const int64_t mr_cap = uk_.mr_limit(nb);

    // Output columns whose taps all fall inside the input, cut into near-equal tiles.
    int64_t ow_lo, ow_hi;
    interior_outputs(pl.IW, KW, sw, dw, pw, u.ow0, u.ow1, ow_lo, ow_hi);
    const TileRun tiles = TileRun::of(ow_hi - ow_lo, mr_cap);
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
      // The row's tiles in at most two calls.
      tiles.for_each_run([&](int64_t first, int64_t mr, int64_t count) {
        const int64_t ow = ow_lo + first;
        r.in = in_n + ((ih0 + kh_lo * dh) * pl.IW + ow * sw - pw) * E;
        r.out = out_g + (oh * pl.OW + ow) * B;
        if (res_g) r.post.residual = res_g + (oh * pl.OW + ow) * B;
        r.tile_count = static_cast<size_t>(count);
        pf.take(r, taps * r.tile_count);
        // A 1×1 convolution: the pixels two tiles on follow this tile's in every channel block
        // (along the plane when flat, along the row when strided). Two tiles, ~1.5-6k cycles
        // ahead, measured 1-2 % faster over the 1×1 layers than one.
        if (pointwise_ && !plain_) r.in_prefetch_ahead = 2 * mr * sw * E;
        fn(static_cast<size_t>(mr), static_cast<size_t>(nb), r);
      });
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
      c.in_pixel_stride = sh * pl.IW * E;
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
        TileRun::of(run_end - oh, mr_cap).for_each_run([&](int64_t first, int64_t mr, int64_t count) {
          const int64_t row = oh + first;
          c.in = in_n + ((row * sh - ph + kh_lo * dh) * pl.IW + iw0 + kw_lo * dw) * E;
          c.out = out_g + (row * pl.OW + ow) * B;
          if (res_g) c.post.residual = res_g + (row * pl.OW + ow) * B;
          c.tile_count = static_cast<size_t>(count);
          uk_.any(static_cast<size_t>(mr), static_cast<size_t>(nb), c);
        });
        oh = run_end;
      }
    };
    for (int64_t ow = u.ow0; ow < ow_lo; ++ow) border_column(ow);
    for (int64_t ow = ow_hi; ow < u.ow1; ++ow) border_column(ow);
  }

  const kernels::ConvNchwcUkernel& uk_;
  bool plain_ = false;      // input read one channel per step (the stems)
  bool flat_ = false;       // computed as one row of pixels
  bool pointwise_ = false;  // 1×1, no padding (flat, or strided rows)
  bool subsample_ = false;  // flat after gathering the pixels a strided 1×1 reads
  bool small_weights_ = true;  // all weights fit in L2
  bool groups_inner_ = false;  // items ordered band-major
  int threads_ = 1;
  int64_t in_steps_ = 0;   // input steps: channel blocks, or channels of a plain input
  int64_t in_lanes_ = 0;   // input channels per step (B or 1)
  int64_t last_icb_channels_ = 0;  // real channels of a partial last input block (0: full)
  std::vector<int64_t> group_blocks_;  // output blocks per group
  EvenSplit bands_;
  EvenSplit chunks_;
  PackedConvWeights packed_;
  std::vector<float> bias_;
};

}  // namespace

std::unique_ptr<OpKernel> create_conv_direct_plain_input(const NodeDesc& node) {
  return std::make_unique<ConvNchwcDirect>(node, true);
}

namespace {

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
