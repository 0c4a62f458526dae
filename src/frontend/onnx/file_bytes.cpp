#include "frontend/onnx/file_bytes.h"

#include <castnet/error.h>

#include <filesystem>
#include <fstream>
#include <system_error>

namespace castnet::onnx_io {

std::string read_file_bytes(const std::string& path, size_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) throw Error("file not found", path);
  if (!fs::is_regular_file(st)) throw Error("not a regular file", path);
  uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error("cannot read the file size: " + ec.message(), path);
  if (size > max_bytes)
    throw Error("file is too large (" + std::to_string(size) + " bytes, at most " +
                    std::to_string(max_bytes) + ")",
                path);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot open the file", path);
  std::string bytes(static_cast<size_t>(size), '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (static_cast<uintmax_t>(in.gcount()) != size) throw Error("cannot read the whole file", path);
  return bytes;
}

std::string folder_of(const std::string& path) {
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

void write_file_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw Error("cannot open the file for writing", path);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) throw Error("cannot write the file", path);
}

}  // namespace castnet::onnx_io
