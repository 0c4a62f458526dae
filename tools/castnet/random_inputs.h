// Deterministic input data for `run` and `bench` when the user gives none: the same values on
// every machine for the same input name and shape.
#pragma once
#include <castnet/castnet.h>

#include <vector>

namespace castnet::cli {

// A tensor of this input's dtype and shape: floats uniform in [-1, 1), integers in [0, 10),
// booleans 0/1. Throws castnet::Error if the shape has an unknown dimension.
Tensor random_input(const TensorInfo& info);

// random_input for each of the session's inputs, in order.
NamedTensors random_inputs(const std::vector<TensorInfo>& inputs);

}  // namespace castnet::cli
