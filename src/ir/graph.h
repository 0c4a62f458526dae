// The graph IR: values (tensors with dtype, shape, layout, maybe a constant) and nodes (op type,
// attributes, input and output value ids). Plain data: no kernels, no threads.
#pragma once
#include <castnet/tensor.h>

#include "ir/attributes.h"

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace castnet::ir {

using ValueId = int32_t;
constexpr ValueId kNoValue = -1;  // an omitted optional input

struct Value {
  std::string name;
  DType dtype = DType::f32;
  bool has_shape = false;               // rank and dims known (dims may still be -1)
  Shape shape;                          // -1: unknown or symbolic
  std::vector<std::string> dim_names;   // symbolic dimension names, "" where fixed
  Layout layout;
  std::shared_ptr<const Tensor> constant;  // initializer or folded value
  bool is_initializer = false;             // came from the model's initializer list

  bool is_constant() const { return constant != nullptr; }
  bool shape_is_concrete() const;
};

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;              // "" = the default ONNX domain
  std::vector<ValueId> inputs;     // kNoValue for an omitted optional input
  std::vector<ValueId> outputs;    // kNoValue for an omitted optional output
  Attributes attrs;
  std::vector<std::string> fused;  // names of the original nodes a fused node stands for

  ValueId input(size_t i) const { return i < inputs.size() ? inputs[i] : kNoValue; }
  bool has_input(size_t i) const { return input(i) != kNoValue; }
  // Records that this node now also stands for `part` (and whatever `part` already stood for),
  // so fused steps are named "a+b+c" after every original node.
  void absorb(const Node& part) {
    fused.push_back(part.name);
    fused.insert(fused.end(), part.fused.begin(), part.fused.end());
  }
};

struct Graph {
  std::string name;
  std::string source;          // the file it was loaded from, or "zoo:<name>"; used in errors
  int64_t opset = 17;
  std::vector<Value> values;
  std::vector<Node> nodes;     // in topological order once verify() has run
  std::vector<ValueId> inputs;   // runtime inputs (initializers excluded)
  std::vector<ValueId> outputs;

  // Adds a value; throws castnet::Error if the name is taken (empty names are allowed and
  // get a generated one).
  ValueId add_value(Value v);
  ValueId find_value(const std::string& name) const;  // kNoValue if absent
  Value& value(ValueId id) { return values.at(static_cast<size_t>(id)); }
  const Value& value(ValueId id) const { return values.at(static_cast<size_t>(id)); }
  // A new uniquely named value derived from `base` (for passes that add tensors).
  ValueId add_derived_value(const std::string& base, DType dtype);

  // For each value, the index of the node producing it (-1: graph input or constant).
  std::vector<int> producers() const;
  // For each value, the nodes consuming it (a node consuming a value twice appears twice).
  std::vector<std::vector<int>> consumers() const;

  // Checks structure and sorts nodes topologically. Throws castnet::Error (with source and the
  // node name) for: an input that is never defined, a value produced twice or both produced and
  // an input/initializer, a cycle, an output that is never defined, a node without outputs.
  void verify_and_sort();

  // Removes nodes whose outputs nobody needs (not graph outputs, no consumers), repeatedly.
  // Returns how many were removed.
  int remove_dead_nodes();

  // Drops the nodes flagged in `removed` (one flag per node), keeping the order of the rest.
  void erase_nodes(const std::vector<char>& removed);

  // The end of a fusion pass: drops the nodes merged into others (flagged in `removed`) and
  // sorts again, since a fused node now also reads what its later members read (a residual
  // may come from a node placed after the first member).
  void erase_fused(const std::vector<char>& removed) {
    erase_nodes(removed);
    verify_and_sort();
  }

  // Errors raised while handling this graph carry its source file.
  [[noreturn]] void fail(const std::string& reason, const std::string& node = {}) const;

 private:
  std::unordered_map<std::string, ValueId> index_;
};

}  // namespace castnet::ir
