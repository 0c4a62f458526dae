#include "ops/conv/nchwc_weight_packing.h"

#include <castnet/error.h>

#include "ops/conv/conv_geometry.h"

#include <algorithm>
#include <cstring>

namespace castnet::ops {

PackedConvWeights pack_weights_nchwc(const float* src, int64_t oc, int64_t ic, int64_t taps, int64_t B,
                                     int64_t nb_max) {
  const int64_t ocb = div_ceil(oc, B);
  std::vector<int64_t> blocks;
  for (int64_t first = 0; first < ocb; first += nb_max) blocks.push_back(std::min(nb_max, ocb - first));
  return pack_weights_nchwc_groups(src, oc, ic, taps, B, B, blocks);
}

PackedConvWeights pack_weights_nchwc_groups(const float* src, int64_t oc, int64_t ic, int64_t taps, int64_t in_block,
                                            int64_t B, const std::vector<int64_t>& group_blocks) {
  const int64_t icb = div_ceil(ic, in_block), ocb = div_ceil(oc, B);
  PackedConvWeights p;
  p.group_blocks = group_blocks;
  p.in_channels = ic;
  p.in_block = in_block;
  int64_t total = 0, first = 0;
  for (int64_t nb : group_blocks) {
    if (nb < 1) throw Error("weight packing: empty output-channel group");
    p.group_offset.push_back(total);
    p.group_first.push_back(first);
    total += icb * taps * in_block * nb * B;
    first += nb;
  }
  if (first != ocb) throw Error("weight packing: groups do not cover the output channels");
  p.data = AlignedBuffer(static_cast<size_t>(total) * sizeof(float));
  float* dst = p.data.as<float>();
  std::memset(dst, 0, p.data.size());
  for (size_t g = 0; g < group_blocks.size(); ++g) {
    const int64_t nb = group_blocks[g];
    float* gp = dst + p.group_offset[g];
    for (int64_t j = 0; j < nb; ++j)
      for (int64_t l = 0; l < B; ++l) {
        const int64_t o = (p.group_first[g] + j) * B + l;
        if (o >= oc) continue;
        for (int64_t c = 0; c < ic; ++c)
          for (int64_t t = 0; t < taps; ++t)
            gp[(((c / in_block) * taps + t) * in_block + c % in_block) * nb * B + j * B + l] = src[(o * ic + c) * taps + t];
      }
  }
  return p;
}

std::vector<int64_t> even_group_blocks(int64_t ocb, int64_t groups) {
  groups = std::clamp<int64_t>(groups, 1, std::max<int64_t>(ocb, 1));
  std::vector<int64_t> blocks(static_cast<size_t>(groups));
  for (int64_t g = 0; g < groups; ++g) blocks[static_cast<size_t>(g)] = ocb / groups + (g < ocb % groups ? 1 : 0);
  return blocks;
}

}  // namespace castnet::ops
