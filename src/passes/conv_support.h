// Which convolutions castnet has NCHWc kernels for (2-d, constant weights and bias, group 1 or
// depthwise). Passes decide from this alone — they never look at kernels — and the kernels in
// src/ops/conv accept exactly these.
#pragma once
#include "ir/graph.h"

#include <string>

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

// A plain ONNX Conv, or one an earlier pass already gave an epilogue (castnet.FusedConv).
inline bool is_conv(const ir::Node& n) {
  return (n.op_type == "Conv" && n.domain.empty()) || (n.op_type == "FusedConv" && n.domain == "castnet");
}

// An ungrouped 1×1 conv with stride 1, no dilation and no padding: a GEMM over pixels, the
// second (or first) half of every block fusion.
inline bool is_pointwise(const ir::Graph& g, const ir::Node& n) {
  if (!is_conv(n) || !conv_has_nchwc_kernel(g, n) || n.attrs.get_int("group", 1) != 1) return false;
  const ir::Value& w = g.value(n.inputs[1]);
  if (w.shape.size() != 4 || w.shape[2] != 1 || w.shape[3] != 1) return false;
  for (int64_t v : n.attrs.get_ints("strides", {1, 1})) if (v != 1) return false;
  for (int64_t v : n.attrs.get_ints("dilations", {1, 1})) if (v != 1) return false;
  for (int64_t v : n.attrs.get_ints("pads", {0, 0, 0, 0})) if (v != 0) return false;
  const std::string ap = n.attrs.get_string("auto_pad", "NOTSET");
  return ap == "NOTSET" || ap == "VALID";
}

// The epilogue attributes a conv pass put on `from` (activation and its alpha / beta), copied to
// `to` under `prefix` (empty: as they are; "c1.": for a fused op's first stage).
inline void copy_activation_attrs(const ir::Node& from, ir::Node& to, const std::string& prefix = {}) {
  for (const char* key : {"activation", "alpha", "beta"})
    if (const ir::Attribute* a = from.attrs.find(key)) to.attrs.set(prefix + key, *a);
}

}  // namespace castnet::passes
