#include "reference/conv.h"

#include <algorithm>
#include <vector>

namespace castnet::reference {

namespace {

// The geometry expanded to exactly three spatial axes (D, H, W): a 1-d or 2-d convolution gets
// leading axes of size 1, so one loop nest serves every rank.
struct Axes3 {
  int64_t in[3], out[3], kernel[3], stride[3], dilation[3], pad[3];
};

Axes3 expand_to_3d(const ConvDesc& d) {
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
    a.pad[i] = used ? d.pad_begin[j] : 0;
  }
  // A 1x1, stride-1, unpadded convolution maps each input position to the same output position:
  // over the flattened spatial domain it is a 1-d convolution with one long row, which keeps the
  // inner loop long when the feature map is small (7x7 layers).
  bool pointwise = true;
  for (int i = 0; i < 3; ++i) pointwise = pointwise && a.kernel[i] == 1 && a.stride[i] == 1 && a.pad[i] == 0;
  if (pointwise) {
    const int64_t spatial = a.in[0] * a.in[1] * a.in[2];
    for (int i = 0; i < 3; ++i) a.in[i] = a.out[i] = 1;
    a.in[2] = a.out[2] = spatial;
  }
  return a;
}

int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }  // b > 0

// The output positions o in [0, out) whose input position o * stride - pad + offset falls inside
// [0, in): computed once per kernel tap so the loops over outputs need no bounds checks.
struct Range {
  int64_t begin, end;
};
Range valid_outputs(int64_t in, int64_t out, int64_t stride, int64_t pad, int64_t offset) {
  const int64_t shift = offset - pad;  // input position = o * stride + shift
  int64_t begin = std::max<int64_t>(0, -floor_div(shift, stride));  // ceil(-shift / stride)
  int64_t end = std::min<int64_t>(out, floor_div(in - 1 - shift, stride) + 1);
  return {begin, std::max(begin, end)};
}

// acc[out plane] += weight * x[input plane] for one kernel tap (kd, kh, kw).
void accumulate_tap(const Axes3& a, const float* x_plane, double weight, int64_t kd, int64_t kh, int64_t kw,
                    double* acc) {
  const Range rd = valid_outputs(a.in[0], a.out[0], a.stride[0], a.pad[0], kd * a.dilation[0]);
  const Range rh = valid_outputs(a.in[1], a.out[1], a.stride[1], a.pad[1], kh * a.dilation[1]);
  const Range rw = valid_outputs(a.in[2], a.out[2], a.stride[2], a.pad[2], kw * a.dilation[2]);
  if (rw.begin == rw.end) return;
  const int64_t w_shift = kw * a.dilation[2] - a.pad[2];
  const int64_t sw = a.stride[2];
  for (int64_t od = rd.begin; od < rd.end; ++od) {
    const int64_t id = od * a.stride[0] - a.pad[0] + kd * a.dilation[0];
    for (int64_t oh = rh.begin; oh < rh.end; ++oh) {
      const int64_t ih = oh * a.stride[1] - a.pad[1] + kh * a.dilation[1];
      const float* x_row = x_plane + (id * a.in[1] + ih) * a.in[2];
      double* acc_row = acc + (od * a.out[1] + oh) * a.out[2];
      // Two copies of the same loop: with a unit stride the compiler vectorises it.
      if (sw == 1) {
        for (int64_t ow = rw.begin; ow < rw.end; ++ow) acc_row[ow] += weight * x_row[ow + w_shift];
      } else {
        for (int64_t ow = rw.begin; ow < rw.end; ++ow) acc_row[ow] += weight * x_row[ow * sw + w_shift];
      }
    }
  }
}

}  // namespace

void conv(const ConvDesc& d, const float* x, const float* w, const float* bias, float* y, ThreadPool* pool) {
  const Axes3 a = expand_to_3d(d);
  const int64_t in_spatial = d.in_spatial(), out_spatial = d.out_spatial();
  const int64_t ic_per_group = d.ic_per_group(), oc_per_group = d.oc_per_group();

  // One task per (image, output channel): a double accumulator plane over the whole output,
  // swept once per (input channel, kernel tap).
  auto run_tasks = [&](int64_t begin, int64_t end, int /*thread*/) {
    std::vector<double> acc(static_cast<size_t>(out_spatial));
    for (int64_t task = begin; task < end; ++task) {
      const int64_t n = task / d.out_channels, oc = task % d.out_channels;
      const int64_t group = oc / oc_per_group;
      std::fill(acc.begin(), acc.end(), bias ? static_cast<double>(bias[oc]) : 0.0);
      for (int64_t ic = 0; ic < ic_per_group; ++ic) {
        const float* x_plane = x + (n * d.in_channels + group * ic_per_group + ic) * in_spatial;
        const float* w_taps = w + (oc * ic_per_group + ic) * a.kernel[0] * a.kernel[1] * a.kernel[2];
        for (int64_t kd = 0; kd < a.kernel[0]; ++kd)
          for (int64_t kh = 0; kh < a.kernel[1]; ++kh)
            for (int64_t kw = 0; kw < a.kernel[2]; ++kw) {
              const double weight = w_taps[(kd * a.kernel[1] + kh) * a.kernel[2] + kw];
              accumulate_tap(a, x_plane, weight, kd, kh, kw, acc.data());
            }
      }
      float* y_plane = y + task * out_spatial;
      for (int64_t i = 0; i < out_spatial; ++i) y_plane[i] = static_cast<float>(acc[static_cast<size_t>(i)]);
    }
  };
  const int64_t tasks = d.batch * d.out_channels;
  if (pool) pool->parallel_for(tasks, run_tasks);
  else run_tasks(0, tasks, 0);
}

}  // namespace castnet::reference
