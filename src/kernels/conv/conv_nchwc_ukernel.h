// Direct convolution microkernels on the channel-blocked layout NCHWc (B channels per block).
//
// One call computes a tile of `mr` output pixels of one output row × `nb` output-channel blocks
// (nb·B channels), summing over every input-channel block and the given range of kernel taps.
// Input channels sit in the lanes of the weight vectors' rows, output channels in the lanes of
// the accumulators: each step broadcasts one input value and multiplies it into nb weight
// vectors, so every load feeds several FMAs and the accumulators never leave registers. With
// kh = kw = 1 this is a plain GEMM (pixels × in-channels) · (in-channels × out-channels) read
// straight from the activation tensor: no im2col copy for any kernel size.
//
// Padding is handled by the caller: it passes only the taps that fall inside the input (rows via
// kh_count and a shifted pointer; border columns as tiles running down the column, the pixel
// strides then being whole rows, with the valid kw range). Channel padding needs nothing: padded
// input lanes meet zero weights.
//
// Packed weights, per group of nb_packed output blocks:
//   [icb][kh][kw][ic in 0..B)[nb_packed][B]   (zero where ic or oc is padding)
//
// The same kernel also reads PLAIN NCHW input (the stem instances, conv_stem_ukernel_<isa>.cpp):
// one input channel per step instead of a block of B, the "icb" loop then running over single
// channels (in_icb_stride = IH·IW, or 1 for a blocked input with at most B channels) and the
// weights packed [c][kh][kw][nb_packed][B]. A 3-channel stem then uses every lane of every FMA
// instead of 3 of 16, with no patch matrix built.
//
// Tiles with fewer output blocks hold more pixels: the accumulators a register file allows
// (mr_limit(nb)); mr_max is the limit at nb_max, valid for every nb.
#pragma once
#include <cstddef>
#include <cstdint>

namespace castnet::kernels {

enum class Activation : uint8_t { none, relu, clip, leaky_relu, hard_sigmoid, hard_swish, sigmoid };

// Applied to the accumulator tile before it is stored, in this order: + bias, + residual,
// activation. (Conv + BatchNorm(folded) + Add + ReLU in one pass.)
struct ConvPostOps {
  const float* bias = nullptr;      // nb·B values for this tile's channels; null = no bias
  const float* residual = nullptr;  // same strides as the output; null = none
  Activation activation = Activation::none;
  float alpha = 0.f, beta = 0.f;    // clip: [alpha, beta]; leaky_relu: alpha; hard_sigmoid: alpha·x+beta
};

struct ConvNchwcArgs {
  // Input at (first input block, first valid tap, first output pixel of the tile).
  const float* in = nullptr;
  ptrdiff_t in_pixel_stride = 0;  // floats between the inputs of consecutive output pixels (stride_w·B)
  ptrdiff_t in_kw_stride = 0;     // dilation_w·B
  ptrdiff_t in_kh_stride = 0;     // dilation_h·IW·B
  ptrdiff_t in_icb_stride = 0;    // IH·IW·B
  size_t kh_count = 1, kw_count = 1, icb_count = 1;
  // Packed weights at (this group, icb 0, first valid tap).
  const float* w = nullptr;
  ptrdiff_t w_ic_stride = 0;   // nb_packed·B
  ptrdiff_t w_kw_stride = 0;   // B·nb_packed·B
  ptrdiff_t w_kh_stride = 0;   // KW·w_kw_stride
  ptrdiff_t w_icb_stride = 0;  // KH·w_kh_stride
  float* out = nullptr;        // output at (first block of the tile, first pixel)
  ptrdiff_t out_pixel_stride = 0;  // B
  ptrdiff_t out_ocb_stride = 0;    // OH·OW·B
  ConvPostOps post;            // residual uses the output's strides
  // K-blocking: when `accumulate`, the sums start from the values already in `out` (a previous
  // chunk of input channels); post-ops are applied only when `last` (the final chunk).
  bool accumulate = false;
  bool last = true;
  // Optional: memory to pull toward the cache while this tile computes, `prefetch_lines_per_tap`
  // consecutive 64-byte lines from `prefetch` at each tap (icb_count · kh_count · kw_count lines
  // times that in all). The driver passes the next chunk of packed weights, so a stream that
  // comes from DRAM overlaps with arithmetic instead of stalling the first tile that needs it.
  // 0: nothing (the behaviour before these fields existed).
  const float* prefetch = nullptr;
  size_t prefetch_lines_per_tap = 0;
  // Optional, NCHWc input only: at each input-channel block, also prefetch the tile's pixels
  // this many floats further on (a later tile of a 1×1 plane). At batch > 1 a 1×1 layer reads
  // a tensor too large for the caches through one stream per channel block, more streams than
  // the hardware prefetchers follow. 0: nothing.
  ptrdiff_t in_prefetch_ahead = 0;
  // Input channels actually present in the last input-channel block of this call (icb_count - 1),
  // when fewer than B: the kernel skips the padded lanes' products (24 channels = 16 + 8, not
  // 16 + 16). 0: the block is full. Ignored by the plain-input (stem) instances.
  size_t last_icb_channels = 0;
  // Tiles in this call: `tile_count` tiles of mr pixels one after another, the k-th at in +
  // k·mr·in_pixel_stride, out (and residual) + k·mr·out_pixel_stride; the weight prefetch runs
  // on from tile to tile (prefetch_lines_per_tap per tap of each).
  size_t tile_count = 1;
};

// nb in [1, nb_max], mr in [1, mr_limit(nb)].
using ConvNchwcUkernelFn = void (*)(size_t mr, size_t nb, const ConvNchwcArgs& args);

constexpr int kConvNbSlots = 8;  // room for nb_max in the per-nb tile limits

struct ConvNchwcUkernel {
  ConvNchwcUkernelFn stride1 = nullptr;  // in_pixel_stride == in_lanes
  ConvNchwcUkernelFn stride2 = nullptr;  // in_pixel_stride == 2·in_lanes
  ConvNchwcUkernelFn any = nullptr;      // any in_pixel_stride
  int block = 0;     // output (and NCHWc input) channels per block
  int mr_max = 0;    // pixels per tile valid for every nb
  int nb_max = 0;
  const char* name = "";
  int in_lanes = 0;  // floats per input pixel the strides are specialised for: block, or 1 (plain input)
  int mr_by_nb[kConvNbSlots] = {};  // mr_limit(nb) = mr_by_nb[nb - 1]

  int mr_limit(int64_t nb) const { return mr_by_nb[nb - 1]; }
  ConvNchwcUkernelFn for_stride(ptrdiff_t in_pixel_stride) const {
    if (in_pixel_stride == in_lanes) return stride1;
    if (in_pixel_stride == 2 * in_lanes) return stride2;
    return any;
  }
};

// Per-ISA instances (conv_nchwc_ukernel_<isa>.cpp): NCHWc input.
const ConvNchwcUkernel& conv_nchwc_ukernel_avx512();
const ConvNchwcUkernel& conv_nchwc_ukernel_avx2();
const ConvNchwcUkernel& conv_nchwc_ukernel_generic();
// Plain NCHW input, NCHWc output (conv_stem_ukernel_<isa>.cpp).
const ConvNchwcUkernel& conv_stem_ukernel_avx512();
const ConvNchwcUkernel& conv_stem_ukernel_avx2();
const ConvNchwcUkernel& conv_stem_ukernel_generic();

}  // namespace castnet::kernels
