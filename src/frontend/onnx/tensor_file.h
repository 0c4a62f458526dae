// Single tensors on disk: ONNX TensorProto files (.pb, the backend-test layout) and NumPy .npy.
#pragma once
#include <castnet/tensor.h>

#include <string>

namespace castnet::io {

// Both throw castnet::Error naming the file for anything malformed or unsupported.
Tensor read_tensor_pb(const std::string& path, std::string* name = nullptr);
void write_tensor_pb(const std::string& path, const Tensor& t, const std::string& name);
Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& t);
// Picks the reader by extension (.pb or .npy).
Tensor read_tensor_file(const std::string& path);

}  // namespace castnet::io
