// ONNX TensorProto <-> castnet::Tensor, and the mapping between their element types. Shared by
// the model reader (initializers, Constant values), the writer and the .pb tensor files.
#pragma once
#include <castnet/tensor.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <string>

namespace castnet::onnx_io {

// The TensorProto::DataType code of a castnet dtype.
int32_t onnx_dtype_of(DType dtype);
// The castnet dtype of a TensorProto::DataType code; false for types castnet does not handle
// (DOUBLE, STRING, COMPLEX64, INT16, ...).
bool dtype_from_onnx(int32_t onnx_type, DType* dtype);
// "FLOAT", "DOUBLE", ...; the number itself for codes ONNX does not define.
std::string onnx_dtype_name(int32_t onnx_type);

// Converts a TensorProto: raw_data, the typed fields (float_data, int32_data, int64_data) or
// external data (resolved under base_dir; "" forbids it). Validates the dims (no negative, no
// overflow) and that the data holds exactly the elements the dims call for, before allocating.
// `what` names the tensor in errors ("initializer 'w'"). Throws castnet::Error with the reason.
Tensor tensor_from_proto(const onnx::TensorProto& proto, const std::string& what,
                         const std::string& base_dir);

// Fills `proto` with the tensor's dims, type and raw_data (little-endian, plain layout).
void tensor_to_proto(const Tensor& tensor, const std::string& name, onnx::TensorProto* proto);

}  // namespace castnet::onnx_io
