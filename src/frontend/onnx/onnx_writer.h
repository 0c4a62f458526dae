// ONNX export: the graph IR back to a ModelProto (used by `castnet zoo export`).
#pragma once
#include "ir/graph.h"

#include <string>

namespace castnet::onnx_export {

// Serialises the graph (initializers as raw_data). Throws castnet::Error if the file cannot be
// written.
std::string to_onnx_bytes(const ir::Graph& graph);
void save_onnx_file(const ir::Graph& graph, const std::string& path);

}  // namespace castnet::onnx_export
