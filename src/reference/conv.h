// Reference convolution: the plain, double-accumulating oracle every fast convolution is tested
// against, and the engine's fallback for any geometry (groups, dilation, strides, asymmetric
// pads, 1-d / 2-d / 3-d, batch).
#pragma once
#include "core/conv_desc.h"
#include "core/thread_pool.h"

namespace castnet::reference {

// y = conv(x, w) + bias, all plain row-major f32:
//   x:    [batch][in_channels][in...]
//   w:    [out_channels][in_channels / groups][kernel...]
//   bias: [out_channels], or null
//   y:    [batch][out_channels][out...]
// Each output value is a double sum rounded to float once. `pool` may be null (runs serially);
// otherwise the (image, output channel) planes are spread over it.
void conv(const ConvDesc& desc, const float* x, const float* w, const float* bias, float* y,
          ThreadPool* pool = nullptr);

}  // namespace castnet::reference
