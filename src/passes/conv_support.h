// Which convolutions castnet has NCHWc kernels for (2-d, constant weights and bias, group 1 or
// depthwise). Passes decide from this alone — they never look at kernels — and the kernels in
// src/ops/conv accept exactly these.
#pragma once
#include "ir/graph.h"

namespace castnet::passes {

inline bool conv_has_nchwc_kernel(const ir::Graph& g, const ir::Node& n) {
  if (!n.has_input(0) || !n.has_input(1)) return false;
  const ir::Value& x = g.value(n.inputs[0]);
  const ir::Value& w = g.value(n.inputs[1]);
  if (x.dtype != DType::f32 || !x.has_shape || x.shape.size() != 4) return false;
  if (!w.constant || w.shape.size() != 4) return false;
  if (n.has_input(2) && !g.value(n.inputs[2]).constant) return false;
  int64_t group = n.attrs.get_int("group", 1);
  int64_t c = x.shape[1];
  bool depthwise = group == c && w.shape[0] == c && w.shape[1] == 1 && group > 1;
  return group == 1 || depthwise;
}

}  // namespace castnet::passes
