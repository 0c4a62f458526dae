#include "core/pool_desc.h"

#include <castnet/error.h>

namespace castnet {

namespace {
constexpr int64_t kMaxExtent = int64_t{1} << 30;  // keeps every sum below int64 overflow

int64_t prod(const PoolDesc::Dims& d, int rank) {
  int64_t p = 1;
  for (int i = 0; i < rank; ++i) p *= d[i];
  return p;
}
}  // namespace

void PoolDesc::compute_output() {
  if (rank < 1 || rank > kMaxRank) throw Error("pooling rank " + std::to_string(rank) + " not supported");
  if (batch < 0 || channels <= 0) throw Error("pooling needs a non-negative batch and positive channels");
  for (int i = 0; i < rank; ++i) {
    if (kernel[i] <= 0) throw Error("pooling kernel size must be positive");
    if (stride[i] <= 0) throw Error("pooling stride must be positive");
    if (dilation[i] <= 0) throw Error("pooling dilation must be positive");
    if (pad_begin[i] < 0 || pad_end[i] < 0) throw Error("pooling pads must not be negative");
    if (in[i] <= 0) throw Error("spatial input dimension must be positive");
    if (kernel[i] > kMaxExtent || stride[i] > kMaxExtent || dilation[i] > kMaxExtent ||
        pad_begin[i] > kMaxExtent || pad_end[i] > kMaxExtent || in[i] > kMaxExtent)
      throw Error("pooling geometry too large");
    int64_t span = dilation[i] * (kernel[i] - 1) + 1;
    // A pad as wide as the window would allow windows made only of padding.
    if (pad_begin[i] >= span || pad_end[i] >= span)
      throw Error("pooling pads (" + std::to_string(pad_begin[i]) + ", " + std::to_string(pad_end[i]) +
                  ") must be smaller than the window (" + std::to_string(span) + ")");
    int64_t padded = in[i] + pad_begin[i] + pad_end[i];
    if (padded < span)
      throw Error("pooling window (extent " + std::to_string(span) + ") larger than padded input (" +
                  std::to_string(padded) + ")");
    int64_t room = padded - span;
    int64_t n = ceil_mode ? (room + stride[i] - 1) / stride[i] + 1 : room / stride[i] + 1;
    // In ceil mode the last window must start inside the input or its left padding.
    if (ceil_mode && (n - 1) * stride[i] >= in[i] + pad_begin[i]) --n;
    out[i] = n;
  }
  for (int i = rank; i < kMaxRank; ++i) {
    in[i] = out[i] = kernel[i] = stride[i] = dilation[i] = 1;
    pad_begin[i] = pad_end[i] = 0;
  }
}

int64_t PoolDesc::in_spatial() const { return prod(in, rank); }
int64_t PoolDesc::out_spatial() const { return prod(out, rank); }
int64_t PoolDesc::kernel_spatial() const { return prod(kernel, rank); }

std::string PoolDesc::to_string() const {
  const char* ax = rank == 3 ? "dhw" : rank == 2 ? "hw" : "w";
  auto group = [&](const char* prefix, const Dims& d, const char* suffix = "") {
    std::string s;
    for (int i = 0; i < rank; ++i) s += std::string(prefix) + ax[i] + suffix + std::to_string(d[i]);
    return s;
  };
  return "mb" + std::to_string(batch) + "c" + std::to_string(channels) + "_" + group("i", in) + "_" +
         group("k", kernel) + "_" + group("s", stride) + "_" + group("p", pad_begin) + "_" +
         group("p", pad_end, "e") + "_" + group("d", dilation) + "_ceil" + (ceil_mode ? "1" : "0") +
         "_cip" + (count_include_pad ? "1" : "0");
}

}  // namespace castnet
