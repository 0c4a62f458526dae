// Models that declare a default-domain opset below 11: their nodes rewritten to the opset-11 form
// of the same computation, so that everything after import only ever sees opsets 11-17.
#pragma once
#include "ir/graph.h"

#include <cstdint>

namespace castnet::onnx_import {

// The opset an upgraded graph declares: the oldest one castnet implements.
constexpr int64_t kLegacyUpgradeTarget = 11;

// Rewrites every default-domain node of `graph` (read from a model declaring opset graph.opset,
// 1-10; verified and sorted) into its opset-11 form and sets graph.opset to 11. Attributes that
// became inputs become constant initializers; a legacy-broadcast operand gets the trailing
// dimensions numpy broadcasting needs. The graph comes back verified and sorted. Throws
// castnet::Error naming the node for a legacy form castnet cannot express ("opset 6: operator
// BatchNormalization at node bn uses pre-opset-7 semantics that castnet does not support (...)")
// and for an operator the declared opset does not define yet.
void upgrade_legacy_opset(ir::Graph& graph);

}  // namespace castnet::onnx_import
