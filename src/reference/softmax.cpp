#include "reference/softmax.h"

#include "reference/view_checks.h"

#include <cmath>
#include <limits>

namespace castnet::reference {

void softmax(const TensorView& x, int64_t axis, bool coerce_2d, const TensorView& y) {
  require_same(x, y, "Softmax");
  require_dtype(x, DType::f32, "Softmax");
  const auto rank = static_cast<int64_t>(x.shape.size());
  if (axis < 0 || axis >= rank) throw Error("Softmax: axis " + std::to_string(axis) + " out of range");
  // Normalised groups: `outer` blocks of `n` elements `inner` apart.
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t d = 0; d < rank; ++d) {
    const int64_t dim = x.shape[static_cast<size_t>(d)];
    if (d < axis) outer *= dim;
    else if (d == axis || coerce_2d) n *= dim;
    else inner *= dim;
  }
  const float* in = x.as<const float>();
  float* out = y.as<float>();
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t base = o * n * inner + i;
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t k = 0; k < n; ++k) max = std::fmax(max, static_cast<double>(in[base + k * inner]));
      double sum = 0;
      for (int64_t k = 0; k < n; ++k) sum += std::exp(static_cast<double>(in[base + k * inner]) - max);
      for (int64_t k = 0; k < n; ++k)
        out[base + k * inner] = static_cast<float>(std::exp(static_cast<double>(in[base + k * inner]) - max) / sum);
    }
}

}  // namespace castnet::reference
