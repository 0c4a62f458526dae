// What the IR knows about each operator type: how many inputs/outputs it takes, how to infer its
// output dtypes and shapes (validating attributes on the way), how many FLOPs it costs, and, for
// the cheap shape-computing ops, how to evaluate it on constants at load time.
//
// Built-in schemas are registered by one function per op family (src/ir/schemas/*.cpp), listed
// in op_schema.cpp. Users add their own through register_op_schema (custom operators).
#pragma once
#include "ir/graph.h"

#include <functional>
#include <string>
#include <vector>

namespace castnet::ir {

// The view a schema gets of one node while shapes are inferred.
class InferContext {
 public:
  InferContext(Graph& g, Node& n) : graph_(g), node_(n) {}

  Node& node() { return node_; }
  const Node& node() const { return node_; }
  const Attributes& attrs() const { return node_.attrs; }
  int64_t opset() const { return graph_.opset; }  // default-domain opset of the model
  size_t num_inputs() const { return node_.inputs.size(); }
  size_t num_outputs() const { return node_.outputs.size(); }
  bool has_input(size_t i) const { return node_.has_input(i); }
  const Value& input(size_t i) const;   // throws castnet::Error if absent
  Value& output(size_t i);              // throws castnet::Error if absent
  const Value& output(size_t i) const;
  bool has_output(size_t i) const { return i < node_.outputs.size() && node_.outputs[i] != kNoValue; }
  // The constant value of input i, or null when it is not known at load time.
  const Tensor* constant_input(size_t i) const;
  // Shape of input i, which must be known (throws otherwise).
  const Shape& input_shape(size_t i) const;

  // Sets output i's dtype and shape.
  void set_output(size_t i, DType dtype, Shape shape);
  // Sets output i to a constant (folded at load time).
  void set_output_constant(size_t i, Tensor value);

  // Throws castnet::Error naming the file, the node and its op type.
  [[noreturn]] void fail(const std::string& reason) const;

 private:
  Graph& graph_;
  Node& node_;
};

struct OpSchema {
  std::string op_type;
  std::string domain;                 // "" = default ONNX domain
  int min_inputs = 1, max_inputs = 1;
  int min_outputs = 1, max_outputs = 1;
  // Required. Validates the node and sets every output's dtype and shape.
  std::function<void(InferContext&)> infer;
  // Optional. Called after infer when every input is constant: sets constant outputs. Only for
  // ops whose evaluation is cheap (Shape, Gather on small tensors, Concat of shapes, ...).
  std::function<void(InferContext&)> fold;
  // Optional. Floating-point operations of one execution (multiply-add = 2), shapes known.
  std::function<int64_t(const InferContext&)> flops;
};

// Throws castnet::Error if a schema for (domain, op_type) is already registered.
void register_op_schema(OpSchema schema);
const OpSchema* find_op_schema(const std::string& op_type, const std::string& domain = "");

// Infers dtypes and shapes of every node in order (the graph must be sorted), folding constant
// shape computations on the way. Throws castnet::Error "unsupported operator X at node Y" for an
// unknown op, or the schema's reason for an invalid node.
void infer_shapes(Graph& graph);

// FLOPs of a node whose shapes are inferred (0 if its schema gives none).
int64_t node_flops(Graph& graph, Node& node);

}  // namespace castnet::ir
