// 1×1 expand conv (+ folded BN, activation) → depthwise conv (+ BN, activation) → 1×1 project
// conv (+ BN, activation, residual) becomes one castnet.InvertedResidual, MobileNetV2's block,
// executed band by band so that the expanded tensor (t× the block's channels, the network's
// largest activation) is never written to the activation arena.
//
// Runs before fuse_dwsep_block: a chain this pass takes would otherwise lose its last two convs
// to a DwsepConv, and a depthwise → pointwise pair it leaves (no expand conv, as in MobileNetV2's
// first block) is still fused there.
//
//   inputs: X, W_exp, B_exp (or none), W_dw, B_dw (or none), W_proj, B_proj (or none),
//           R (residual, or none)
//   attrs:  the expand conv's attributes prefixed "expand.", the depthwise conv's prefixed "dw."
//           (each incl. its fused activation), the project conv's activation / alpha / beta
//           unprefixed
#include "passes/conv_support.h"
#include "passes/pass_manager.h"

#include <algorithm>

namespace castnet::passes {
namespace {

// A conv whose residual input, if any, is not allowed here (only the project conv takes one).
bool is_plain_conv(const ir::Graph& g, const ir::Node& n) {
  return is_conv(n) && conv_has_nchwc_kernel(g, n) && !n.has_input(3);
}

bool is_depthwise(const ir::Graph& g, const ir::Node& n) {
  return is_plain_conv(g, n) && n.attrs.get_int("group", 1) > 1;  // conv_has_nchwc_kernel: > 1 means depthwise
}

}  // namespace

int fuse_inverted_residual(ir::Graph& g, const CompileOptions& options) {
  int fused = 0;
  auto consumers = g.consumers();
  std::vector<char> is_output(g.values.size(), 0);
  for (ir::ValueId o : g.outputs) is_output[static_cast<size_t>(o)] = 1;
  std::vector<char> removed(g.nodes.size(), 0);
  // The single reader of a node's output, if that output is read by exactly one node, as its
  // data input only, and is no graph output (otherwise the intermediate is observable and must be
  // materialised; e.g. a project conv that also adds the depthwise output as its residual).
  auto sole_reader = [&](const ir::Node& n) -> int64_t {
    ir::ValueId v = n.outputs[0];
    const auto& readers = consumers[static_cast<size_t>(v)];
    if (readers.size() != 1 || is_output[static_cast<size_t>(v)]) return -1;
    const size_t r = static_cast<size_t>(readers[0]);
    const ir::Node& reader = g.nodes[r];
    if (removed[r] || options.frozen(reader.name) || reader.inputs[0] != v) return -1;
    return std::count(reader.inputs.begin(), reader.inputs.end(), v) == 1 ? static_cast<int64_t>(r) : -1;
  };

  for (size_t ei = 0; ei < g.nodes.size(); ++ei) {
    const ir::Node& ex = g.nodes[ei];
    if (removed[ei] || options.frozen(ex.name) || !is_pointwise(g, ex) || ex.has_input(3)) continue;
    const int64_t di = sole_reader(ex);
    if (di < 0 || !is_depthwise(g, g.nodes[static_cast<size_t>(di)])) continue;
    const ir::Node& dw = g.nodes[static_cast<size_t>(di)];
    const int64_t pi = sole_reader(dw);
    if (pi < 0 || !is_pointwise(g, g.nodes[static_cast<size_t>(pi)])) continue;
    const ir::Node& pj = g.nodes[static_cast<size_t>(pi)];

    ir::Node n;
    n.name = ex.name;
    n.op_type = "InvertedResidual";
    n.domain = "castnet";
    n.inputs = {ex.inputs[0], ex.inputs[1], ex.input(2), dw.inputs[1], dw.input(2), pj.inputs[1], pj.input(2), pj.input(3)};
    n.outputs = pj.outputs;
    for (const auto& [key, attr] : ex.attrs.all()) n.attrs.set("expand." + key, attr);
    for (const auto& [key, attr] : dw.attrs.all()) n.attrs.set("dw." + key, attr);
    copy_activation_attrs(pj, n);
    n.fused = ex.fused;
    n.absorb(dw);
    n.absorb(pj);
    removed[static_cast<size_t>(di)] = removed[static_cast<size_t>(pi)] = 1;
    g.nodes[ei] = std::move(n);
    ++fused;
  }
  if (fused) g.erase_fused(removed);
  return fused;
}

}  // namespace castnet::passes
