#include "frontend/onnx/tensor_file.h"

#include <castnet/error.h>
#include <onnx/onnx_pb.h>

#include "frontend/onnx/file_bytes.h"
#include "frontend/onnx/tensor_proto_convert.h"

#include <charconv>
#include <cstring>
#include <filesystem>
#include <limits>

namespace castnet::io {
namespace {

// ---- NumPy .npy ------------------------------------------------------------------------------
// Layout: "\x93NUMPY", major, minor, header length (uint16 in v1, uint32 in v2/v3, little-endian),
// then a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } padded
// with spaces and a newline, then the raw C-order elements.

constexpr char kNpyMagic[] = "\x93NUMPY";
constexpr size_t kNpyMagicLen = 6;
// .npy files hold test tensors, not models: 4 GiB is far beyond any castnet needs.
constexpr size_t kMaxNpyBytes = size_t{4} << 30;

struct NpyDescr {
  const char* text;  // without the byte-order character
  DType dtype;
};
constexpr NpyDescr kNpyTypes[] = {
    {"f4", DType::f32}, {"f2", DType::f16}, {"i8", DType::i64}, {"i4", DType::i32},
    {"u1", DType::u8},  {"i1", DType::i8},  {"b1", DType::boolean},
};

// A cursor over the header dict that never reads past its end.
class HeaderParser {
 public:
  HeaderParser(const std::string& text, const std::string& path) : s_(text), path_(path) {}

  // Places the cursor on the value of `'key':`.
  void seek_key(const std::string& key) {
    size_t at = s_.find("'" + key + "'");
    if (at == std::string::npos) fail("has no '" + key + "' entry");
    pos_ = at + key.size() + 2;
    skip_spaces();
    if (!consume(':')) fail("is malformed near '" + key + "'");
    skip_spaces();
  }
  std::string quoted_string() {
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"')) fail("has a malformed 'descr'");
    char quote = s_[pos_++];
    size_t end = s_.find(quote, pos_);
    if (end == std::string::npos) fail("has an unterminated string");
    std::string out = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    if (s_.compare(pos_, 4, "True") == 0) { pos_ += 4; return true; }
    if (s_.compare(pos_, 5, "False") == 0) { pos_ += 5; return false; }
    fail("has a malformed 'fortran_order'");
  }
  Shape shape_tuple() {
    if (!consume('(')) fail("has a malformed 'shape'");
    Shape shape;
    for (;;) {
      skip_spaces();
      if (consume(')')) return shape;
      int64_t d = 0;
      const char* begin = s_.data() + pos_;
      const char* end = s_.data() + s_.size();
      auto [ptr, ec] = std::from_chars(begin, end, d);
      if (ec != std::errc() || d < 0) fail("has an invalid dimension in 'shape'");
      pos_ += static_cast<size_t>(ptr - begin);
      // Python 2 era writers appended 'L' to long integers.
      if (pos_ < s_.size() && s_[pos_] == 'L') ++pos_;
      shape.push_back(d);
      skip_spaces();
      if (consume(',')) continue;
      if (consume(')')) return shape;
      fail("has a malformed 'shape'");
    }
  }

 private:
  void skip_spaces() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }
  bool consume(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) { ++pos_; return true; }
    return false;
  }
  [[noreturn]] void fail(const std::string& what) const { throw Error("the .npy header " + what, path_); }

  const std::string& s_;
  const std::string& path_;
  size_t pos_ = 0;
};

uint32_t read_le(const std::string& bytes, size_t at, size_t width) {
  uint32_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + i])) << (8 * i);
  return v;
}

// NumPy's spelling of a shape tuple: "()", "(3,)", "(2, 3)".
std::string npy_shape_text(const Shape& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

Tensor read_tensor_pb(const std::string& path, std::string* name) {
  std::string bytes = onnx_io::read_file_bytes(path, onnx_io::kMaxProtobufBytes);
  if (bytes.empty()) throw Error("not a valid TensorProto file: the file is empty", path);
  onnx::TensorProto proto;
  if (!proto.ParseFromString(bytes)) throw Error("not a valid TensorProto file: the protobuf cannot be parsed", path);
  try {
    Tensor t = onnx_io::tensor_from_proto(proto, "tensor '" + proto.name() + "'", onnx_io::folder_of(path));
    if (name) *name = proto.name();
    return t;
  } catch (const Error& e) {
    throw e.with_file(path);
  }
}

void write_tensor_pb(const std::string& path, const Tensor& t, const std::string& name) {
  onnx::TensorProto proto;
  try {
    onnx_io::tensor_to_proto(t, name, &proto);
  } catch (const Error& e) {
    throw e.with_file(path);
  }
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) throw Error("cannot serialise the tensor", path);
  onnx_io::write_file_bytes(path, bytes);
}

Tensor read_npy(const std::string& path) {
  std::string bytes = onnx_io::read_file_bytes(path, kMaxNpyBytes);
  if (bytes.size() < kNpyMagicLen + 2 || bytes.compare(0, kNpyMagicLen, kNpyMagic, kNpyMagicLen) != 0)
    throw Error("not a .npy file (bad magic)", path);
  const int major = static_cast<uint8_t>(bytes[kNpyMagicLen]);
  const size_t len_width = major == 1 ? 2 : (major == 2 || major == 3) ? 4 : 0;
  if (len_width == 0) throw Error(".npy format version " + std::to_string(major) + " is not supported", path);
  const size_t len_at = kNpyMagicLen + 2;
  if (bytes.size() < len_at + len_width) throw Error("the .npy file is truncated in its header", path);
  const size_t header_len = read_le(bytes, len_at, len_width);
  const size_t data_at = len_at + len_width + header_len;
  if (header_len > bytes.size() || data_at > bytes.size())
    throw Error("the .npy file is truncated in its header", path);
  const std::string header = bytes.substr(len_at + len_width, header_len);

  HeaderParser parser(header, path);
  parser.seek_key("descr");
  const std::string descr = parser.quoted_string();
  parser.seek_key("fortran_order");
  if (parser.boolean()) throw Error("Fortran-order .npy arrays are not supported (C order only)", path);
  parser.seek_key("shape");
  const Shape shape = parser.shape_tuple();

  if (descr.size() != 3) throw Error("unsupported .npy dtype '" + descr + "'", path);
  const char order = descr[0];
  const NpyDescr* type = nullptr;
  for (const NpyDescr& t : kNpyTypes)
    if (descr.compare(1, 2, t.text) == 0) type = &t;
  if (!type) throw Error("unsupported .npy dtype '" + descr + "'", path);
  const bool single_byte = dtype_size(type->dtype) == 1;
  if (order == '>' && !single_byte) throw Error("big-endian .npy data ('" + descr + "') is not supported", path);
  if (order != '<' && order != '|' && order != '=' && order != '>')
    throw Error("unsupported .npy dtype '" + descr + "'", path);

  int64_t numel = 0;
  try {
    numel = shape_numel(shape);
  } catch (const Error& e) {
    throw e.with_file(path);
  }
  const size_t have = bytes.size() - data_at;
  const uint64_t elem = dtype_size(type->dtype);
  if (static_cast<uint64_t>(numel) > std::numeric_limits<uint64_t>::max() / elem ||
      static_cast<uint64_t>(numel) * elem != have)
    throw Error(".npy data has " + std::to_string(have) + " bytes, expected " + std::to_string(numel) + " x " +
                    std::to_string(elem) + " for shape " + npy_shape_text(shape),
                path);
  Tensor t(type->dtype, shape);
  if (have) std::memcpy(t.data(), bytes.data() + data_at, have);
  return t;
}

void write_npy(const std::string& path, const Tensor& t) {
  const char* descr = nullptr;
  switch (t.dtype()) {
    case DType::f32: descr = "<f4"; break;
    case DType::f16: descr = "<f2"; break;
    case DType::i64: descr = "<i8"; break;
    case DType::i32: descr = "<i4"; break;
    case DType::u8: descr = "|u1"; break;
    case DType::i8: descr = "|i1"; break;
    case DType::boolean: descr = "|b1"; break;
    case DType::bf16: throw Error("bf16 tensors have no .npy representation", path);
  }
  if (t.layout().kind != Layout::Kind::plain) throw Error("only plain-layout tensors can be written to .npy", path);
  std::string dict = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " +
                     npy_shape_text(t.shape()) + ", }";
  // The header (magic through newline) is padded with spaces to a multiple of 64 bytes.
  size_t prefix = kNpyMagicLen + 2 + 2;
  bool v2 = false;
  size_t total = prefix + dict.size() + 1;
  total = (total + 63) / 64 * 64;
  if (total - prefix > 0xFFFF) {
    v2 = true;
    prefix += 2;
    total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  }
  const size_t header_len = total - prefix;
  std::string out(kNpyMagic, kNpyMagicLen);
  out += static_cast<char>(v2 ? 2 : 1);
  out += '\0';
  for (size_t i = 0; i < (v2 ? 4u : 2u); ++i) out += static_cast<char>((header_len >> (8 * i)) & 0xFF);
  out += dict;
  out.append(total - out.size() - 1, ' ');
  out += '\n';
  if (!t.empty() && t.nbytes() > 0) out.append(static_cast<const char*>(t.data()), t.nbytes());
  onnx_io::write_file_bytes(path, out);
}

Tensor read_tensor_file(const std::string& path) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".pb") return read_tensor_pb(path);
  if (ext == ".npy") return read_npy(path);
  throw Error("unknown tensor file type '" + ext + "' (expected .pb or .npy)", path);
}

}  // namespace castnet::io
