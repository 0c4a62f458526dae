#include "plan/plan.h"

#include <castnet/error.h>

#include "ir/op_schema.h"
#include "ops/op_registry.h"
#include "plan/memory_plan.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

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

// CASTNET_CONV_ALGO=<implementation name>: forces that convolution algorithm wherever it supports
// the node (null when unset or empty). For tests and measurements.
const char* forced_conv_algorithm() {
  const char* v = std::getenv("CASTNET_CONV_ALGO");
  return v && *v ? v : nullptr;
}

struct Chosen {
  std::unique_ptr<ops::OpKernel> kernel;
  const ops::OpImplementation* implementation = nullptr;
  Selection selection = Selection::rule;
};

// The cost rule's choice is the first implementation of the ordered list whose rule applies.
// When it is a fast one, the candidates are every fast implementation that supports the node:
// CASTNET_CONV_ALGO may name one of them, and the autotuner (if any) times them.
Chosen choose_kernel(const ir::Graph& g, const ops::NodeDesc& desc, const Context& ctx, Autotuner* tuner) {
  const std::vector<const ops::OpImplementation*> impls = ops::implementations_for(desc.op_type());
  auto allowed = [&](const ops::OpImplementation* impl) {
    if (ctx.isa == Isa::reference && !impl->is_reference) return false;
    // Reference kernels index tensors logically: they can only take plain layouts.
    return !impl->is_reference || all_plain(desc);
  };
  auto create = [&](const ops::OpImplementation& impl) {
    try {
      return impl.create(desc);
    } catch (const Error& e) {
      throw Error(desc.op_type() + ": " + e.reason(), g.source, desc.name());
    }
  };
  const ops::OpImplementation* rule = nullptr;
  for (const ops::OpImplementation* impl : impls)
    if (allowed(impl) && impl->preferred(desc)) {
      rule = impl;
      break;
    }
  if (!rule) throw Error("no implementation of " + desc.op_type() + " applies to this node", g.source, desc.name());

  const bool conv = desc.op_type() == "Conv" || desc.op_type() == "FusedConv";
  const char* forced = conv ? forced_conv_algorithm() : nullptr;
  if (rule->is_reference || (!forced && !tuner)) return {create(*rule), rule, Selection::rule};
  std::vector<const ops::OpImplementation*> candidates;
  for (const ops::OpImplementation* impl : impls)
    if (!impl->is_reference && allowed(impl) && impl->can_run(desc)) candidates.push_back(impl);
  if (forced)
    for (const ops::OpImplementation* impl : candidates)
      if (impl->name == forced) return {create(*impl), impl, Selection::forced};
  if (tuner && candidates.size() > 1) {
    Autotuner::Choice c = tuner->choose(desc, candidates, *rule, create);
    return {std::move(c.kernel), c.implementation, c.selection};
  }
  return {create(*rule), rule, Selection::rule};
}

// For each arena value, the value whose buffer it uses (itself, or an input of its producer that
// the producer may overwrite: the producer is that input's last reader, the sizes match, and the
// input is not read through a second operand of the same step).
std::vector<size_t> share_buffers(const Plan& plan, const std::vector<int>& first, const std::vector<int>& last,
                                  const std::vector<size_t>& bytes) {
  const size_t nv = first.size();
  std::vector<size_t> owner(nv);
  for (size_t v = 0; v < nv; ++v) owner[v] = v;
  std::vector<bool> taken(nv, false);  // an owner's buffer already handed to a later value
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const Step& step = plan.steps[s];
    for (size_t oi = 0; oi < step.outputs.size(); ++oi) {
      const ir::ValueId out = step.outputs[oi];
      if (out == ir::kNoValue || bytes[static_cast<size_t>(out)] == 0 || first[static_cast<size_t>(out)] != static_cast<int>(s))
        continue;
      for (size_t ii = 0; ii < step.inputs.size(); ++ii) {
        const ir::ValueId in = step.inputs[ii];
        if (in == ir::kNoValue) continue;
        const size_t u = static_cast<size_t>(in);
        if (bytes[u] != bytes[static_cast<size_t>(out)] || last[u] != static_cast<int>(s) || taken[owner[u]]) continue;
        if (std::count(step.inputs.begin(), step.inputs.end(), in) != 1) continue;
        if (!step.kernel->may_overwrite_input(oi, ii)) continue;
        owner[static_cast<size_t>(out)] = owner[u];
        taken[owner[u]] = true;
        break;
      }
    }
    // A buffer handed on is free to be handed on again by its new holder's last reader.
    for (ir::ValueId out : step.outputs)
      if (out != ir::kNoValue && owner[static_cast<size_t>(out)] != static_cast<size_t>(out))
        taken[owner[static_cast<size_t>(out)]] = false;
  }
  return owner;
}

// The largest sum of two tensors alive at the same step (before any sharing): the memory a step
// that reads one and writes the other needs at the least.
size_t largest_live_pair(size_t steps, const std::vector<int>& first, const std::vector<int>& last,
                         const std::vector<size_t>& bytes) {
  size_t best = 0;
  for (size_t s = 0; s < steps; ++s) {
    size_t a = 0, b = 0;  // the two largest alive at s
    for (size_t v = 0; v < first.size(); ++v) {
      if (bytes[v] == 0 || first[v] > static_cast<int>(s) || std::max(first[v], last[v]) < static_cast<int>(s)) continue;
      if (bytes[v] > a) { b = a; a = bytes[v]; }
      else if (bytes[v] > b) b = bytes[v];
    }
    best = std::max(best, a + b);
  }
  return best;
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

  // The reference ISA has a single candidate per node: nothing to tune.
  std::unique_ptr<Autotuner> tuner =
      ctx.autotune && ctx.isa != Isa::reference ? std::make_unique<Autotuner>(ctx) : nullptr;
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
    Chosen chosen = choose_kernel(graph, desc, ctx, tuner.get());
    step.kernel = std::move(chosen.kernel);
    step.implementation = chosen.implementation->name;
    step.selection = chosen.selection;
    // Flops read the graph only; node_flops takes non-const references for InferContext.
    step.flops = ir::node_flops(const_cast<ir::Graph&>(graph), const_cast<ir::Node&>(node));
    plan.total_flops += step.flops;
    plan.workspace_bytes = std::max(plan.workspace_bytes, step.kernel->workspace_bytes());
    if (ctx.verbose)
      std::fprintf(stderr, "castnet: %-40s %-20s %-28s (%s)\n", step.name.c_str(), node.op_type.c_str(),
                   step.kernel->algorithm().c_str(), selection_name(step.selection));
    plan.steps.push_back(std::move(step));
  }
  if (tuner) {
    tuner->save();
    plan.autotune = tuner->stats();
    if (ctx.verbose)
      std::fprintf(stderr, "castnet: autotune: %d layers timed (%d candidates, %.2f s), %d from the cache %s\n",
                   plan.autotune.nodes_timed, plan.autotune.candidates_timed, plan.autotune.seconds,
                   plan.autotune.cache_hits, tuner->cache_path().empty() ? "(in memory)" : tuner->cache_path().c_str());
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
  std::vector<size_t> bytes(nv, 0);
  for (size_t v = 0; v < nv; ++v) {
    if (first[v] < 0 || plan.slots[v].kind != Slot::Kind::unused) continue;
    const ir::Value& val = graph.values[v];
    bytes[v] = static_cast<size_t>(storage_numel(val.shape, val.layout)) * dtype_size(val.dtype);
  }
  const std::vector<size_t> owner = share_buffers(plan, first, last, bytes);

  // One request per buffer: an owner and the outputs that took its memory over.
  std::vector<BufferRequest> requests;
  std::vector<int> request_of(nv, -1);
  for (size_t v = 0; v < nv; ++v) {
    if (first[v] < 0 || plan.slots[v].kind != Slot::Kind::unused) continue;
    const size_t o = owner[v];
    if (request_of[o] < 0) {
      request_of[o] = static_cast<int>(requests.size());
      requests.push_back({bytes[o], first[o], first[o]});
    }
    BufferRequest& r = requests[static_cast<size_t>(request_of[o])];
    r.last_step = std::max({r.last_step, first[v], last[v]});
    if (o != v) {
      ++plan.inplace_outputs;
      if (ctx.verbose)
        std::fprintf(stderr, "castnet: %s written in place over %s\n", graph.values[v].name.c_str(),
                     graph.values[o].name.c_str());
    }
  }
  MemoryPlan mp = plan_memory(requests);
  for (size_t v = 0; v < nv; ++v) {
    if (first[v] < 0 || plan.slots[v].kind != Slot::Kind::unused) continue;
    const size_t r = static_cast<size_t>(request_of[owner[v]]);
    Slot& s = plan.slots[v];
    s.kind = Slot::Kind::arena;
    s.offset = mp.offsets[r];
    s.bytes = bytes[v];
  }
  plan.largest_live_pair_bytes = largest_live_pair(plan.steps.size(), first, last, bytes);
  plan.arena_bytes = mp.arena_bytes;
  return plan;
}

}  // namespace castnet::plan
