#include "frontend/onnx/external_data.h"

#include <castnet/error.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <system_error>

namespace castnet::onnx_io {
namespace {

namespace fs = std::filesystem;

// A non-negative decimal integer, nothing else (no sign, no spaces, no overflow).
bool parse_size(const std::string& text, uint64_t* out) {
  if (text.empty()) return false;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

// Whether `path` lies strictly inside `folder`, both canonical: compared component by component
// so that "/models/a" is not taken to contain "/models/ab".
bool is_inside(const fs::path& folder, const fs::path& path) {
  auto [f, p] = std::mismatch(folder.begin(), folder.end(), path.begin(), path.end());
  return f == folder.end() && p != path.end();
}

}  // namespace

ExternalDataLocation locate_external_data(const onnx::TensorProto& proto, const std::string& base_dir,
                                          const std::string& what, uint64_t expected_bytes) {
  std::string location;
  bool has_location = false, has_length = false;
  uint64_t offset = 0, length = 0;
  for (const auto& entry : proto.external_data()) {
    const std::string& key = entry.key();
    if (key == "location") {
      location = entry.value();
      has_location = true;
    } else if (key == "offset") {
      if (!parse_size(entry.value(), &offset))
        throw Error("external data offset '" + entry.value() + "' of " + what + " is not a valid size");
    } else if (key == "length") {
      if (!parse_size(entry.value(), &length))
        throw Error("external data length '" + entry.value() + "' of " + what + " is not a valid size");
      has_length = true;
    }
    // "checksum" and unknown keys carry nothing castnet needs.
  }
  if (!has_location || location.empty()) throw Error("external data of " + what + " has no location");
  if (base_dir.empty())
    throw Error("external data of " + what + " cannot be resolved: the model was not loaded from a file");
  if (location.find('\0') != std::string::npos)
    throw Error("external data location of " + what + " contains a NUL character");

  const fs::path relative(location);
  if (relative.is_absolute() || relative.has_root_name() || relative.has_root_directory())
    throw Error("external data location '" + location + "' of " + what +
                " is an absolute path; it must be relative to the model's folder");
  for (const fs::path& part : relative)
    if (part == "..")
      throw Error("external data location '" + location + "' of " + what + " escapes the model's folder");

  // Symlinks are resolved before the containment check, so a link inside the folder that points
  // elsewhere is caught too.
  std::error_code ec;
  fs::path folder = fs::absolute(fs::path(base_dir), ec);
  if (!ec) folder = fs::weakly_canonical(folder, ec);
  if (ec) throw Error("cannot resolve the model's folder '" + base_dir + "': " + ec.message());
  fs::path file = fs::weakly_canonical(folder / relative, ec);
  if (ec) throw Error("cannot resolve external data location '" + location + "' of " + what + ": " + ec.message());
  if (!is_inside(folder, file))
    throw Error("external data location '" + location + "' of " + what + " escapes the model's folder");
  fs::file_status status = fs::status(file, ec);
  if (ec || !fs::exists(status))
    throw Error("external data file '" + location + "' of " + what + " does not exist");
  if (!fs::is_regular_file(status))
    throw Error("external data location '" + location + "' of " + what + " is not a regular file");
  const uint64_t file_size = fs::file_size(file, ec);
  if (ec) throw Error("cannot read the size of external data file '" + location + "': " + ec.message());

  if (has_length && length != expected_bytes)
    throw Error("external data of " + what + " has length " + std::to_string(length) + ", expected " +
                std::to_string(expected_bytes) + " bytes");
  if (offset > file_size)
    throw Error("external data offset " + std::to_string(offset) + " of " + what + " is past the end of '" +
                location + "' (" + std::to_string(file_size) + " bytes)");
  if (expected_bytes > file_size - offset)
    throw Error("external data of " + what + " (" + std::to_string(expected_bytes) + " bytes at offset " +
                std::to_string(offset) + ") runs past the end of '" + location + "' (" +
                std::to_string(file_size) + " bytes)");
  return {file, offset};
}

void read_external_data(const ExternalDataLocation& where, const std::string& what, void* dst,
                        uint64_t bytes) {
  if (bytes == 0) return;
  std::ifstream in(where.file, std::ios::binary);
  if (!in) throw Error("cannot open external data file '" + where.file.string() + "' of " + what);
  in.seekg(static_cast<std::streamoff>(where.offset));
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(bytes));
  if (!in || static_cast<uint64_t>(in.gcount()) != bytes)
    throw Error("cannot read external data of " + what + " from '" + where.file.string() + "'");
}

}  // namespace castnet::onnx_io
