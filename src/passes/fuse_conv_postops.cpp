// Conv → [Add(residual)] → [activation] becomes one castnet.FusedConv whose kernel applies the
// residual add and the activation to each output tile while it is still in registers: the
// intermediate tensors are never written.
//
//   inputs:  X, W, B (or none), R (the other Add operand, same shape as the output; optional)
//   attrs:   the Conv's, plus activation ("relu", "clip", "leaky_relu", "hard_sigmoid",
//            "hard_swish", "sigmoid") with alpha / beta
//
// A value is absorbed only when the conv (or the Add) is its only reader and it is not a graph
// output, so no tensor anyone can observe disappears.
#include "passes/activation_attrs.h"
#include "passes/conv_support.h"
#include "passes/pass_manager.h"

#include <map>

namespace castnet::passes {
namespace {

}  // namespace

int fuse_conv_postops(ir::Graph& g, const CompileOptions& options) {
  int fused = 0;
  auto producers = g.producers();
  auto consumers = g.consumers();
  std::vector<char> is_output(g.values.size(), 0);
  for (ir::ValueId o : g.outputs) is_output[static_cast<size_t>(o)] = 1;
  std::vector<char> removed(g.nodes.size(), 0);
  // The single node reading value v, or -1.
  auto sole_reader = [&](ir::ValueId v) -> int {
    const auto& c = consumers[static_cast<size_t>(v)];
    if (c.size() != 1 || is_output[static_cast<size_t>(v)] || removed[static_cast<size_t>(c[0])]) return -1;
    return c[0];
  };

  for (size_t ci = 0; ci < g.nodes.size(); ++ci) {
    ir::Node& conv = g.nodes[ci];
    if (removed[ci] || conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.size() != 1) continue;
    const ir::Value& y = g.value(conv.outputs[0]);
    if (y.dtype != DType::f32 || !y.has_shape || y.shape.size() != 4) continue;
    if (!conv_has_nchwc_kernel(g, conv)) continue;  // FusedConv exists only as NCHWc kernels
    if (options.frozen(conv.name)) continue;

    ir::Node fusedn = conv;
    fusedn.op_type = "FusedConv";
    fusedn.domain = "castnet";
    fusedn.inputs.resize(3, ir::kNoValue);
    ir::ValueId tail = conv.outputs[0];
    int next = sole_reader(tail);

    // Residual add: Add(conv, other) or Add(other, conv), same shape.
    auto may_take = [&](int i) { return i >= 0 && !options.frozen(g.nodes[static_cast<size_t>(i)].name); };
    if (options.enabled("conv_add") && may_take(next) && g.nodes[static_cast<size_t>(next)].op_type == "Add" &&
        g.nodes[static_cast<size_t>(next)].domain.empty()) {
      ir::Node& add = g.nodes[static_cast<size_t>(next)];
      ir::ValueId other = add.inputs.size() == 2 ? (add.inputs[0] == tail ? add.inputs[1] : add.inputs[0]) : ir::kNoValue;
      if (other != ir::kNoValue && other != tail && g.value(other).has_shape && g.value(other).shape == y.shape &&
          g.value(other).dtype == DType::f32) {
        fusedn.inputs.push_back(other);
        fusedn.absorb(add);
        removed[static_cast<size_t>(next)] = 1;
        tail = add.outputs[0];
        next = sole_reader(tail);
      }
    }
    // Activation.
    if (options.enabled("conv_activation") && may_take(next) &&
        activation_attrs(g, g.nodes[static_cast<size_t>(next)], fusedn.attrs, "alpha", "beta")) {
      ir::Node& act = g.nodes[static_cast<size_t>(next)];
      fusedn.absorb(act);
      removed[static_cast<size_t>(next)] = 1;
      tail = act.outputs[0];
    }
    if (tail == conv.outputs[0]) continue;  // nothing to fuse
    fusedn.outputs = {tail};
    g.nodes[ci] = std::move(fusedn);
    ++fused;
  }
  if (fused) g.erase_fused(removed);
  return fused;
}

}  // namespace castnet::passes
