#include "passes/pass_manager.h"

namespace castnet::passes {

int eliminate_dead_nodes(ir::Graph& graph, const CompileOptions&) { return graph.remove_dead_nodes(); }

}  // namespace castnet::passes
