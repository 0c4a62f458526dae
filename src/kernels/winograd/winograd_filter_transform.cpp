#include "kernels/winograd/winograd_filter_transform.h"

#include <cstddef>

namespace castnet::kernels {
namespace {

// G for F(2×2,3×3) (points 0, ±1, ∞) and F(4×4,3×3) (points 0, ±1, ±2, ∞), α×3 row-major.
constexpr double kG2[4 * 3] = {
    1.0, 0.0, 0.0,
    0.5, 0.5, 0.5,
    0.5, -0.5, 0.5,
    0.0, 0.0, 1.0,
};
constexpr double kG4[6 * 3] = {
    1.0 / 4, 0.0, 0.0,
    -1.0 / 6, -1.0 / 6, -1.0 / 6,
    -1.0 / 6, 1.0 / 6, -1.0 / 6,
    1.0 / 24, 1.0 / 12, 1.0 / 6,
    1.0 / 24, -1.0 / 12, 1.0 / 6,
    0.0, 0.0, 1.0,
};

}  // namespace

void winograd_filter_transform(const float* w, int64_t oc, int64_t ic, int tile, float* u) {
  const int alpha = tile + 2;
  const double* G = tile == 2 ? kG2 : kG4;
  const int64_t plane = oc * ic;  // floats per position
  for (int64_t o = 0; o < oc; ++o)
    for (int64_t c = 0; c < ic; ++c) {
      const float* g = w + (o * ic + c) * 9;
      double gg[6][3];  // G g: α×3
      for (int i = 0; i < alpha; ++i)
        for (int b = 0; b < 3; ++b) {
          double s = 0;
          for (int k = 0; k < 3; ++k) s += G[i * 3 + k] * g[k * 3 + b];
          gg[i][b] = s;
        }
      for (int i = 0; i < alpha; ++i)
        for (int j = 0; j < alpha; ++j) {
          double s = 0;
          for (int b = 0; b < 3; ++b) s += gg[i][b] * G[j * 3 + b];
          u[static_cast<size_t>((i * alpha + j) * plane + o * ic + c)] = static_cast<float>(s);
        }
    }
}

}  // namespace castnet::kernels
