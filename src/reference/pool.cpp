#include "reference/pool.h"

#include <limits>

namespace castnet::reference {

namespace {

// Geometry on three spatial axes (D, H, W); lower ranks get leading axes of size 1.
struct Axes3 {
  int64_t in[3], out[3], kernel[3], stride[3], dilation[3], pad_begin[3], pad_end[3];
};

Axes3 expand_to_3d(const PoolDesc& d) {
  Axes3 a;
  const int shift = 3 - d.rank;
  for (int i = 0; i < 3; ++i) {
    const int j = i - shift;
    const bool used = j >= 0;
    a.in[i] = used ? d.in[j] : 1;
    a.out[i] = used ? d.out[j] : 1;
    a.kernel[i] = used ? d.kernel[j] : 1;
    a.stride[i] = used ? d.stride[j] : 1;
    a.dilation[i] = used ? d.dilation[j] : 1;
    a.pad_begin[i] = used ? d.pad_begin[j] : 0;
    a.pad_end[i] = used ? d.pad_end[j] : 0;
  }
  return a;
}

// Calls fn(plane_index) for every (image, channel) plane, spread over the pool when there is one.
template <typename Fn>
void for_each_plane(int64_t planes, ThreadPool* pool, const Fn& fn) {
  auto range = [&](int64_t begin, int64_t end, int) {
    for (int64_t p = begin; p < end; ++p) fn(p);
  };
  if (pool) pool->parallel_for(planes, range);
  else range(0, planes, 0);
}

// Visits every window position of output (od, oh, ow): visit(input_offset or -1, inside_padded).
// input_offset is -1 for positions outside the input; inside_padded says whether the position
// lies within the input plus its explicit pads.
template <typename Visit>
void visit_window(const Axes3& a, int64_t od, int64_t oh, int64_t ow, const Visit& visit) {
  for (int64_t kd = 0; kd < a.kernel[0]; ++kd) {
    const int64_t id = od * a.stride[0] - a.pad_begin[0] + kd * a.dilation[0];
    for (int64_t kh = 0; kh < a.kernel[1]; ++kh) {
      const int64_t ih = oh * a.stride[1] - a.pad_begin[1] + kh * a.dilation[1];
      for (int64_t kw = 0; kw < a.kernel[2]; ++kw) {
        const int64_t iw = ow * a.stride[2] - a.pad_begin[2] + kw * a.dilation[2];
        const bool inside = id >= 0 && id < a.in[0] && ih >= 0 && ih < a.in[1] && iw >= 0 && iw < a.in[2];
        const bool inside_padded = id < a.in[0] + a.pad_end[0] && ih < a.in[1] + a.pad_end[1] &&
                                   iw < a.in[2] + a.pad_end[2];  // never before -pad_begin
        visit(inside ? (id * a.in[1] + ih) * a.in[2] + iw : int64_t{-1}, inside_padded);
      }
    }
  }
}

template <typename T>
void max_pool_impl(const PoolDesc& desc, const T* x, T* y, ThreadPool* pool) {
  const Axes3 a = expand_to_3d(desc);
  const int64_t in_spatial = desc.in_spatial(), out_spatial = desc.out_spatial();
  for_each_plane(desc.batch * desc.channels, pool, [&](int64_t p) {
    const T* xp = x + p * in_spatial;
    T* yp = y + p * out_spatial;
    for (int64_t od = 0; od < a.out[0]; ++od)
      for (int64_t oh = 0; oh < a.out[1]; ++oh)
        for (int64_t ow = 0; ow < a.out[2]; ++ow) {
          T best = std::numeric_limits<T>::lowest();
          visit_window(a, od, oh, ow, [&](int64_t offset, bool) {
            if (offset >= 0 && xp[offset] > best) best = xp[offset];
          });
          yp[(od * a.out[1] + oh) * a.out[2] + ow] = best;
        }
  });
}

}  // namespace

void max_pool(const PoolDesc& d, const float* x, float* y, ThreadPool* pool) { max_pool_impl(d, x, y, pool); }
void max_pool(const PoolDesc& d, const uint8_t* x, uint8_t* y, ThreadPool* pool) { max_pool_impl(d, x, y, pool); }
void max_pool(const PoolDesc& d, const int8_t* x, int8_t* y, ThreadPool* pool) { max_pool_impl(d, x, y, pool); }

void average_pool(const PoolDesc& desc, const float* x, float* y, ThreadPool* pool) {
  const Axes3 a = expand_to_3d(desc);
  const int64_t in_spatial = desc.in_spatial(), out_spatial = desc.out_spatial();
  for_each_plane(desc.batch * desc.channels, pool, [&](int64_t p) {
    const float* xp = x + p * in_spatial;
    float* yp = y + p * out_spatial;
    for (int64_t od = 0; od < a.out[0]; ++od)
      for (int64_t oh = 0; oh < a.out[1]; ++oh)
        for (int64_t ow = 0; ow < a.out[2]; ++ow) {
          double sum = 0.0;
          int64_t inputs = 0, padded_positions = 0;
          visit_window(a, od, oh, ow, [&](int64_t offset, bool inside_padded) {
            if (offset >= 0) {
              sum += xp[offset];
              ++inputs;
            }
            if (inside_padded) ++padded_positions;
          });
          const int64_t divisor = desc.count_include_pad ? padded_positions : inputs;
          yp[(od * a.out[1] + oh) * a.out[2] + ow] = divisor > 0 ? static_cast<float>(sum / divisor) : 0.f;
        }
  });
}

void global_average_pool(int64_t planes, int64_t spatial, const float* x, float* y, ThreadPool* pool) {
  for_each_plane(planes, pool, [&](int64_t p) {
    double sum = 0.0;
    for (int64_t i = 0; i < spatial; ++i) sum += x[p * spatial + i];
    y[p] = spatial > 0 ? static_cast<float>(sum / spatial) : 0.f;
  });
}

void global_max_pool(int64_t planes, int64_t spatial, const float* x, float* y, ThreadPool* pool) {
  for_each_plane(planes, pool, [&](int64_t p) {
    float best = std::numeric_limits<float>::lowest();
    for (int64_t i = 0; i < spatial; ++i)
      if (x[p * spatial + i] > best) best = x[p * spatial + i];
    y[p] = best;
  });
}

}  // namespace castnet::reference
