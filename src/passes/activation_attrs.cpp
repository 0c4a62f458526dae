#include "passes/activation_attrs.h"

namespace castnet::passes {

bool activation_attrs(const ir::Graph& g, const ir::Node& act, ir::Attributes& out, const std::string& alpha_key,
                      const std::string& beta_key) {
  const std::string& op = act.op_type;
  if (!act.domain.empty() || act.outputs.size() != 1) return false;
  if (op == "Relu") { out.set_string("activation", "relu"); return true; }
  if (op == "Sigmoid") { out.set_string("activation", "sigmoid"); return true; }
  if (op == "HardSwish") { out.set_string("activation", "hard_swish"); return true; }
  if (op == "LeakyRelu") {
    out.set_string("activation", "leaky_relu");
    out.set_float(alpha_key, act.attrs.get_float("alpha", 0.01f));
    return true;
  }
  if (op == "HardSigmoid") {
    out.set_string("activation", "hard_sigmoid");
    out.set_float(alpha_key, act.attrs.get_float("alpha", 0.2f));
    out.set_float(beta_key, act.attrs.get_float("beta", 0.5f));
    return true;
  }
  if (op == "Clip") {
    float lo = -3.4e38f, hi = 3.4e38f;
    if (act.attrs.has("min")) lo = act.attrs.get_float("min", lo);
    if (act.attrs.has("max")) hi = act.attrs.get_float("max", hi);
    for (size_t i = 1; i < 3; ++i) {
      if (!act.has_input(i)) continue;
      const ir::Value& v = g.value(act.inputs[i]);
      if (!v.constant || v.dtype != DType::f32 || v.constant->numel() != 1) return false;
      (i == 1 ? lo : hi) = v.constant->data_as<float>()[0];
    }
    out.set_string("activation", "clip");
    out.set_float(alpha_key, lo);
    out.set_float(beta_key, hi);
    return true;
  }
  return false;
}

}  // namespace castnet::passes
