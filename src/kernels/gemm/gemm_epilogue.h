// What a GEMM microkernel does to its tile after the last K block, while the tile is still in
// registers: the fused tail of Conv(+BatchNorm)(+Add)(+activation).
//
//   v   = alpha * A·B + beta * C             (the GEMM itself; beta == 0 never reads C)
//   v   = v * scale[ch] + bias[ch]            (per output channel; either pointer may be null)
//   v  += residual[row][col]                  (the skip connection of Conv+Add, before activation)
//   out = activation(v)
//
// `ch` is the row index when the channels run along M (conv as W·X, NCHW) and the column index
// when they run along N (conv as X·W, NHWC / NCHWc).
//
// The struct is plain data so a kernel of any precision can read it. Later variants slot in
// here: an INT8 kernel (int32 accumulators) reads `scale` as the per-channel requantisation
// multiplier and will add an output zero point and a saturating narrow store; a BF16 kernel
// changes only how the tile is loaded and stored.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace castnet::kernels {

enum class GemmActivation : uint8_t {
  none,
  relu,        // max(v, 0)
  clip,        // min(max(v, clip_min), clip_max); ReLU6 is clip(0, 6)
  leaky_relu,  // v >= 0 ? v : leaky_alpha * v
  hard_swish,  // v * min(max(v / 6 + 1/2, 0), 1)   (ONNX HardSwish)
  hard_sigmoid,  // min(max(hard_sigmoid_alpha * v + hard_sigmoid_beta, 0), 1)   (ONNX HardSigmoid)
  sigmoid,     // 1 / (1 + exp(-v))
};

enum class GemmChannelAxis : uint8_t { rows, cols };

struct GemmEpilogue {
  GemmChannelAxis channel_axis = GemmChannelAxis::rows;
  const float* scale = nullptr;     // one per channel, or null for 1
  const float* bias = nullptr;      // one per channel, or null for 0
  const float* residual = nullptr;  // same shape as C, or null
  size_t residual_ld = 0;           // elements between residual rows
  GemmActivation activation = GemmActivation::none;
  float leaky_alpha = 0.01f;
  float clip_min = 0.0f, clip_max = 6.0f;
  float hard_sigmoid_alpha = 0.2f, hard_sigmoid_beta = 0.5f;  // ONNX HardSigmoid's defaults

  // The same epilogue for the tile whose top-left element is C[row][col]: the channel and
  // residual pointers advanced so a kernel indexes them from 0.
  GemmEpilogue at_tile(size_t row, size_t col) const {
    GemmEpilogue t = *this;
    size_t ch = channel_axis == GemmChannelAxis::rows ? row : col;
    if (t.scale) t.scale += ch;
    if (t.bias) t.bias += ch;
    if (t.residual) t.residual += row * residual_ld + col;
    return t;
  }
};

// The activation on one value, for portable kernels and edge code.
inline float gemm_activate(float v, const GemmEpilogue& ep) {
  switch (ep.activation) {
    case GemmActivation::none: return v;
    case GemmActivation::relu: return v > 0.0f ? v : 0.0f;
    case GemmActivation::clip: return std::fmin(std::fmax(v, ep.clip_min), ep.clip_max);
    case GemmActivation::leaky_relu: return v >= 0.0f ? v : v * ep.leaky_alpha;
    case GemmActivation::hard_swish:
      return v * std::fmin(std::fmax(v * (1.0f / 6.0f) + 0.5f, 0.0f), 1.0f);
    case GemmActivation::hard_sigmoid:
      return std::fmin(std::fmax(std::fma(v, ep.hard_sigmoid_alpha, ep.hard_sigmoid_beta), 0.0f), 1.0f);
    case GemmActivation::sigmoid: return 1.0f / (1.0f + std::exp(-v));
  }
  return v;
}

}  // namespace castnet::kernels
