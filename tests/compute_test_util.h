// Helpers for the compute-operator tests (Conv, pooling, BatchNormalization, Gemm, MatMul):
// a one-node graph for shape inference, error-message checks, deterministic small-integer data.
#pragma once
#include <castnet/error.h>
#include <castnet/tensor.h>

#include "ir/graph.h"
#include "ir/op_schema.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace castnet::compute_test {

// A graph holding one node of `op_type`, built input by input, for running shape inference.
struct OneNodeGraph {
  ir::Graph graph;
  ir::Node node;

  explicit OneNodeGraph(const std::string& op_type) {
    graph.source = "test.onnx";
    node.op_type = op_type;
    node.name = "node0";
  }
  OneNodeGraph& input(const Shape& shape, DType dtype = DType::f32) {
    ir::Value v;
    v.name = "in" + std::to_string(node.inputs.size());
    v.dtype = dtype;
    v.has_shape = true;
    v.shape = shape;
    v.dim_names.assign(shape.size(), "");
    node.inputs.push_back(graph.add_value(v));
    return *this;
  }
  OneNodeGraph& omitted_input() {
    node.inputs.push_back(ir::kNoValue);
    return *this;
  }
  ir::Attributes& attrs() { return node.attrs; }
  // Adds `outputs` output values and infers shapes (throws castnet::Error like the loader would).
  void infer(int outputs = 1) {
    for (int i = 0; i < outputs; ++i) {
      ir::Value v;
      v.name = "out" + std::to_string(i);
      node.outputs.push_back(graph.add_value(v));
    }
    graph.nodes = {node};
    ir::infer_shapes(graph);
  }
  const ir::Value& output(size_t i = 0) const { return graph.value(graph.nodes.at(0).outputs.at(i)); }
  int64_t flops() { return ir::node_flops(graph, graph.nodes.at(0)); }
};

// Expects fn to throw castnet::Error whose message contains `needle`.
inline void expect_error(const std::function<void()>& fn, const std::string& needle) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
        << "message '" << e.what() << "' lacks '" << needle << "'";
    return;
  }
  ADD_FAILURE() << "expected castnet::Error containing '" << needle << "'";
}

// Small integers in [-span, span], deterministic in (count, seed): sums of their products are
// exact in float, so results can be compared bit for bit.
inline std::vector<float> small_ints(int64_t count, int seed, int span = 3) {
  std::vector<float> v(static_cast<size_t>(count));
  uint32_t state = 2654435761u * static_cast<uint32_t>(seed + 1);
  for (auto& x : v) {
    state = state * 1664525u + 1013904223u;
    x = static_cast<float>(static_cast<int>((state >> 16) % static_cast<uint32_t>(2 * span + 1)) - span);
  }
  return v;
}

}  // namespace castnet::compute_test
