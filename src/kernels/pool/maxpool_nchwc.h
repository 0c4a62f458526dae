// Max pooling on the channel-blocked layout NCHWc (B channels per block): one channel block's
// plane per call. Every window step is one vector max over B channels, so the kernel is as wide
// as the machine's vectors whatever the pooling geometry.
#pragma once
#include "core/cpu_features.h"

#include <cstdint>

namespace castnet::kernels {

struct MaxPoolPlaneArgs {
  const float* in = nullptr;  // [ih][iw][B]
  float* out = nullptr;       // [oh][ow][B]
  int64_t ih = 0, iw = 0, oh = 0, ow = 0;
  int64_t kh = 1, kw = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;  // the bottom/right pads only show as windows running past the input
};

// Windows with no tap inside the input produce −∞ (as the reference does).
using MaxPoolPlaneFn = void (*)(const MaxPoolPlaneArgs& args);

struct MaxPoolNchwc {
  MaxPoolPlaneFn plane = nullptr;
  int block = 0;  // B
  const char* name = "";
};

// Per-ISA instances (maxpool_nchwc_<isa>.cpp).
const MaxPoolNchwc& maxpool_nchwc_avx512();
const MaxPoolNchwc& maxpool_nchwc_avx2();
const MaxPoolNchwc& maxpool_nchwc_generic();

// The instance for an ISA level (generic for reference/generic).
const MaxPoolNchwc& maxpool_nchwc_config(Isa isa);

}  // namespace castnet::kernels
