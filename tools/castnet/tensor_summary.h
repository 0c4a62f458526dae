// Reading tensors element by element as double, whatever their dtype, for the CLI's one-line
// summaries (min / max / mean) and its generated inputs.
#pragma once
#include <castnet/tensor.h>

#include <cstdint>
#include <string>

namespace castnet::cli {

// Element i of a plain-layout tensor as a double (f16 / bf16 widened, integers converted).
double element_as_double(const Tensor& t, int64_t i);
// Sets element i of a plain-layout tensor from a double (rounded / truncated for its dtype).
void set_element(Tensor& t, int64_t i, double v);

struct TensorSummary {
  double min = 0, max = 0, mean = 0;
  int64_t non_finite = 0;  // NaN and infinities, left out of min/max/mean
};
TensorSummary summarize(const Tensor& t);

// "f32 1x1000 min=-2.31 max=4.05 mean=0.0123" (+ " non-finite=3" when there are any).
std::string describe(const Tensor& t);

}  // namespace castnet::cli
