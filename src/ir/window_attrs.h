// The spatial-window attributes Conv and the pooling ops share (strides, dilations, pads,
// auto_pad), decoded and validated in one place so both follow the same ONNX rules.
#pragma once
#include "ir/attributes.h"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace castnet::ir {

// Largest stride, dilation, kernel size or pad accepted: keeps all window arithmetic far from
// int64 overflow on hostile attributes.
constexpr int64_t kMaxWindowValue = int64_t{1} << 30;
// Largest spatial input size accepted.
constexpr int64_t kMaxSpatialSize = int64_t{1} << 40;

struct WindowGeometry {
  std::array<int64_t, 3> stride{1, 1, 1};
  std::array<int64_t, 3> dilation{1, 1, 1};
  std::array<int64_t, 3> pad_begin{0, 0, 0};
  std::array<int64_t, 3> pad_end{0, 0, 0};
};

// An ints attribute that must hold exactly `count` values in [lo, hi]; `def` repeated when absent.
std::vector<int64_t> read_window_ints(const Attributes& attrs, const std::string& name, size_t count,
                                      int64_t def, int64_t lo, int64_t hi);

// Decodes strides, dilations (when `has_dilations`; otherwise the attribute must be absent or all
// 1), pads and auto_pad for `rank` spatial axes with input sizes `in` and kernel sizes `kernel`.
// auto_pad: NOTSET uses `pads` (ONNX order: all begins, then all ends); VALID pads nothing;
// SAME_UPPER / SAME_LOWER pad so that out = ceil(in / stride), the odd pixel going at the end
// (UPPER) or the beginning (LOWER). Throws castnet::Error with the reason.
WindowGeometry decode_window_attrs(const Attributes& attrs, int rank, const int64_t* in, const int64_t* kernel,
                                   bool has_dilations = true);

}  // namespace castnet::ir
