#include "core/broadcast_iter.h"

#include <castnet/error.h>

namespace castnet {

std::vector<int64_t> broadcast_strides(const Shape& in, const Shape& out) {
  if (in.size() > out.size())
    throw Error("cannot broadcast " + shape_to_string(in) + " to " + shape_to_string(out) + ": rank too large");
  std::vector<int64_t> strides(out.size(), 0);
  const size_t offset = out.size() - in.size();
  int64_t stride = 1;
  for (size_t d = in.size(); d-- > 0;) {
    const int64_t dim = in[d], target = out[d + offset];
    if (dim < 0 || target < 0) throw Error("broadcast of a shape with unknown dimensions");
    if (dim == target) {
      strides[d + offset] = dim == 1 ? 0 : stride;
    } else if (dim != 1) {
      throw Error("cannot broadcast " + shape_to_string(in) + " to " + shape_to_string(out));
    }
    stride *= dim;
  }
  return strides;
}

}  // namespace castnet
