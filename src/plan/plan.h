// The execution plan: for each node of an optimised, shape-inferred graph, the chosen
// implementation with its prepared kernel, and for each value, where it lives during a run.
// Building it is the only place that knows both the graph and the kernels.
#pragma once
#include "core/context.h"
#include "ir/graph.h"
#include "ops/op_kernel.h"
#include "plan/autotune.h"

#include <memory>
#include <string>
#include <vector>

namespace castnet::plan {

struct Step {
  int node_index = -1;
  std::string name;       // node name (fused names joined with '+')
  std::string op_type;
  std::unique_ptr<ops::OpKernel> kernel;
  std::string implementation;             // its registry name, e.g. "conv_winograd_f4x3"
  Selection selection = Selection::rule;  // how it was chosen
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
  int inplace_outputs = 0;       // values written over an input's buffer (may_overwrite_input)
  // The largest sum of two tensors alive at one step: the yardstick for arena_bytes.
  size_t largest_live_pair_bytes = 0;
  int64_t total_flops = 0;
  AutotuneStats autotune;        // all zero unless ctx.autotune
};

// Chooses an implementation for every node (ctx.isa == reference forces the reference ones;
// CASTNET_CONV_ALGO=<name> forces a convolution algorithm where it supports the node; ctx.autotune
// times the candidates, see autotune.h), prepares its kernel and places every value. Throws
// castnet::Error naming the node when no implementation applies.
Plan build_plan(const ir::Graph& graph, const Context& ctx);

}  // namespace castnet::plan
