// Runs one directory in the ONNX backend-test layout (model.onnx + test_data_set_N/input_K.pb,
// output_K.pb) and compares castnet's outputs with the expected ones.
#pragma once
#include <castnet/castnet.h>

#include <string>
#include <vector>

namespace castnet {

struct OnnxTestResult {
  std::string name;        // directory name, e.g. "test_conv_with_strides_padding"
  bool passed = false;
  double max_abs_error = 0, max_rel_error = 0;
  std::string message;     // why it failed (load error, shape mismatch, tolerance)
};

// An element passes when |got - want| <= atol + rtol * |want| (NaN only matches NaN).
OnnxTestResult run_onnx_test_case(const std::string& dir, const Options& options,
                                  double rtol = 1e-3, double atol = 1e-5);

}  // namespace castnet
