// A ResNet bottleneck, 1×1 conv → 3×3 conv → 1×1 conv (each with its folded BN and activation,
// the last with the residual add, as fuse_conv_postops left them), becomes one
// castnet.BottleneckConv: executed band by band with both intermediates in per-thread buffers
// (see src/ops/conv/conv_bottleneck_nchwc.cpp).
//
//   inputs: X, W1, B1 (or none), W2, B2 (or none), W3, B3 (or none), R (residual, or none)
//   attrs:  the first conv's activation prefixed "c1.", the 3×3 conv's attributes prefixed "c2."
//           (incl. its activation), the last conv's activation unprefixed
//
// Only stride-1 3×3 convs with padding 1 qualify (the fused kernel computes them as Winograd
// tiles over bands of rows); the stride-2 first block of ResNet stages 2–4 stays three kernels.
// A block whose residual is a downsample conv qualifies: the residual is just an input.
//
// Opt-in ("--fuse-ops +bottleneck"; no fusion level turns it on): on the machine it was built
// for (Zen 5, 1 MiB L2 per core, 32 MiB L3) the fused unit measured slower than three kernels
// at every ResNet-50 stage, at 1 and 2 threads and at 224 and 448 pixel inputs (docs/PERF.md,
// "Bottleneck fusion"): the unfused intermediates already stay in L2/L3, and the fused unit
// re-reads the Winograd filters once per band. When it is on, every eligible block is fused.
#include "passes/conv_support.h"
#include "passes/pass_manager.h"

namespace castnet::passes {
namespace {

bool all_equal(const std::vector<int64_t>& v, int64_t x) {
  for (int64_t e : v) if (e != x) return false;
  return true;
}

// An ungrouped conv with a square `k`×`k` kernel, stride 1, dilation 1 and padding `pad` on every
// side, no residual input of its own (unless `residual_ok`), that has an NCHWc kernel.
bool is_plain_conv(const ir::Graph& g, const ir::Node& n, int64_t k, int64_t pad, bool residual_ok) {
  if (!is_conv(n) || !conv_has_nchwc_kernel(g, n) || n.attrs.get_int("group", 1) != 1) return false;
  if (n.has_input(3) && !residual_ok) return false;
  const ir::Value& w = g.value(n.inputs[1]);
  if (w.shape[2] != k || w.shape[3] != k) return false;
  if (!all_equal(n.attrs.get_ints("strides", {1, 1}), 1) || !all_equal(n.attrs.get_ints("dilations", {1, 1}), 1))
    return false;
  const std::string ap = n.attrs.get_string("auto_pad", "NOTSET");
  if (ap == "NOTSET") return all_equal(n.attrs.get_ints("pads", {0, 0, 0, 0}), pad);
  return pad == 0 ? ap == "VALID" : (ap == "SAME_UPPER" || ap == "SAME_LOWER") && k == 2 * pad + 1;
}


}  // namespace

int fuse_bottleneck(ir::Graph& g, const CompileOptions& options) {
  int fused = 0;
  auto consumers = g.consumers();
  std::vector<char> is_output(g.values.size(), 0);
  for (ir::ValueId o : g.outputs) is_output[static_cast<size_t>(o)] = 1;
  std::vector<char> removed(g.nodes.size(), 0);

  // The single reader of `v`, if v is not a graph output, else npos.
  auto only_reader = [&](ir::ValueId v) -> size_t {
    const auto& readers = consumers[static_cast<size_t>(v)];
    if (readers.size() != 1 || is_output[static_cast<size_t>(v)]) return static_cast<size_t>(-1);
    return static_cast<size_t>(readers[0]);
  };

  for (size_t i1 = 0; i1 < g.nodes.size(); ++i1) {
    const ir::Node& c1 = g.nodes[i1];
    if (removed[i1] || options.frozen(c1.name) || !is_plain_conv(g, c1, 1, 0, false)) continue;
    const size_t i2 = only_reader(c1.outputs[0]);
    if (i2 == static_cast<size_t>(-1) || removed[i2]) continue;
    const ir::Node& c2 = g.nodes[i2];
    if (options.frozen(c2.name) || !is_plain_conv(g, c2, 3, 1, false) || c2.inputs[0] != c1.outputs[0]) continue;
    const size_t i3 = only_reader(c2.outputs[0]);
    if (i3 == static_cast<size_t>(-1) || removed[i3]) continue;
    const ir::Node& c3 = g.nodes[i3];
    if (options.frozen(c3.name) || !is_plain_conv(g, c3, 1, 0, true) || c3.inputs[0] != c2.outputs[0]) continue;

    ir::Node n;
    n.name = c1.name;
    n.op_type = "BottleneckConv";
    n.domain = "castnet";
    n.inputs = {c1.inputs[0], c1.inputs[1], c1.input(2), c2.inputs[1], c2.input(2), c3.inputs[1], c3.input(2), c3.input(3)};
    n.outputs = c3.outputs;
    copy_activation_attrs(c1, n, "c1.");
    copy_activation_attrs(c3, n);
    for (const auto& [key, attr] : c2.attrs.all()) n.attrs.set("c2." + key, attr);
    n.fused = c1.fused;
    n.absorb(c2);
    n.absorb(c3);
    g.nodes[i1] = std::move(n);
    removed[i2] = removed[i3] = 1;
    ++fused;
  }
  if (fused) g.erase_fused(removed);
  return fused;
}

}  // namespace castnet::passes
