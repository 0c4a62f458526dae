// Winograd convolution F(m×m, 3×3), m = 4 or 2, for 3×3 stride-1 convolutions on NCHWc.
//
// The output is cut into m×m tiles, numbered over the whole batch (image, tile row, tile column),
// and processed in bands of consecutive tiles. Per band:
//   1. input transform: every α×α window (zero outside the input: padding, partial tiles) into
//      V[position][icb][tile][B];
//   2. for each of the α² positions, M[position] = V[position] · U[position] (tiles × IC by
//      IC × OC) with the NCHWc microkernel as a 1×1 convolution over an "image" of `band` pixels,
//      against that position's transformed filter, packed once at creation like a 1×1 conv's;
//   3. output transform with bias, residual and activation, writing only the valid outputs.
// F(4×4) does 36 products per 16 outputs where direct does 9 per output: 4× fewer
// multiplications (F(2×2): 2.25×), paid for by the transforms and by filters 4× (1.8×) larger,
// which every band streams once. Whether that pays is the cost rule at the end of this file.
//
// Bands are whole rows of the microkernel's mr tiles, as many as the cache budget asks for
// rounded up to a multiple of the thread count, so that the pool's contiguous chunks are equal.
// With fewer bands than threads (small images at batch 1) the tiles are cut finer where that
// comes out even; otherwise work items split the output channels, and the items of one band
// that land on one thread share its input transform (WorkSplit).
#include "ops/conv/conv_winograd_nchwc.h"

#include <castnet/error.h>

#include "core/aligned.h"
#include "ir/conv_params.h"
#include "kernels/config/conv_config.h"
#include "kernels/winograd/winograd_config.h"
#include "kernels/winograd/winograd_filter_transform.h"
#include "ops/conv/conv_geometry.h"
#include "ops/conv/nchwc_conv_kernel.h"
#include "ops/conv/nchwc_weight_packing.h"
#include "ops/conv/pointwise_tiles.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace castnet::ops {
namespace {

// V + M bytes of a band that stays in L2: most of a Zen 4/5 or recent Intel core's L2
// (1–2 MiB), the rest left for the filter slice being multiplied.
constexpr double kL2BandBytes = 768 * 1024;
// Upper bound on V + M per band (and thread) once a band spills to L3 anyway.
constexpr double kMaxBandBytes = 8 << 20;

// How the tiles of one run are cut into bands for one thread (split_work shares them out).
struct BandPlan {
  int64_t band = 0;       // tiles per band (the last may have fewer)
  int64_t bands = 0;
  int64_t padded_tiles = 0;  // Σ over bands of the tiles rounded up to whole microkernel rows
};

// Band size from the traffic beyond L2 per run: every band streams each transformed filter once
// (positions·IC·OC floats), and a band whose V + M outgrow L2 also writes and re-reads them
// through L3. Two candidates: the largest band that stays in L2 (small channel counts: filters
// cheap, V/M per tile not) and the largest under kMaxBandBytes (large channel counts: filter
// traffic dominates). Bands are evened out so the last is not a sliver. `groups` and `threads`
// are not used: the split across threads is split_work's.
BandPlan plan_bands(int64_t total_tiles, int64_t positions, int64_t icb, int64_t ocb, int64_t block, int64_t mr,
                    int64_t groups, int64_t threads) {
  const int64_t total = total_tiles;
  const double per_tile = static_cast<double>(positions * (icb + ocb) * block) * sizeof(float);
  const double filters = static_cast<double>(positions * icb * ocb * block * block) * sizeof(float);
  auto fit = [&](double bytes) {
    int64_t t = static_cast<int64_t>(bytes / per_tile) / mr * mr;
    return std::clamp<int64_t>(t, std::min(mr, total), total);
  };
  auto traffic = [&](int64_t t) {
    double spill = static_cast<double>(t) * per_tile > kL2BandBytes ? 2 * per_tile * static_cast<double>(total) : 0;
    return static_cast<double>(div_ceil(total, t)) * filters + spill;
  };
  const int64_t in_l2 = fit(kL2BandBytes), largest = fit(kMaxBandBytes);
  BandPlan p;
  const int64_t band = traffic(largest) < traffic(in_l2) ? largest : in_l2;
  p.band = std::min(band, div_ceil(div_ceil(total, div_ceil(total, band)), mr) * mr);
  p.bands = div_ceil(total, p.band);
  const int64_t last = total - (p.bands - 1) * p.band;
  p.padded_tiles = (p.bands - 1) * div_ceil(p.band, mr) * mr + div_ceil(last, mr) * mr;
  return p;
}

// How one run's tiles are shared among the pool's threads. Tiles are counted in rows of mr (the
// microkernel's pixel tile; only the very last row may be partial) and cut into bands of whole
// rows, evened out: band b holds rows [b·rows/bands, (b+1)·rows/bands). The pool hands each
// thread a contiguous run of work items (band × output-channel slice), so the band count is made
// a multiple of the thread count: 5 bands on 2 threads would leave one thread 3/5 of the work.
struct WorkSplit {
  int64_t rows = 0;
  int64_t bands = 0;
  int64_t band_tiles = 0;  // tiles in the largest band: the stride of V and M
  int64_t oc_splits = 1;   // work items per band, each a slice of the output-channel groups
};

// Tiles [t0, t1) of band b of `bands` evened-out bands of `rows` rows of mr tiles.
void band_range(int64_t b, int64_t bands, int64_t rows, int64_t mr, int64_t total, int64_t& t0, int64_t& t1) {
  t0 = b * rows / bands * mr;
  t1 = std::min(total, (b + 1) * rows / bands * mr);
}

// Most tiles in any of those bands.
int64_t largest_band_tiles(int64_t total, int64_t mr, int64_t rows, int64_t bands) {
  int64_t most = 0;
  for (int64_t b = 0; b < bands; ++b) {
    int64_t t0, t1;
    band_range(b, bands, rows, mr, total, t0, t1);
    most = std::max(most, t1 - t0);
  }
  return most;
}

// With fewer bands than threads (small images at batch 1) there are two ways to give every
// thread work: cut the tiles finer (each thread then transforms only its own tiles but streams
// every filter) or split the output channels (each thread streams its slice of the filters but
// transforms the whole input). Cutting tiles is taken when it comes out even, within 10 % of a
// perfect share, e.g. 49 tiles as 24 + 25; otherwise (16 tiles of 6-tile rows: 6 + 10) the output
// channels are split.
WorkSplit split_work(const BandPlan& plan, int64_t total, int64_t mr, int64_t groups, int64_t threads) {
  WorkSplit s;
  s.rows = div_ceil(total, mr);
  s.bands = std::min(s.rows, plan.bands);
  if (threads > 1 && s.bands >= threads) {
    s.bands = std::min(s.rows, div_ceil(s.bands, threads) * threads);
  } else if (threads > 1) {
    const int64_t fine = std::min(s.rows, threads);
    const bool even = fine == threads && largest_band_tiles(total, mr, s.rows, fine) * threads * 10 <= total * 11;
    if (even || groups == 1) {
      s.bands = fine;
    } else {
      s.oc_splits = std::min(groups, div_ceil(threads, s.bands));
      s.bands = std::min(s.rows, std::max(s.bands, div_ceil(threads, s.oc_splits)));
    }
  }
  s.band_tiles = largest_band_tiles(total, mr, s.rows, s.bands);
  return s;
}

class ConvWinogradNchwc final : public NchwcConvKernel {
 public:
  ConvWinogradNchwc(const NodeDesc& node, int tile)
      : NchwcConvKernel(node, kernels::conv_nchwc_config(node.ctx->isa).block),
        uk_(kernels::conv_nchwc_config(node.ctx->isa)),
        wt_(kernels::winograd_transforms_config(node.ctx->isa, tile)),
        threads_(node.ctx->pool->size()) {
    if (wt_.block != uk_.block) throw Error("Winograd transforms and microkernel disagree on the NCHWc block");
    m_ = wt_.tile;
    alpha_ = wt_.alpha;
    positions_ = alpha_ * alpha_;
    tiles_w_ = div_ceil(d_.ow(), m_);
    tiles_ = div_ceil(d_.oh(), m_) * tiles_w_;
    total_tiles_ = d_.batch * tiles_;
    groups_ = div_ceil(ocb_, uk_.nb_max);
    const BandPlan plan = plan_bands(total_tiles_, positions_, icb_, ocb_, B_, uk_.mr_max, groups_, 1);
    const WorkSplit split = split_work(plan, total_tiles_, uk_.mr_max, groups_, threads_);
    rows_ = split.rows;
    bands_ = split.bands;
    band_ = split.band_tiles;
    oc_splits_ = split.oc_splits;
    if (node.ctx->verbose)
      std::fprintf(stderr, "castnet: %s: %lld tiles in %lld bands x %lld output-channel slices, %lld threads\n",
                   node.name().c_str(), static_cast<long long>(total_tiles_), static_cast<long long>(bands_),
                   static_cast<long long>(oc_splits_), static_cast<long long>(threads_));

    // U = G g Gᵀ per position, each packed like a 1×1 convolution's weights.
    // (An AlignedBuffer, not a vector: a filter too large to transform fails as castnet::Error.)
    AlignedBuffer u(static_cast<size_t>(positions_ * d_.out_channels * d_.in_channels) * sizeof(float));
    kernels::winograd_filter_transform(node.constant_input(1)->data_as<float>(), d_.out_channels, d_.in_channels,
                                       m_, u.as<float>());
    packed_.reserve(static_cast<size_t>(positions_));
    for (int64_t p = 0; p < positions_; ++p)
      packed_.push_back(pack_weights_nchwc(u.as<float>() + p * d_.out_channels * d_.in_channels, d_.out_channels,
                                           d_.in_channels, 1, B_, uk_.nb_max));
    bias_ = padded_bias(node);
  }

  std::string algorithm() const override { return std::string("conv_") + wt_.name; }
  size_t scratch_bytes() const override { return static_cast<size_t>(threads_) * thread_floats() * sizeof(float); }
  // The output transform reads the residual at exactly the outputs it stores.
  bool residual_read_at_store() const override { return true; }

  void compute(const float* in, float* out, const float* residual, void* scratch, ThreadPool& pool) const override {
    const int64_t items = bands_ * oc_splits_;
    // The band whose input each thread holds transformed in its v, kept across the thread's
    // claims: items are claimed one at a time (a thread done early takes others' items; each
    // item's result is the same whoever computes it).
    std::vector<int64_t> transformed_band(static_cast<size_t>(threads_), -1);
    pool.parallel_for_balanced(items, [&](int64_t begin, int64_t end, int thread) {
      float* v = static_cast<float*>(scratch) + static_cast<size_t>(thread) * thread_floats();
      float* m = v + v_floats();
      int64_t& transformed = transformed_band[static_cast<size_t>(thread)];
      for (int64_t item = begin; item < end; ++item) {
        const int64_t split = item % oc_splits_, band = item / oc_splits_;
        int64_t t0, t1;
        band_range(band, bands_, rows_, uk_.mr_max, total_tiles_, t0, t1);
        if (band != transformed) {
          transform_input(in, v, t0, t1);
          transformed = band;
        }
        const int64_t g0 = split * groups_ / oc_splits_, g1 = (split + 1) * groups_ / oc_splits_;
        multiply(v, m, t1 - t0, g0, g1);
        transform_output(m, out, residual, t0, t1, g0 * uk_.nb_max, std::min(ocb_, g1 * uk_.nb_max));
      }
    });
  }

 private:
  size_t v_floats() const { return static_cast<size_t>(positions_ * icb_ * band_ * B_); }
  size_t m_floats() const { return static_cast<size_t>(positions_ * ocb_ * band_ * B_); }
  size_t thread_floats() const { return align_up(v_floats() + m_floats(), kAlignment / sizeof(float)); }

  // V[p][icb][t − t0] for tiles [t0, t1), one run of tiles per tile row.
  void transform_input(const float* in, float* v, int64_t t0, int64_t t1) const {
    const int64_t IH = d_.ih(), IW = d_.iw(), B = B_;
    kernels::WinogradInputArgs a;
    a.ih = IH;
    a.iw = IW;
    a.v_pos_stride = icb_ * band_ * B;
    a.v_tile_stride = B;
    for (int64_t icb = 0; icb < icb_; ++icb) {
      for (int64_t t = t0; t < t1;) {
        const int64_t n = t / tiles_, th = t % tiles_ / tiles_w_, tw = t % tiles_w_;
        a.plane = in + (n * icb_ + icb) * IH * IW * B;
        const int64_t run = std::min(t1 - t, tiles_w_ - tw);
        a.row = th * m_ - d_.pad_begin[0];
        a.col = tw * m_ - d_.pad_begin[1];
        a.tiles = static_cast<size_t>(run);
        a.v = v + (icb * band_ + (t - t0)) * B;
        wt_.input(a);
        t += run;
      }
    }
  }

  // Packed filter of position p, output-channel group g, and its size in floats.
  const float* filter(int64_t p, int64_t g) const {
    const PackedConvWeights& w = packed_[static_cast<size_t>(p)];
    return w.data.as<float>() + w.group_offset[static_cast<size_t>(g)];
  }
  int64_t filter_floats(int64_t g) const {
    return icb_ * B_ * std::min<int64_t>(uk_.nb_max, ocb_ - g * uk_.nb_max) * B_;
  }

  // M[p][ocb][t] = Σ_icb V[p][icb][t] · U[p] for output-channel groups [g0, g1). The filters are
  // the one large stream here (every band reads all α² of them, from DRAM once they outgrow the
  // caches), so while one (position, group) filter is multiplied the microkernel prefetches the
  // next one, spread evenly over the calls, and memory time overlaps with arithmetic.
  void multiply(const float* v, float* m, int64_t tiles, int64_t g0, int64_t g1) const {
    const int64_t B = B_;
    constexpr int64_t kLineFloats = 64 / sizeof(float);
    kernels::ConvNchwcArgs a;
    a.in_pixel_stride = B;
    a.in_icb_stride = band_ * B;
    a.icb_count = static_cast<size_t>(icb_);
    a.out_pixel_stride = B;
    a.out_ocb_stride = band_ * B;
    for (int64_t p = 0; p < positions_; ++p) {
      const float* vp = v + p * icb_ * band_ * B;
      for (int64_t g = g0; g < g1; ++g) {
        const int64_t nb = std::min<int64_t>(uk_.nb_max, ocb_ - g * uk_.nb_max);
        a.w = filter(p, g);
        a.w_ic_stride = nb * B;
        a.w_kw_stride = a.w_kh_stride = a.w_icb_stride = B * nb * B;
        // The next filter in this loop's order.
        const bool last_group = g + 1 == g1;
        const int64_t next_p = last_group ? p + 1 : p, next_g = last_group ? g0 : g + 1;
        const float* next = next_p < positions_ ? filter(next_p, next_g) : nullptr;
        const int64_t next_lines = next ? div_ceil(filter_floats(next_g), kLineFloats) : 0;
        pointwise_group(uk_, a, nb, vp, m + (p * ocb_ + g * uk_.nb_max) * band_ * B, nullptr, tiles, next,
                        next_lines);
      }
    }
  }

  // Output blocks [ocb0, ocb1) of tiles [t0, t1) from M, with the post-ops.
  void transform_output(const float* m, float* out, const float* residual, int64_t t0, int64_t t1, int64_t ocb0,
                        int64_t ocb1) const {
    const int64_t OH = d_.oh(), OW = d_.ow(), B = B_;
    kernels::WinogradOutputArgs a;
    a.m_pos_stride = ocb_ * band_ * B;
    a.m_tile_stride = B;
    a.out_row_stride = OW * B;
    for (int64_t ocb = ocb0; ocb < ocb1; ++ocb) {
      a.post = post_ops(bias_.data() + ocb * B);
      for (int64_t t = t0; t < t1;) {
        const int64_t n = t / tiles_, th = t % tiles_ / tiles_w_, tw = t % tiles_w_;
        const int64_t plane = (n * ocb_ + ocb) * OH * OW * B;
        const int64_t run = std::min(t1 - t, tiles_w_ - tw);
        const int64_t offset = plane + (th * m_ * OW + tw * m_) * B;
        a.m = m + (ocb * band_ + (t - t0)) * B;
        a.tiles = static_cast<size_t>(run);
        a.out = out + offset;
        a.post.residual = residual ? residual + offset : nullptr;
        a.rows = static_cast<size_t>(std::min<int64_t>(m_, OH - th * m_));
        a.cols = static_cast<size_t>(OW - tw * m_);
        wt_.output(a);
        t += run;
      }
    }
  }

  const kernels::ConvNchwcUkernel& uk_;
  const kernels::WinogradTransforms& wt_;
  int64_t threads_;
  int64_t m_ = 0, alpha_ = 0, positions_ = 0;
  int64_t tiles_w_ = 0, tiles_ = 0;      // per image
  int64_t total_tiles_ = 0;              // over the batch
  int64_t rows_ = 0;                     // tiles in rows of the microkernel's mr (WorkSplit)
  int64_t band_ = 0, bands_ = 0;         // tiles in the largest band, bands
  int64_t groups_ = 0, oc_splits_ = 1;   // microkernel output-channel groups; splits per band
  std::vector<PackedConvWeights> packed_;  // per position
  std::vector<float> bias_;
};

constexpr const char* kF4Name = "conv_winograd_f4x3";
constexpr const char* kF2Name = "conv_winograd_f2x3";

// CASTNET_CONV_ALGO=<implementation name> forces one convolution algorithm where it can run;
// null when unset or empty.
const char* forced_algorithm() {
  const char* v = std::getenv("CASTNET_CONV_ALGO");
  return v && *v ? v : nullptr;
}

// Whether the node is a convolution Winograd can compute: 3×3, stride 1, dilation 1, group 1,
// 2-d, f32, constant weights (and bias).
bool winograd_can_run(const NodeDesc& node, ConvDesc& d) {
  if ((node.op_type() != "Conv" && node.op_type() != "FusedConv") || node.ctx->isa == Isa::reference) return false;
  if (!node.has_input(0) || !node.constant_input(1) || (node.has_input(2) && !node.constant_input(2))) return false;
  const ir::Value& x = node.input(0);
  const ir::Value& w = node.input(1);
  if (x.dtype != DType::f32 || x.shape.size() != 4 || w.dtype != DType::f32 || w.shape.size() != 4) return false;
  if (w.shape[2] != 3 || w.shape[3] != 3) return false;
  try {
    d = ir::conv_desc_from_attrs(node.attrs(), x.shape, w.shape);
  } catch (const Error&) {
    return false;  // the reference reports the geometry error
  }
  return d.rank == 2 && d.groups == 1 && d.kh() == 3 && d.kw() == 3 && d.stride[0] == 1 && d.stride[1] == 1 &&
         d.dilation[0] == 1 && d.dilation[1] == 1;
}

// ---- cost rule ------------------------------------------------------------------------------
//
// One-thread time estimates, in nanoseconds, of direct, F(2×2) and F(4×4) for the layer:
//   Winograd: products at the microkernel's rate (tiles rounded up to whole microkernel rows)
//             + transforms (per V and M float) + each band streaming the transformed filters;
//   direct:   products at the microkernel's rate, less what its rows lose at the borders (about
//             one pixel per output row), + streaming its filters once.
// Calibrated on one Zen 5 core (avx512: ~195 GFLOP/s in the microkernel, transforms 0.15 ns per
// float, filters streamed from DRAM at ~30 GB/s as in a whole network, where no layer's filters
// stay cached; avx2 at half the rate). On ResNet-50 they pick what the profile measures fastest:
// at batch 1, F(4×4) at 56×56×64 and 28×28×128 and F(2×2) at 14×14×256 and 7×7×512, where
// F(4×4)'s 9.4 and 37.7 MB of filters for 16 and 4 tiles cost more than the products it saves;
// at batch 4, F(4×4) everywhere (bands span images, so each filter pass serves more tiles).
struct CostModel {
  double gemm_flops_per_ns;
  double transform_ns_per_float;
  double filter_bytes_per_ns = 30;
  double direct_row_loss = 1;

  explicit CostModel(Isa isa)
      : gemm_flops_per_ns(isa == Isa::avx512 ? 195 : isa == Isa::avx2 ? 100 : 30),
        transform_ns_per_float(0.15 * 195 / gemm_flops_per_ns) {}
};

double padded_channels(int64_t c, int64_t block) { return static_cast<double>(div_ceil(c, block) * block); }

double winograd_estimate_ns(const ConvDesc& d, int tile, int64_t block, int64_t mr, const CostModel& cm) {
  const int64_t alpha = tile + 2, positions = alpha * alpha;
  const int64_t total = d.batch * div_ceil(d.oh(), tile) * div_ceil(d.ow(), tile);
  const int64_t icb = div_ceil(d.in_channels, block), ocb = div_ceil(d.out_channels, block);
  const BandPlan p = plan_bands(total, positions, icb, ocb, block, mr, 1, 1);
  const double ic = padded_channels(d.in_channels, block), oc = padded_channels(d.out_channels, block);
  const double products = static_cast<double>(positions * p.padded_tiles) * ic * oc * 2;
  const double transformed = static_cast<double>(total * positions) * (ic + oc);
  const double filters = static_cast<double>(p.bands * positions) * ic * oc * sizeof(float);
  return products / cm.gemm_flops_per_ns + transformed * cm.transform_ns_per_float + filters / cm.filter_bytes_per_ns;
}

double direct_estimate_ns(const ConvDesc& d, int64_t block, const CostModel& cm) {
  const double ic = padded_channels(d.in_channels, block), oc = padded_channels(d.out_channels, block);
  const double ow = static_cast<double>(d.ow());
  const double products = static_cast<double>(d.batch * d.oh()) * ow * ic * oc * 9 * 2;
  const double row_efficiency = ow / (ow + cm.direct_row_loss);
  return products / (cm.gemm_flops_per_ns * row_efficiency) + 9 * ic * oc * sizeof(float) / cm.filter_bytes_per_ns;
}

// The tile (4 or 2) the cost rule picks for the node, or 0 for "not Winograd". Floors: both
// channel counts at least 16 (fewer leave the transforms most of the work, and tiny input
// channel counts belong to im2col) and at least a 4×4 output. Winograd must then beat the
// direct estimate by 10 %, a margin for the model's own error.
int chosen_tile(const NodeDesc& node, const ConvDesc& d) {
  if (d.in_channels < 16 || d.out_channels < 16 || d.oh() < 4 || d.ow() < 4) return 0;
  const kernels::ConvNchwcUkernel& uk = kernels::conv_nchwc_config(node.ctx->isa);
  const CostModel cm(node.ctx->isa);
  const double f4 = winograd_estimate_ns(d, 4, uk.block, uk.mr_max, cm);
  const double f2 = winograd_estimate_ns(d, 2, uk.block, uk.mr_max, cm);
  if (std::min(f4, f2) > 0.9 * direct_estimate_ns(d, uk.block, cm)) return 0;
  return f4 <= f2 ? 4 : 2;
}

bool applicable(const NodeDesc& node, int tile, const char* name) {
  ConvDesc d;
  if (!winograd_can_run(node, d)) return false;
  if (const char* forced = forced_algorithm()) return std::strcmp(forced, name) == 0;
  return chosen_tile(node, d) == tile;
}

bool applicable_f4(const NodeDesc& node) { return applicable(node, 4, kF4Name); }
bool applicable_f2(const NodeDesc& node) { return applicable(node, 2, kF2Name); }

// Both tiles run any node Winograd can compute, whatever the cost rule says (autotune candidates).
bool supports(const NodeDesc& node) {
  ConvDesc d;
  return winograd_can_run(node, d);
}

std::unique_ptr<OpKernel> create_f4(const NodeDesc& node) { return std::make_unique<ConvWinogradNchwc>(node, 4); }
std::unique_ptr<OpKernel> create_f2(const NodeDesc& node) { return std::make_unique<ConvWinogradNchwc>(node, 2); }

}  // namespace

void add_conv_winograd_nchwc(std::vector<OpImplementation>& out) {
  for (const char* op : {"Conv", "FusedConv"}) {
    out.push_back({op, kF4Name, false, &applicable_f4, &create_f4, &supports});
    out.push_back({op, kF2Name, false, &applicable_f2, &create_f2, &supports});
  }
}

}  // namespace castnet::ops
