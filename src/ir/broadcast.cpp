#include "ir/broadcast.h"

#include <castnet/error.h>

#include <algorithm>

namespace castnet::ir {
namespace {
constexpr int64_t kUnknown = -1;
}

Shape multidirectional_broadcast(const Shape& a, const Shape& b) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t k = 0; k < rank; ++k) {  // k counts from the right
    const int64_t x = k < a.size() ? a[a.size() - 1 - k] : 1;
    const int64_t y = k < b.size() ? b[b.size() - 1 - k] : 1;
    int64_t r;
    if (x == y) r = x;
    else if (x == 1) r = y;
    else if (y == 1) r = x;
    else if (x == kUnknown) r = y;  // the unknown one must be 1 or equal to y
    else if (y == kUnknown) r = x;
    else
      throw Error("shapes " + shape_to_string(a) + " and " + shape_to_string(b) + " cannot be broadcast together");
    out[rank - 1 - k] = r;
  }
  return out;
}

Shape multidirectional_broadcast(const std::vector<Shape>& shapes) {
  if (shapes.empty()) return {};
  Shape out = shapes[0];
  for (size_t i = 1; i < shapes.size(); ++i) out = multidirectional_broadcast(out, shapes[i]);
  return out;
}

void check_unidirectional_broadcast(const Shape& from, const Shape& to) {
  bool ok = from.size() <= to.size();
  for (size_t k = 0; ok && k < from.size(); ++k) {
    const int64_t x = from[from.size() - 1 - k], y = to[to.size() - 1 - k];
    ok = x == y || x == 1 || x == kUnknown || y == kUnknown;
  }
  if (!ok)
    throw Error("shape " + shape_to_string(from) + " cannot be broadcast to " + shape_to_string(to));
}

}  // namespace castnet::ir
