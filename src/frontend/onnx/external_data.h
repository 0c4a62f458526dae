// Tensors whose bytes live in a separate file next to the model (TensorProto data_location
// EXTERNAL, keys "location", "offset", "length").
#pragma once
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <string>

namespace castnet::onnx_import {

// Copies the tensor's `expected_bytes` bytes into dst. The location is resolved relative to
// base_dir and must stay inside it: absolute paths, ".." components and symlinks that lead out of
// the folder are rejected, as are a missing file and an offset/length past its end. `what` names
// the tensor ("initializer 'w'"). An empty base_dir forbids external data. Throws castnet::Error
// with the reason only (the caller adds the model file).
void read_external_data(const onnx::TensorProto& proto, const std::string& base_dir,
                        const std::string& what, void* dst, size_t expected_bytes);

}  // namespace castnet::onnx_import
