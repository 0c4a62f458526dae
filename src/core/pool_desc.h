// PoolDesc: one pooling window's geometry (MaxPool / AveragePool), the pooling counterpart of
// ConvDesc. Spatial dimensions are stored in ONNX order (D, H, W for 3-d; H, W for 2-d; W for
// 1-d) in the first `rank` slots; the unused slots stay 1 (pads 0).
//
// Output size per axis, with span = dilation * (kernel - 1) + 1:
//   floor mode: (in + pad_begin + pad_end - span) / stride + 1
//   ceil mode:  the same division rounded up, minus one when the last window would start past the
//               input and its left padding (it would then only cover right padding) — the rule
//               ONNX Runtime and PyTorch follow.
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace castnet {

struct PoolDesc {
  static constexpr int kMaxRank = 3;
  using Dims = std::array<int64_t, kMaxRank>;

  int64_t batch = 1;
  int64_t channels = 0;
  int rank = 2;
  Dims in{1, 1, 1};
  Dims kernel{1, 1, 1};
  Dims stride{1, 1, 1};
  Dims dilation{1, 1, 1};
  Dims pad_begin{0, 0, 0};
  Dims pad_end{0, 0, 0};
  Dims out{1, 1, 1};  // filled by compute_output()
  bool ceil_mode = false;
  // AveragePool: divide by the whole window (padding included, clipped to the padded input)
  // instead of by the number of input elements it covers.
  bool count_include_pad = false;

  // Fills `out` from the rest; throws castnet::Error if the geometry is invalid (non-positive
  // kernel/stride/dilation, negative pads, a pad as large as the window, an empty output).
  void compute_output();

  int64_t in_spatial() const;   // product of in[0..rank)
  int64_t out_spatial() const;
  int64_t kernel_spatial() const;

  // e.g. "mb1c64_ih112iw112_kh3kw3_sh2sw2_ph1pw1_phe1pwe1_dh1dw1_ceil0_cip0"
  std::string to_string() const;
};

}  // namespace castnet
