// Gemm → activation becomes one castnet.FusedGemm whose kernel applies the activation to each
// output tile while it is still in registers (the sibling of fuse_conv_postops for the
// classifier head and fully-connected layers).
//
//   inputs:  the Gemm's (A, B, C?)
//   attrs:   the Gemm's (alpha, beta, transA, transB), plus activation ("relu", "clip",
//            "leaky_relu", "hard_sigmoid", "hard_swish", "sigmoid") with its parameters in
//            activation_alpha / activation_beta
//
// The Gemm's output is absorbed only when the activation is its only reader and it is not a
// graph output, so no tensor anyone can observe disappears. Only Gemms the fast kernel takes are
// rewritten (f32, 2-d A and B, concrete shapes): castnet.FusedGemm has no reference twin.
#include "passes/fuse_gemm_activation.h"

#include "passes/activation_attrs.h"

namespace castnet::passes {
namespace {

bool is_f32_with_concrete_shape(const ir::Value& v) {
  return v.dtype == DType::f32 && v.has_shape && v.shape_is_concrete();
}

bool gemm_has_fast_kernel(const ir::Graph& g, const ir::Node& gemm) {
  if (!gemm.has_input(0) || !gemm.has_input(1) || gemm.inputs.size() > 3 || gemm.outputs.size() != 1) return false;
  for (size_t i = 0; i < gemm.inputs.size(); ++i) {
    if (!gemm.has_input(i)) continue;
    const ir::Value& v = g.value(gemm.inputs[i]);
    if (!is_f32_with_concrete_shape(v) || v.shape.size() > 2) return false;
    if (i < 2 && v.shape.size() != 2) return false;
  }
  return gemm.outputs[0] != ir::kNoValue && is_f32_with_concrete_shape(g.value(gemm.outputs[0]));
}


}  // namespace

int fuse_gemm_activation(ir::Graph& g, const CompileOptions& options) {
  if (!options.enabled("gemm_activation")) return 0;
  const auto consumers = g.consumers();
  std::vector<char> is_output(g.values.size(), 0);
  for (ir::ValueId o : g.outputs) is_output[static_cast<size_t>(o)] = 1;
  std::vector<char> removed(g.nodes.size(), 0);
  int fused = 0;

  for (size_t gi = 0; gi < g.nodes.size(); ++gi) {
    ir::Node& gemm = g.nodes[gi];
    if (removed[gi] || gemm.op_type != "Gemm" || !gemm.domain.empty() || options.frozen(gemm.name)) continue;
    if (!gemm_has_fast_kernel(g, gemm)) continue;
    const ir::ValueId y = gemm.outputs[0];
    const auto& readers = consumers[static_cast<size_t>(y)];
    if (readers.size() != 1 || is_output[static_cast<size_t>(y)]) continue;
    const size_t ai = static_cast<size_t>(readers[0]);
    ir::Node& act = g.nodes[ai];
    if (removed[ai] || options.frozen(act.name) || act.inputs.empty() || act.inputs[0] != y) continue;
    ir::Attributes attrs = gemm.attrs;
    if (!activation_attrs(g, act, attrs, "activation_alpha", "activation_beta")) continue;

    ir::Node fusedn = gemm;
    fusedn.op_type = "FusedGemm";
    fusedn.domain = "castnet";
    fusedn.attrs = std::move(attrs);
    fusedn.outputs = {act.outputs[0]};
    fusedn.absorb(act);
    g.nodes[gi] = std::move(fusedn);
    removed[ai] = 1;
    ++fused;
  }
  if (fused) g.erase_fused(removed);
  return fused;
}

}  // namespace castnet::passes
