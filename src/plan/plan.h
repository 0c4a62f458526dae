// The execution plan: for each node of an optimised, shape-inferred graph, the chosen
// implementation with its prepared kernel, and for each value, where it lives during a run.
// Building it is the only place that knows both the graph and the kernels.
#pragma once
#include "core/context.h"
#include "ir/graph.h"
#include "ops/op_kernel.h"

#include <memory>
#include <string>
#include <vector>

namespace castnet::plan {

struct Step {
  int node_index = -1;
  std::string name;       // node name (fused names joined with '+')
  std::string op_type;
  std::unique_ptr<ops::OpKernel> kernel;
  std::vector<ir::ValueId> inputs, outputs;
  int64_t flops = 0;
};

// Where a value's data is during a run.
struct Slot {
  enum class Kind : uint8_t { unused, constant, input, arena, output };
  Kind kind = Kind::unused;
  size_t offset = 0;  // arena offset (Kind::arena)
  size_t bytes = 0;
  int output_index = -1;  // Kind::output
  int input_index = -1;   // Kind::input
};

struct Plan {
  std::vector<Step> steps;
  std::vector<Slot> slots;       // one per graph value
  size_t arena_bytes = 0;        // activation memory of one run
  size_t workspace_bytes = 0;    // scratch of the largest step
  int64_t total_flops = 0;
};

// Chooses an implementation for every node (ctx.isa == reference forces the reference ones),
// prepares its kernel and places every value. Throws castnet::Error naming the node when no
// implementation applies.
Plan build_plan(const ir::Graph& graph, const Context& ctx);

}  // namespace castnet::plan
