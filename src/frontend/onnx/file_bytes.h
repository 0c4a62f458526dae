// Whole-file reads and writes shared by the model and tensor readers, with errors that name the
// file.
#pragma once
#include <cstddef>
#include <string>

namespace castnet::onnx_io {

// A protobuf message cannot exceed 2 GiB; larger files are rejected before they are read.
constexpr size_t kMaxProtobufBytes = size_t{2} << 30;

// Reads a regular file. Throws castnet::Error (naming `path`) if it is missing, not a regular
// file, larger than max_bytes, or unreadable.
std::string read_file_bytes(const std::string& path, size_t max_bytes);

// The folder holding `path` ("." for a bare file name): where its external data is looked up.
std::string folder_of(const std::string& path);

// Writes (replaces) a file. Throws castnet::Error naming `path` on failure.
void write_file_bytes(const std::string& path, const std::string& bytes);

}  // namespace castnet::onnx_io
