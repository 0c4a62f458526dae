#include "ir/conv_params.h"

#include <castnet/error.h>

#include "ir/window_attrs.h"

namespace castnet::ir {

ConvDesc conv_desc_from_attrs(const Attributes& attrs, const Shape& x, const Shape& w) {
  if (x.size() < 3 || x.size() > 5)
    throw Error("Conv input must have rank 3, 4 or 5 (N, C, spatial...), got shape " + shape_to_string(x));
  if (w.size() != x.size())
    throw Error("Conv weight rank " + std::to_string(w.size()) + " does not match input rank " +
                std::to_string(x.size()) + " (weights " + shape_to_string(w) + ", input " + shape_to_string(x) + ")");
  for (int64_t d : w)
    if (d <= 0 || d > kMaxSpatialSize) throw Error("Conv weight shape " + shape_to_string(w) + " is invalid");
  if (x[0] < 0) throw Error("Conv input batch must be known");
  for (size_t i = 1; i < x.size(); ++i)
    if (x[i] <= 0 || x[i] > kMaxSpatialSize) throw Error("Conv input shape " + shape_to_string(x) + " is invalid");

  const int rank = static_cast<int>(x.size()) - 2;
  ConvDesc d;
  d.rank = rank;
  d.batch = x[0];
  d.in_channels = x[1];
  d.out_channels = w[0];
  d.groups = attrs.get_int("group", 1);
  if (d.groups <= 0 || d.groups > d.in_channels)
    throw Error("Conv group " + std::to_string(d.groups) + " must be between 1 and the input channel count " +
                std::to_string(d.in_channels));
  if (d.in_channels != w[1] * d.groups)
    throw Error("Conv input has " + std::to_string(d.in_channels) + " channels but weights " + shape_to_string(w) +
                " with group " + std::to_string(d.groups) + " expect " + std::to_string(w[1] * d.groups));
  if (d.out_channels % d.groups != 0)
    throw Error("Conv output channels " + std::to_string(d.out_channels) + " not divisible by group " +
                std::to_string(d.groups));

  for (int i = 0; i < rank; ++i) {
    d.in[i] = x[static_cast<size_t>(i) + 2];
    d.kernel[i] = w[static_cast<size_t>(i) + 2];
  }
  if (attrs.has("kernel_shape")) {
    std::vector<int64_t> ks = attrs.get_ints("kernel_shape");
    bool same = ks.size() == static_cast<size_t>(rank);
    for (int i = 0; same && i < rank; ++i) same = ks[static_cast<size_t>(i)] == d.kernel[i];
    if (!same) {
      std::string text = "[";
      for (size_t i = 0; i < ks.size(); ++i) {
        if (i) text += ',';
        text += std::to_string(ks[i]);
      }
      throw Error("Conv kernel_shape " + text + "] does not match weights " + shape_to_string(w));
    }
  }

  WindowGeometry g = decode_window_attrs(attrs, rank, d.in.data(), d.kernel.data());
  d.stride = g.stride;
  d.dilation = g.dilation;
  d.pad_begin = g.pad_begin;
  d.pad_end = g.pad_end;
  d.compute_output();
  return d;
}

}  // namespace castnet::ir
