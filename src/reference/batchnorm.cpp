#include "reference/batchnorm.h"

#include <cmath>

namespace castnet::reference {

void batch_norm(int64_t batch, int64_t channels, int64_t spatial, const float* x, const float* scale,
                const float* bias, const float* mean, const float* var, double epsilon, float* y,
                ThreadPool* pool) {
  auto run_planes = [&](int64_t begin, int64_t end, int) {
    for (int64_t p = begin; p < end; ++p) {
      const int64_t c = p % channels;
      const double inv_std = 1.0 / std::sqrt(static_cast<double>(var[c]) + epsilon);
      const float* xp = x + p * spatial;
      float* yp = y + p * spatial;
      for (int64_t i = 0; i < spatial; ++i)
        yp[i] = static_cast<float>((xp[i] - static_cast<double>(mean[c])) * inv_std * scale[c] + bias[c]);
    }
  };
  const int64_t planes = batch * channels;
  if (pool) pool->parallel_for(planes, run_planes);
  else run_planes(0, planes, 0);
}

}  // namespace castnet::reference
