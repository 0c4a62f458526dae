// Tensors whose bytes live in a separate file next to the model (TensorProto data_location
// EXTERNAL, keys "location", "offset", "length").
#pragma once
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace castnet::onnx_io {

// Where a tensor's bytes are, once checked: the file exists inside the model's folder and holds
// the expected byte count at `offset`.
struct ExternalDataLocation {
  std::filesystem::path file;
  uint64_t offset = 0;
};

// Resolves and checks the tensor's external data without reading it, so a bogus size is rejected
// before anything is allocated. The location is relative to base_dir and must stay inside it:
// absolute paths, ".." components and symlinks that lead out of the folder are rejected, as are a
// missing file and an offset/length past its end. `what` names the tensor ("initializer 'w'"). An
// empty base_dir forbids external data. Throws castnet::Error with the reason only (the caller
// adds the model file).
ExternalDataLocation locate_external_data(const onnx::TensorProto& proto, const std::string& base_dir,
                                          const std::string& what, uint64_t expected_bytes);

// Copies `bytes` bytes from a checked location into dst.
void read_external_data(const ExternalDataLocation& where, const std::string& what, void* dst,
                        uint64_t bytes);

}  // namespace castnet::onnx_io
