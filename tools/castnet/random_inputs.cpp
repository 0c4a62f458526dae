#include "castnet/random_inputs.h"

#include <castnet/error.h>

#include "castnet/tensor_summary.h"
#include "zoo/deterministic_rng.h"

namespace castnet::cli {

namespace {
constexpr uint64_t kInputSeed = 20240601;
}

Tensor random_input(const TensorInfo& info) {
  for (int64_t d : info.shape)
    if (d < 0)
      throw Error("input '" + info.name + "' has an unknown dimension (shape " +
                  shape_to_string(info.shape) + "); give it with --shape " + info.name + "=DIMS");
  Tensor t(info.dtype, info.shape);
  zoo::SplitMix64 rng(zoo::tensor_seed(kInputSeed, info.name));
  const bool is_float = info.dtype == DType::f32 || info.dtype == DType::f16 || info.dtype == DType::bf16;
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (is_float) set_element(t, i, rng.uniform(-1.0f, 1.0f));
    else if (info.dtype == DType::boolean) set_element(t, i, static_cast<double>(rng.next() & 1));
    else set_element(t, i, static_cast<double>(rng.next() % 10));
  }
  return t;
}

NamedTensors random_inputs(const std::vector<TensorInfo>& inputs) {
  NamedTensors named;
  for (const TensorInfo& info : inputs) named.emplace_back(info.name, random_input(info));
  return named;
}

}  // namespace castnet::cli
