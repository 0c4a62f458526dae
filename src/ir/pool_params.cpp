#include "ir/pool_params.h"

#include <castnet/error.h>

#include "ir/window_attrs.h"

namespace castnet::ir {

namespace {
bool read_flag(const Attributes& attrs, const std::string& name) {
  int64_t v = attrs.get_int(name, 0);
  if (v != 0 && v != 1) throw Error("attribute '" + name + "' must be 0 or 1, got " + std::to_string(v));
  return v == 1;
}
}  // namespace

PoolDesc pool_desc_from_attrs(const Attributes& attrs, const Shape& x) {
  if (x.size() < 3 || x.size() > 5)
    throw Error("pooling input must have rank 3, 4 or 5 (N, C, spatial...), got shape " + shape_to_string(x));
  if (x[0] < 0) throw Error("pooling input batch must be known");
  for (size_t i = 1; i < x.size(); ++i)
    if (x[i] <= 0 || x[i] > kMaxSpatialSize) throw Error("pooling input shape " + shape_to_string(x) + " is invalid");

  const int rank = static_cast<int>(x.size()) - 2;
  if (!attrs.has("kernel_shape")) throw Error("attribute 'kernel_shape' is required");
  std::vector<int64_t> ks = read_window_ints(attrs, "kernel_shape", static_cast<size_t>(rank), 1, 1, kMaxWindowValue);

  PoolDesc d;
  d.rank = rank;
  d.batch = x[0];
  d.channels = x[1];
  for (int i = 0; i < rank; ++i) {
    d.in[i] = x[static_cast<size_t>(i) + 2];
    d.kernel[i] = ks[static_cast<size_t>(i)];
  }
  WindowGeometry g = decode_window_attrs(attrs, rank, d.in.data(), d.kernel.data());
  d.stride = g.stride;
  d.dilation = g.dilation;
  d.pad_begin = g.pad_begin;
  d.pad_end = g.pad_end;
  d.ceil_mode = read_flag(attrs, "ceil_mode");
  d.count_include_pad = read_flag(attrs, "count_include_pad");
  d.compute_output();
  return d;
}

}  // namespace castnet::ir
