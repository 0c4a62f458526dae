#include "frontend/onnx/onnx_reader.h"
#include <castnet/error.h>
namespace castnet::onnx_import {  // STUB: to be written
std::shared_ptr<ir::Graph> load_onnx_file(const std::string& path) { throw Error("ONNX import not implemented", path); }
std::shared_ptr<ir::Graph> load_onnx_bytes(const std::string&, const std::string& source, const std::string&) { throw Error("ONNX import not implemented", source); }
}  // namespace castnet::onnx_import
