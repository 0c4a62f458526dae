// Winograd F(m×m, 3×3) tile transforms on the channel-blocked layout NCHWc (B channels per block).
//
// A 3×3 stride-1 convolution is computed tile by tile: an α×α input window d (α = m + 2) becomes
// V = Bᵀ d B, each of its α² positions is multiplied by the transformed filter U = G g Gᵀ and
// summed over input channels (a batched GEMM, done by the NCHWc microkernel as a 1×1 conv), and
// the m×m outputs are Y = Aᵀ M A. In NCHWc every pixel is a vector of B channels, so both
// transforms are plain vertical vector arithmetic: no shuffles, B channels at once.
//
// Supported tiles: m = 2 (F(2×2,3×3), α = 4, 16 positions) and m = 4 (F(4×4,3×3), α = 6,
// 36 positions, interpolation points 0, ±1, ±2, ∞).
//
// Position p = i·α + j holds row i, column j of the transformed tile. The driver stores V and M as
// [position][channel block][tile][B], so one position of a band of tiles is an NCHWc "image".
#pragma once
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cstddef>
#include <cstdint>

namespace castnet::kernels {

// Input transform of a run of consecutive tiles along one tile row, one channel block.
struct WinogradInputArgs {
  const float* plane = nullptr;  // one channel block of the input: [ih][iw][B]
  int64_t ih = 0, iw = 0;
  // Input coordinates of the first tile's window; may be negative or run past the plane
  // (padding, partial tiles): pixels outside the plane read as zero.
  int64_t row = 0, col = 0;
  size_t tiles = 0;              // tiles in the run, m input columns apart
  float* v = nullptr;            // V of the first tile at position 0 (B floats)
  ptrdiff_t v_pos_stride = 0;    // floats between positions
  ptrdiff_t v_tile_stride = 0;   // floats between consecutive tiles
};

// Output transform of a run of consecutive tiles along one tile row, one channel block, with the
// convolution's post-ops: Y + bias, + residual, activation (ConvPostOps order).
struct WinogradOutputArgs {
  const float* m = nullptr;      // M of the first tile at position 0 (B floats)
  ptrdiff_t m_pos_stride = 0;
  ptrdiff_t m_tile_stride = 0;
  size_t tiles = 0;
  float* out = nullptr;          // output plane [oh][ow][B] at the first tile's top-left pixel
  ptrdiff_t out_row_stride = 0;  // ow·B
  size_t rows = 0;               // output rows to write, 1..m (partial tiles at the bottom edge)
  size_t cols = 0;               // output columns to write from the first tile's left edge (≥ 1)
  ConvPostOps post;              // bias: this block's B values or null; residual: at `out`'s offset, same strides
};

using WinogradInputFn = void (*)(const WinogradInputArgs& args);
using WinogradOutputFn = void (*)(const WinogradOutputArgs& args);

struct WinogradTransforms {
  WinogradInputFn input = nullptr;
  WinogradOutputFn output = nullptr;
  int block = 0;  // B
  int tile = 0;   // m: output pixels per tile side
  int alpha = 0;  // m + 2: input pixels per tile side; α² positions
  const char* name = "";
};

// Per-ISA instances (winograd_transforms_<isa>.cpp).
const WinogradTransforms& winograd_f2x3_transforms_avx512();
const WinogradTransforms& winograd_f4x3_transforms_avx512();
const WinogradTransforms& winograd_f2x3_transforms_avx2();
const WinogradTransforms& winograd_f4x3_transforms_avx2();
const WinogradTransforms& winograd_f2x3_transforms_generic();
const WinogradTransforms& winograd_f4x3_transforms_generic();

}  // namespace castnet::kernels
