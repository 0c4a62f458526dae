// Depthwise conv (+ its folded BN and activation) → 1×1 pointwise conv (+ BN, activation,
// residual) becomes one castnet.DwsepConv, executed band by band: each band of depthwise output
// rows is produced into a per-thread buffer that stays in cache and is consumed at once by the
// pointwise GEMM. The intermediate tensor is never written to the activation arena.
//
//   inputs: X, W_dw, B_dw (or none), W_pw, B_pw (or none), R (residual, or none)
//   attrs:  the depthwise conv's attributes prefixed "dw." (incl. its fused activation),
//           the pointwise conv's activation / alpha / beta unprefixed
#include "passes/conv_support.h"
#include "passes/pass_manager.h"

namespace castnet::passes {
namespace {

bool is_depthwise(const ir::Graph& g, const ir::Node& n) {
  if (!is_conv(n) || !conv_has_nchwc_kernel(g, n) || n.has_input(3)) return false;
  return n.attrs.get_int("group", 1) > 1;  // conv_has_nchwc_kernel: group > 1 means depthwise
}

}  // namespace

int fuse_dwsep_block(ir::Graph& g, const CompileOptions& options) {
  int fused = 0;
  auto consumers = g.consumers();
  std::vector<char> is_output(g.values.size(), 0);
  for (ir::ValueId o : g.outputs) is_output[static_cast<size_t>(o)] = 1;
  std::vector<char> removed(g.nodes.size(), 0);

  for (size_t di = 0; di < g.nodes.size(); ++di) {
    const ir::Node& dw = g.nodes[di];
    if (removed[di] || !is_depthwise(g, dw) || options.frozen(dw.name)) continue;
    ir::ValueId mid = dw.outputs[0];
    const auto& readers = consumers[static_cast<size_t>(mid)];
    if (readers.size() != 1 || is_output[static_cast<size_t>(mid)]) continue;
    size_t pi = static_cast<size_t>(readers[0]);
    const ir::Node& pw = g.nodes[pi];
    if (removed[pi] || !is_pointwise(g, pw) || options.frozen(pw.name) || pw.inputs[0] != mid) continue;

    ir::Node n;
    n.name = dw.name;
    n.op_type = "DwsepConv";
    n.domain = "castnet";
    n.inputs = {dw.inputs[0], dw.inputs[1], dw.input(2), pw.inputs[1], pw.input(2), pw.input(3)};
    n.outputs = pw.outputs;
    for (const auto& [key, attr] : dw.attrs.all()) n.attrs.set("dw." + key, attr);
    copy_activation_attrs(pw, n);
    n.fused = dw.fused;
    n.absorb(pw);
    g.nodes[di] = std::move(n);
    removed[pi] = 1;
    ++fused;
  }
  if (fused) g.erase_fused(removed);
  return fused;
}

}  // namespace castnet::passes
