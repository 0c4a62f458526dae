// The Winograd filter transform U = G g Gᵀ for F(m×m, 3×3), done once when a kernel is created.
#pragma once
#include <cstdint>

namespace castnet::kernels {

// w: [oc][ic][3][3] (OIHW). u: [α²][oc][ic] with α = tile + 2, position p = i·α + j holding
// (G g Gᵀ)[i][j] of filter g = w[o][c]. Computed in double, rounded once to float. tile is 2 or 4
// (the matrices match winograd_transforms_body.h).
void winograd_filter_transform(const float* w, int64_t oc, int64_t ic, int tile, float* u);

}  // namespace castnet::kernels
