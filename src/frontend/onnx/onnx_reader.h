// ONNX import: ModelProto (through Debian's libonnx / libprotobuf) to the graph IR.
#pragma once
#include "ir/graph.h"

#include <memory>
#include <string>

namespace castnet::onnx_import {

// Reads, validates and converts a model file. External data is resolved relative to the file's
// folder and may not escape it. The graph comes back verified and topologically sorted; shapes
// are as declared (symbolic dims are -1 with their names kept). Throws castnet::Error naming the
// file (and node) for every malformed input. A model declaring a default-domain opset of 1-10
// comes back upgraded to opset 11 (legacy_opset_upgrade.h), or is rejected if it uses a legacy
// form castnet has no equivalent for.
std::shared_ptr<ir::Graph> load_onnx_file(const std::string& path);

// The same from bytes in memory; `source` names it in errors, `base_dir` anchors external data
// ("" forbids external data).
std::shared_ptr<ir::Graph> load_onnx_bytes(const std::string& bytes, const std::string& source,
                                           const std::string& base_dir);

}  // namespace castnet::onnx_import
