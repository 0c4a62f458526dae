#include "plan/plan.h"

#include <castnet/error.h>

#include "ir/op_schema.h"
#include "ops/op_registry.h"
#include "plan/memory_plan.h"

#include <algorithm>
#include <cstdio>

namespace castnet::plan {
namespace {

ops::NodeDesc describe(const ir::Graph& g, const ir::Node& node, const Context& ctx) {
  ops::NodeDesc d;
  d.node = &node;
  d.ctx = &ctx;
  d.opset = g.opset;
  for (ir::ValueId v : node.inputs) d.inputs.push_back(v == ir::kNoValue ? nullptr : &g.value(v));
  for (ir::ValueId v : node.outputs) d.outputs.push_back(v == ir::kNoValue ? nullptr : &g.value(v));
  return d;
}

bool all_plain(const ops::NodeDesc& d) {
  for (const ir::Value* v : d.inputs) if (v && v->layout.kind != Layout::Kind::plain) return false;
  for (const ir::Value* v : d.outputs) if (v && v->layout.kind != Layout::Kind::plain) return false;
  return true;
}

std::unique_ptr<ops::OpKernel> choose_kernel(const ir::Graph& g, const ops::NodeDesc& desc,
                                             const Context& ctx) {
  for (const ops::OpImplementation* impl : ops::implementations_for(desc.op_type())) {
    if (ctx.isa == Isa::reference && !impl->is_reference) continue;
    // Reference kernels index tensors logically: they can only take plain layouts.
    if (impl->is_reference && !all_plain(desc)) continue;
    if (impl->applicable && !impl->applicable(desc)) continue;
    try {
      return impl->create(desc);
    } catch (const Error& e) {
      throw Error(desc.op_type() + ": " + e.reason(), g.source, desc.name());
    }
  }
  throw Error("no implementation of " + desc.op_type() + " applies to this node", g.source, desc.name());
}

}  // namespace

Plan build_plan(const ir::Graph& graph, const Context& ctx) {
  Plan plan;
  const size_t nv = graph.values.size();
  plan.slots.assign(nv, Slot{});

  for (size_t v = 0; v < nv; ++v)
    if (graph.values[v].constant) plan.slots[v].kind = Slot::Kind::constant;
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    Slot& s = plan.slots[static_cast<size_t>(graph.inputs[i])];
    s.kind = Slot::Kind::input;
    s.input_index = static_cast<int>(i);
  }

  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    const ir::Node& node = graph.nodes[n];
    for (ir::ValueId o : node.outputs)
      if (o != ir::kNoValue && !graph.value(o).shape_is_concrete())
        throw Error(node.op_type + ": output '" + graph.value(o).name + "' has no concrete shape",
                    graph.source, node.name);
    ops::NodeDesc desc = describe(graph, node, ctx);
    Step step;
    step.node_index = static_cast<int>(n);
    step.op_type = node.op_type;
    step.name = node.name;
    for (size_t f = 0; f < node.fused.size(); ++f) step.name += "+" + node.fused[f];
    step.inputs = node.inputs;
    step.outputs = node.outputs;
    step.kernel = choose_kernel(graph, desc, ctx);
    // Flops read the graph only; node_flops takes non-const references for InferContext.
    step.flops = ir::node_flops(const_cast<ir::Graph&>(graph), const_cast<ir::Node&>(node));
    plan.total_flops += step.flops;
    plan.workspace_bytes = std::max(plan.workspace_bytes, step.kernel->workspace_bytes());
    if (ctx.verbose)
      std::fprintf(stderr, "castnet: %-40s %-20s %s\n", step.name.c_str(), node.op_type.c_str(),
                   step.kernel->algorithm().c_str());
    plan.steps.push_back(std::move(step));
  }

  // Graph outputs that steps produce are written straight into the caller's tensors.
  for (size_t i = 0; i < graph.outputs.size(); ++i) {
    Slot& s = plan.slots[static_cast<size_t>(graph.outputs[i])];
    if (s.kind == Slot::Kind::unused) {
      s.kind = Slot::Kind::output;
      s.output_index = static_cast<int>(i);
    }
  }

  // Everything else a step produces lives in the arena from its producer to its last reader.
  std::vector<int> first(nv, -1), last(nv, -1);
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    for (ir::ValueId o : plan.steps[s].outputs)
      if (o != ir::kNoValue && first[static_cast<size_t>(o)] < 0) first[static_cast<size_t>(o)] = static_cast<int>(s);
    for (ir::ValueId i : plan.steps[s].inputs)
      if (i != ir::kNoValue) last[static_cast<size_t>(i)] = static_cast<int>(s);
  }
  std::vector<BufferRequest> requests;
  std::vector<size_t> request_value;
  for (size_t v = 0; v < nv; ++v) {
    if (first[v] < 0 || plan.slots[v].kind != Slot::Kind::unused) continue;
    const ir::Value& val = graph.values[v];
    BufferRequest r;
    r.bytes = static_cast<size_t>(storage_numel(val.shape, val.layout)) * dtype_size(val.dtype);
    r.first_step = first[v];
    r.last_step = std::max(first[v], last[v]);
    requests.push_back(r);
    request_value.push_back(v);
  }
  MemoryPlan mp = plan_memory(requests);
  for (size_t r = 0; r < requests.size(); ++r) {
    Slot& s = plan.slots[request_value[r]];
    s.kind = Slot::Kind::arena;
    s.offset = mp.offsets[r];
    s.bytes = requests[r].bytes;
  }
  plan.arena_bytes = mp.arena_bytes;
  return plan;
}

}  // namespace castnet::plan
