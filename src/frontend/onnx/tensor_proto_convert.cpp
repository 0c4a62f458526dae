#include "frontend/onnx/tensor_proto_convert.h"

#include <castnet/error.h>

#include "frontend/onnx/external_data.h"

#include <bit>
#include <cstring>
#include <limits>

namespace castnet::onnx_io {

// raw_data is little-endian by definition; castnet copies it as is.
static_assert(std::endian::native == std::endian::little, "castnet assumes a little-endian host");

namespace {

using onnx::TensorProto;

std::string dims_text(const Shape& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? "," : "") + std::to_string(dims[i]);
  return s + "]";
}

// Element count of validated dims; throws for negative dims or a product past int64.
int64_t checked_numel(const Shape& dims, const std::string& what) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) throw Error("negative dimension " + std::to_string(d) + " in " + what + " dims " + dims_text(dims));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      throw Error("dims " + dims_text(dims) + " of " + what + " overflow int64 (too many elements)");
    n *= d;
  }
  return n;
}

// Fills dst (numel elements of dtype) from the int32_data field, where ONNX stores 8- and 16-bit
// integers, booleans and the bit patterns of float16 / bfloat16.
void convert_int32_field(const TensorProto& proto, DType dtype, void* dst) {
  const auto& src = proto.int32_data();
  const int n = src.size();
  switch (dtype) {
    case DType::i32: std::memcpy(dst, src.data(), static_cast<size_t>(n) * sizeof(int32_t)); break;
    case DType::i8: {
      auto* d = static_cast<int8_t*>(dst);
      for (int i = 0; i < n; ++i) d[i] = static_cast<int8_t>(src[i]);
      break;
    }
    case DType::u8: {
      auto* d = static_cast<uint8_t*>(dst);
      for (int i = 0; i < n; ++i) d[i] = static_cast<uint8_t>(src[i]);
      break;
    }
    case DType::boolean: {
      auto* d = static_cast<uint8_t*>(dst);
      for (int i = 0; i < n; ++i) d[i] = src[i] != 0 ? 1 : 0;
      break;
    }
    case DType::f16:
    case DType::bf16: {
      auto* d = static_cast<uint16_t*>(dst);
      for (int i = 0; i < n; ++i) d[i] = static_cast<uint16_t>(src[i]);
      break;
    }
    default: break;
  }
}

}  // namespace

int32_t onnx_dtype_of(DType dtype) {
  switch (dtype) {
    case DType::f32: return TensorProto::FLOAT;
    case DType::f16: return TensorProto::FLOAT16;
    case DType::bf16: return TensorProto::BFLOAT16;
    case DType::i8: return TensorProto::INT8;
    case DType::u8: return TensorProto::UINT8;
    case DType::i32: return TensorProto::INT32;
    case DType::i64: return TensorProto::INT64;
    case DType::boolean: return TensorProto::BOOL;
  }
  return TensorProto::UNDEFINED;
}

bool dtype_from_onnx(int32_t onnx_type, DType* dtype) {
  switch (onnx_type) {
    case TensorProto::FLOAT: *dtype = DType::f32; return true;
    case TensorProto::FLOAT16: *dtype = DType::f16; return true;
    case TensorProto::BFLOAT16: *dtype = DType::bf16; return true;
    case TensorProto::INT8: *dtype = DType::i8; return true;
    case TensorProto::UINT8: *dtype = DType::u8; return true;
    case TensorProto::INT32: *dtype = DType::i32; return true;
    case TensorProto::INT64: *dtype = DType::i64; return true;
    case TensorProto::BOOL: *dtype = DType::boolean; return true;
    default: return false;
  }
}

std::string onnx_dtype_name(int32_t onnx_type) {
  if (TensorProto::DataType_IsValid(onnx_type))
    return TensorProto::DataType_Name(static_cast<TensorProto::DataType>(onnx_type));
  return std::to_string(onnx_type);
}

Tensor tensor_from_proto(const TensorProto& proto, const std::string& what, const std::string& base_dir) {
  DType dtype;
  if (!dtype_from_onnx(proto.data_type(), &dtype))
    throw Error("unsupported dtype " + onnx_dtype_name(proto.data_type()) + " for " + what);
  if (proto.has_segment()) throw Error(what + " is stored in segments, which castnet does not support");
  Shape dims(proto.dims().begin(), proto.dims().end());
  const int64_t numel = checked_numel(dims, what);
  const uint64_t elem = dtype_size(dtype);
  if (static_cast<uint64_t>(numel) > std::numeric_limits<uint64_t>::max() / 8 / elem)
    throw Error(what + " with dims " + dims_text(dims) + " is too large");
  const uint64_t expected_bytes = static_cast<uint64_t>(numel) * elem;

  if (proto.data_location() == TensorProto::EXTERNAL) {
    ExternalDataLocation where = locate_external_data(proto, base_dir, what, expected_bytes);
    Tensor t(dtype, dims);
    read_external_data(where, what, t.data(), expected_bytes);
    return t;
  }

  if (proto.has_raw_data()) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != expected_bytes)
      throw Error(what + " has " + std::to_string(raw.size()) + " bytes, expected " +
                  std::to_string(expected_bytes) + " (dims " + dims_text(dims) + ", " + dtype_name(dtype) + ")");
    Tensor t(dtype, dims);
    if (!raw.empty()) std::memcpy(t.data(), raw.data(), raw.size());
    return t;
  }

  // Typed fields: which one holds the values depends on the element type.
  int64_t count = 0;
  const char* field = "";
  switch (dtype) {
    case DType::f32: count = proto.float_data_size(); field = "float_data"; break;
    case DType::i64: count = proto.int64_data_size(); field = "int64_data"; break;
    default: count = proto.int32_data_size(); field = "int32_data"; break;
  }
  if (count != numel)
    throw Error(what + " has " + std::to_string(count) + " values in " + field + ", expected " +
                std::to_string(numel) + " (dims " + dims_text(dims) + ")");
  Tensor t(dtype, dims);
  if (numel == 0) return t;
  switch (dtype) {
    case DType::f32: std::memcpy(t.data(), proto.float_data().data(), expected_bytes); break;
    case DType::i64: std::memcpy(t.data(), proto.int64_data().data(), expected_bytes); break;
    default: convert_int32_field(proto, dtype, t.data()); break;
  }
  return t;
}

void tensor_to_proto(const Tensor& tensor, const std::string& name, TensorProto* proto) {
  if (tensor.layout().kind != Layout::Kind::plain)
    throw Error("tensor '" + name + "' is stored in layout " + tensor.layout().to_string() +
                "; only plain tensors can be written to ONNX");
  proto->Clear();
  proto->set_name(name);
  proto->set_data_type(onnx_dtype_of(tensor.dtype()));
  for (int64_t d : tensor.shape()) proto->add_dims(d);
  const size_t bytes = tensor.empty() ? 0 : tensor.nbytes();
  proto->set_raw_data(bytes ? static_cast<const char*>(tensor.data()) : "", bytes);
}

}  // namespace castnet::onnx_io
