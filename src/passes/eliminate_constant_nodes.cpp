#include "passes/pass_manager.h"

#include <algorithm>

namespace castnet::passes {

int eliminate_constant_nodes(ir::Graph& graph, const CompileOptions&) {
  size_t before = graph.nodes.size();
  std::erase_if(graph.nodes, [&](const ir::Node& n) {
    return std::all_of(n.outputs.begin(), n.outputs.end(), [&](ir::ValueId o) {
      return o == ir::kNoValue || graph.value(o).constant != nullptr;
    });
  });
  return static_cast<int>(before - graph.nodes.size());
}

}  // namespace castnet::passes
