// Conv → BatchNormalization (inference) becomes one Conv with scaled weights and a shifted bias:
//   s = gamma / sqrt(var + eps);  W'[o] = W[o]·s[o];  b'[o] = (b[o] − mean[o])·s[o] + beta[o]
// Only when the conv's output has no other reader and every parameter is constant. The fold is
// computed in double so it adds no error beyond the final rounding to f32.
#include "passes/pass_manager.h"

#include <cmath>
#include <memory>

namespace castnet::passes {

int fold_batchnorm(ir::Graph& g, const CompileOptions& options) {
  int folded = 0;
  auto consumers = g.consumers();
  auto producers = g.producers();
  std::vector<char> is_output(g.values.size(), 0);
  for (ir::ValueId o : g.outputs) is_output[static_cast<size_t>(o)] = 1;
  std::vector<char> remove(g.nodes.size(), 0);

  for (size_t bi = 0; bi < g.nodes.size(); ++bi) {
    ir::Node& bn = g.nodes[bi];
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.outputs.size() != 1) continue;
    if (bn.attrs.get_int("training_mode", 0) != 0) continue;
    ir::ValueId x = bn.inputs[0];
    int pi = producers[static_cast<size_t>(x)];
    if (pi < 0) continue;
    ir::Node& conv = g.nodes[static_cast<size_t>(pi)];
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.outputs.size() != 1) continue;
    if (options.frozen(conv.name) || options.frozen(bn.name)) continue;
    if (consumers[static_cast<size_t>(x)].size() != 1 || is_output[static_cast<size_t>(x)]) continue;
    const ir::Value& wv = g.value(conv.inputs[1]);
    if (!wv.constant || wv.dtype != DType::f32) continue;
    if (conv.has_input(2) && !g.value(conv.inputs[2]).constant) continue;
    bool params_constant = true;
    for (size_t i = 1; i < 5; ++i) params_constant = params_constant && bn.has_input(i) && g.value(bn.inputs[i]).constant;
    if (!params_constant) continue;

    const int64_t oc = wv.shape[0];
    const int64_t per_oc = wv.constant->numel() / oc;
    const float* gamma = g.value(bn.inputs[1]).constant->data_as<float>();
    const float* beta = g.value(bn.inputs[2]).constant->data_as<float>();
    const float* mean = g.value(bn.inputs[3]).constant->data_as<float>();
    const float* var = g.value(bn.inputs[4]).constant->data_as<float>();
    const double eps = bn.attrs.get_float("epsilon", 1e-5f);
    const float* old_b = conv.has_input(2) ? g.value(conv.inputs[2]).constant->data_as<float>() : nullptr;

    auto w = std::make_shared<Tensor>(DType::f32, wv.shape);
    auto b = std::make_shared<Tensor>(DType::f32, Shape{oc});
    const float* old_w = wv.constant->data_as<float>();
    for (int64_t o = 0; o < oc; ++o) {
      double s = static_cast<double>(gamma[o]) / std::sqrt(static_cast<double>(var[o]) + eps);
      for (int64_t k = 0; k < per_oc; ++k)
        w->data_as<float>()[o * per_oc + k] = static_cast<float>(old_w[o * per_oc + k] * s);
      double ob = old_b ? old_b[o] : 0.0;
      b->data_as<float>()[o] = static_cast<float>((ob - mean[o]) * s + beta[o]);
    }
    ir::ValueId wn = g.add_derived_value(g.value(conv.inputs[1]).name + "/bn_folded", DType::f32);
    ir::ValueId bnv = g.add_derived_value(conv.name + "/bias_bn_folded", DType::f32);
    for (auto [id, t] : {std::pair{wn, w}, std::pair{bnv, b}}) {
      ir::Value& v = g.value(id);
      v.shape = t->shape();
      v.has_shape = true;
      v.dim_names.assign(v.shape.size(), "");
      v.constant = t;
    }
    ir::Node& c = g.nodes[static_cast<size_t>(pi)];  // re-fetch: add_value may not move nodes, but be explicit
    c.inputs.resize(3);
    c.inputs[1] = wn;
    c.inputs[2] = bnv;
    c.outputs[0] = g.nodes[bi].outputs[0];  // the conv now writes the BN's output
    c.absorb(g.nodes[bi]);
    remove[bi] = 1;
    ++folded;
  }
  if (folded) {
    g.erase_nodes(remove);
    g.remove_dead_nodes();
  }
  return folded;
}

}  // namespace castnet::passes
