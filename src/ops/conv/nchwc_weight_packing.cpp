#include "ops/conv/nchwc_weight_packing.h"

#include "ops/conv/conv_geometry.h"

#include <algorithm>
#include <cstring>

namespace castnet::ops {

PackedConvWeights pack_weights_nchwc(const float* src, int64_t oc, int64_t ic, int64_t taps, int64_t B,
                                     int64_t nb_max) {
  const int64_t icb = div_ceil(ic, B), ocb = div_ceil(oc, B), groups = div_ceil(ocb, nb_max);
  PackedConvWeights p;
  p.group_offset.resize(static_cast<size_t>(groups));
  int64_t total = 0;
  for (int64_t g = 0; g < groups; ++g) {
    p.group_offset[static_cast<size_t>(g)] = total;
    total += icb * taps * B * std::min(nb_max, ocb - g * nb_max) * B;
  }
  p.data = AlignedBuffer(static_cast<size_t>(total) * sizeof(float));
  float* dst = p.data.as<float>();
  std::memset(dst, 0, p.data.size());
  for (int64_t g = 0; g < groups; ++g) {
    const int64_t nb = std::min(nb_max, ocb - g * nb_max);
    float* gp = dst + p.group_offset[static_cast<size_t>(g)];
    for (int64_t j = 0; j < nb; ++j)
      for (int64_t l = 0; l < B; ++l) {
        int64_t o = (g * nb_max + j) * B + l;
        if (o >= oc) continue;
        for (int64_t c = 0; c < ic; ++c)
          for (int64_t t = 0; t < taps; ++t)
            gp[(((c / B) * taps + t) * B + c % B) * nb * B + j * B + l] = src[(o * ic + c) * taps + t];
      }
  }
  return p;
}

}  // namespace castnet::ops
