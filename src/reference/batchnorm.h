// Reference batch normalisation (inference): per channel c,
//   y = (x - mean[c]) / sqrt(var[c] + epsilon) * scale[c] + bias[c], computed in double.
#pragma once
#include "core/thread_pool.h"

#include <cstdint>

namespace castnet::reference {

// x, y: [batch][channels][spatial] plain; scale, bias, mean, var: [channels].
void batch_norm(int64_t batch, int64_t channels, int64_t spatial, const float* x, const float* scale,
                const float* bias, const float* mean, const float* var, double epsilon, float* y,
                ThreadPool* pool = nullptr);

}  // namespace castnet::reference
