#include "frontend/onnx/tensor_file.h"
#include <castnet/error.h>
namespace castnet::io {  // STUB: to be written
Tensor read_tensor_pb(const std::string& path, std::string*) { throw Error("not implemented", path); }
void write_tensor_pb(const std::string& path, const Tensor&, const std::string&) { throw Error("not implemented", path); }
Tensor read_npy(const std::string& path) { throw Error("not implemented", path); }
void write_npy(const std::string& path, const Tensor&) { throw Error("not implemented", path); }
Tensor read_tensor_file(const std::string& path) { throw Error("not implemented", path); }
}  // namespace castnet::io
