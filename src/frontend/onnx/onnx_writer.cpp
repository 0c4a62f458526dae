#include "frontend/onnx/onnx_writer.h"
#include <castnet/error.h>
namespace castnet::onnx_export {  // STUB: to be written
std::string to_onnx_bytes(const ir::Graph&) { throw Error("ONNX export not implemented"); }
void save_onnx_file(const ir::Graph&, const std::string& path) { throw Error("ONNX export not implemented", path); }
}  // namespace castnet::onnx_export
