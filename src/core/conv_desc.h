// ConvDesc: one convolution's geometry, shared by the reference, every algorithm, the tests and
// the benchmarks. Spatial dimensions are stored in ONNX order (D, H, W for 3-d; H, W for 2-d;
// W for 1-d) in the first `rank` slots.
//
// A ConvDesc names itself as a problem string in the style of benchdnn, e.g.
//   mb1_g1ic64oc64_ih56iw56_kh3kw3_sh1sw1_ph1pw1_phe1pwe1_dh1dw1
// (to_string/parse round-trip), so a failing test or a benchmark line identifies the exact shape.
#pragma once
#include <array>
#include <cstdint>
#include <string>

namespace castnet {

struct ConvDesc {
  static constexpr int kMaxRank = 3;
  using Dims = std::array<int64_t, kMaxRank>;

  int64_t batch = 1;
  int64_t in_channels = 0;
  int64_t out_channels = 0;
  int64_t groups = 1;
  int rank = 2;
  Dims in{1, 1, 1};
  Dims kernel{1, 1, 1};
  Dims stride{1, 1, 1};
  Dims dilation{1, 1, 1};
  Dims pad_begin{0, 0, 0};
  Dims pad_end{0, 0, 0};
  Dims out{1, 1, 1};  // filled by compute_output()

  // Fills `out` from the rest; throws castnet::Error if the geometry is invalid (non-positive
  // stride/dilation/kernel, negative pads, channels not divisible by groups, empty output).
  void compute_output();

  int64_t ic_per_group() const { return in_channels / groups; }
  int64_t oc_per_group() const { return out_channels / groups; }
  int64_t in_spatial() const;   // product of in[0..rank)
  int64_t out_spatial() const;
  int64_t kernel_spatial() const;
  bool is_depthwise() const { return groups == in_channels && groups == out_channels && groups > 1; }

  int64_t macs() const;   // multiply-accumulates, bias excluded
  int64_t flops() const { return 2 * macs(); }

  // 2-d accessors (rank == 2).
  int64_t ih() const { return in[0]; }
  int64_t iw() const { return in[1]; }
  int64_t oh() const { return out[0]; }
  int64_t ow() const { return out[1]; }
  int64_t kh() const { return kernel[0]; }
  int64_t kw() const { return kernel[1]; }

  std::string to_string() const;
  static ConvDesc parse(const std::string& problem);  // throws castnet::Error on bad text
};

}  // namespace castnet
