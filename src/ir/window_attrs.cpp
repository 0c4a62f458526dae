#include "ir/window_attrs.h"

#include <castnet/error.h>

#include <algorithm>

namespace castnet::ir {

std::vector<int64_t> read_window_ints(const Attributes& attrs, const std::string& name, size_t count,
                                      int64_t def, int64_t lo, int64_t hi) {
  if (!attrs.has(name)) return std::vector<int64_t>(count, def);
  std::vector<int64_t> v = attrs.get_ints(name);
  if (v.size() != count)
    throw Error("attribute '" + name + "' has " + std::to_string(v.size()) + " values, expected " +
                std::to_string(count));
  for (int64_t x : v)
    if (x < lo || x > hi)
      throw Error("attribute '" + name + "' value " + std::to_string(x) + " out of range [" + std::to_string(lo) +
                  ", " + std::to_string(hi) + "]");
  return v;
}

WindowGeometry decode_window_attrs(const Attributes& attrs, int rank, const int64_t* in, const int64_t* kernel,
                                   bool has_dilations) {
  if (rank < 1 || rank > 3) throw Error("only 1-d, 2-d and 3-d windows are supported (got rank " + std::to_string(rank) + ")");
  const size_t r = static_cast<size_t>(rank);
  WindowGeometry g;
  std::vector<int64_t> strides = read_window_ints(attrs, "strides", r, 1, 1, kMaxWindowValue);
  std::vector<int64_t> dilations = read_window_ints(attrs, "dilations", r, 1, 1, kMaxWindowValue);
  if (!has_dilations && std::any_of(dilations.begin(), dilations.end(), [](int64_t d) { return d != 1; }))
    throw Error("attribute 'dilations' is not supported by this operator");
  for (size_t i = 0; i < r; ++i) {
    g.stride[i] = strides[i];
    g.dilation[i] = dilations[i];
    if (kernel[i] <= 0 || kernel[i] > kMaxWindowValue)
      throw Error("kernel size " + std::to_string(kernel[i]) + " out of range");
  }

  std::string auto_pad = attrs.get_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    std::vector<int64_t> pads = read_window_ints(attrs, "pads", 2 * r, 0, 0, kMaxWindowValue);
    for (size_t i = 0; i < r; ++i) {
      g.pad_begin[i] = pads[i];
      g.pad_end[i] = pads[i + r];
    }
    return g;
  }
  if (auto_pad != "VALID" && auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER")
    throw Error("unknown auto_pad '" + auto_pad + "' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)");
  // ONNX forbids explicit pads next to auto_pad; exporters sometimes write all-zero ones.
  std::vector<int64_t> pads = read_window_ints(attrs, "pads", 2 * r, 0, 0, kMaxWindowValue);
  if (std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p != 0; }))
    throw Error("attribute 'pads' cannot be used together with auto_pad " + auto_pad);
  if (auto_pad == "VALID") return g;
  for (size_t i = 0; i < r; ++i) {
    if (in[i] <= 0 || in[i] > kMaxSpatialSize) throw Error("spatial input dimension " + std::to_string(in[i]) + " out of range");
    int64_t span = g.dilation[i] * (kernel[i] - 1) + 1;
    int64_t out = (in[i] + g.stride[i] - 1) / g.stride[i];
    int64_t total = std::max<int64_t>(0, (out - 1) * g.stride[i] + span - in[i]);
    int64_t small = total / 2, large = total - total / 2;
    g.pad_begin[i] = auto_pad == "SAME_UPPER" ? small : large;
    g.pad_end[i] = auto_pad == "SAME_UPPER" ? large : small;
  }
  return g;
}

}  // namespace castnet::ir
