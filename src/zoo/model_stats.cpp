#include "zoo/model_stats.h"

#include <castnet/error.h>

#include "ir/conv_params.h"
#include "ir/op_schema.h"

namespace castnet::zoo {
namespace {

bool is_buffer_input(const ir::Node& node, size_t input_index) {
  if (node.op_type == "BatchNormalization") return input_index == 3 || input_index == 4;
  if (node.op_type == "Clip") return input_index == 1 || input_index == 2;
  return false;
}

const Shape& known_shape(const ir::Graph& graph, ir::ValueId id, const ir::Node& node) {
  const ir::Value& v = graph.value(id);
  if (!v.has_shape) graph.fail("shape of '" + v.name + "' is unknown", node.name);
  return v.shape;
}

}  // namespace

ParameterCount count_parameters(const ir::Graph& graph) {
  ParameterCount count;
  std::vector<char> is_buffer(graph.values.size(), 0);
  for (const ir::Node& node : graph.nodes)
    for (size_t i = 0; i < node.inputs.size(); ++i)
      if (node.inputs[i] != ir::kNoValue && is_buffer_input(node, i))
        is_buffer[static_cast<size_t>(node.inputs[i])] = 1;
  for (size_t v = 0; v < graph.values.size(); ++v) {
    const ir::Value& value = graph.values[v];
    if (!value.is_initializer || !value.constant) continue;
    count.initializer_elements += value.constant->numel();
    if (is_buffer[v]) count.buffer_elements += value.constant->numel();
  }
  return count;
}

const char* flop_kind_name(FlopKind kind) {
  switch (kind) {
    case FlopKind::conv1x1: return "conv 1x1";
    case FlopKind::conv3x3: return "conv 3x3";
    case FlopKind::conv7x7: return "conv 7x7";
    case FlopKind::depthwise: return "depthwise";
    case FlopKind::conv_other: return "other conv";
    case FlopKind::gemm: return "gemm/matmul";
    case FlopKind::other: return "other";
  }
  return "?";
}

FlopKind classify_conv(const ConvDesc& d) {
  if (d.is_depthwise()) return FlopKind::depthwise;
  if (d.rank == 2 && d.kh() == d.kw()) {
    if (d.kh() == 1) return FlopKind::conv1x1;
    if (d.kh() == 3) return FlopKind::conv3x3;
    if (d.kh() == 7) return FlopKind::conv7x7;
  }
  return FlopKind::conv_other;
}

int64_t FlopCount::total() const {
  int64_t t = 0;
  for (int64_t f : by_kind) t += f;
  return t;
}

ConvDesc conv_node_desc(const ir::Graph& graph, const ir::Node& node) {
  if (!node.has_input(0) || !node.has_input(1)) graph.fail("Conv needs input and weights", node.name);
  try {
    return ir::conv_desc_from_attrs(node.attrs, known_shape(graph, node.inputs[0], node),
                                    known_shape(graph, node.inputs[1], node));
  } catch (const Error& e) {
    throw e.with_node(node.name).with_file(graph.source);
  }
}

FlopCount count_flops(ir::Graph& graph) {
  FlopCount count;
  auto add = [&](FlopKind k, int64_t f) { count.by_kind[static_cast<size_t>(k)] += f; };
  for (ir::Node& node : graph.nodes) {
    if (node.op_type == "Conv" && node.domain.empty()) {
      ConvDesc d = conv_node_desc(graph, node);
      add(classify_conv(d), d.flops());
    } else if (node.op_type == "Gemm" && node.domain.empty()) {
      const Shape& a = known_shape(graph, node.input(0), node);
      const Shape& b = known_shape(graph, node.input(1), node);
      if (a.size() != 2 || b.size() != 2) graph.fail("Gemm operands must be 2-d", node.name);
      const bool trans_a = node.attrs.get_int("transA", 0) != 0;
      const bool trans_b = node.attrs.get_int("transB", 0) != 0;
      const int64_t m = trans_a ? a[1] : a[0], k = trans_a ? a[0] : a[1];
      const int64_t n = trans_b ? b[0] : b[1];
      add(FlopKind::gemm, 2 * m * n * k);
    } else if (node.op_type == "MatMul" && node.domain.empty()) {
      add(FlopKind::gemm, ir::node_flops(graph, node));
    } else {
      add(FlopKind::other, ir::node_flops(graph, node));
    }
  }
  return count;
}

}  // namespace castnet::zoo
