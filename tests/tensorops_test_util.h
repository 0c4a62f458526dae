// Helpers for the element-wise, activation, tensor and shape-folding tests: a small graph builder
// over the IR, a runner that executes one node through its reference OpKernel, and checks.
#pragma once
#include <castnet/error.h>
#include <castnet/tensor.h>

#include "core/context.h"
#include "core/tensor_view.h"
#include "ir/graph.h"
#include "ir/op_schema.h"
#include "ops/op_registry.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace castnet::tensorops_test {

class GraphBuilder {
 public:
  explicit GraphBuilder(int64_t opset = 17) {
    graph.source = "test.onnx";
    graph.opset = opset;
  }

  // A runtime input of known rank (dims may be -1).
  ir::ValueId input(const std::string& name, const Shape& shape, DType dtype = DType::f32) {
    ir::Value v;
    v.name = name;
    v.dtype = dtype;
    v.has_shape = true;
    v.shape = shape;
    v.dim_names.assign(shape.size(), "");
    ir::ValueId id = graph.add_value(std::move(v));
    graph.inputs.push_back(id);
    return id;
  }

  // An initializer.
  ir::ValueId constant(const std::string& name, const Tensor& t) {
    ir::Value v;
    v.name = name;
    v.dtype = t.dtype();
    v.has_shape = true;
    v.shape = t.shape();
    v.dim_names.assign(t.shape().size(), "");
    v.constant = std::make_shared<const Tensor>(t);
    v.is_initializer = true;
    return graph.add_value(std::move(v));
  }

  // Adds a node with `num_outputs` new output values; returns them.
  std::vector<ir::ValueId> node(const std::string& op_type, const std::vector<ir::ValueId>& inputs,
                                const ir::Attributes& attrs = {}, int num_outputs = 1) {
    ir::Node n;
    n.name = op_type + "_" + std::to_string(graph.nodes.size());
    n.op_type = op_type;
    n.inputs = inputs;
    n.attrs = attrs;
    for (int i = 0; i < num_outputs; ++i) {
      ir::Value v;
      v.name = n.name + "_out" + std::to_string(i);
      n.outputs.push_back(graph.add_value(std::move(v)));
    }
    graph.nodes.push_back(n);
    return n.outputs;
  }
  ir::ValueId node1(const std::string& op_type, const std::vector<ir::ValueId>& inputs, const ir::Attributes& attrs = {}) {
    return node(op_type, inputs, attrs)[0];
  }

  // Marks `outputs` as the graph outputs, sorts, infers shapes (throws castnet::Error).
  void infer(const std::vector<ir::ValueId>& outputs) {
    graph.outputs = outputs;
    graph.verify_and_sort();
    ir::infer_shapes(graph);
  }

  const ir::Value& value(ir::ValueId id) const { return graph.value(id); }

  ir::Graph graph;
};

inline ir::Attributes attrs_with(const std::function<void(ir::Attributes&)>& fill) {
  ir::Attributes a;
  fill(a);
  return a;
}

// Executes node `node_index` of an inferred graph through the first applicable reference
// implementation. Inputs come from `feeds` (by value id) or the values' constants; outputs are
// allocated from the inferred dtypes and shapes.
inline std::vector<Tensor> run_reference_node(const ir::Graph& g, size_t node_index,
                                              const std::map<ir::ValueId, Tensor>& feeds = {}) {
  const ir::Node& node = g.nodes.at(node_index);
  Context ctx;
  ctx.isa = Isa::reference;
  ops::NodeDesc desc;
  desc.node = &node;
  desc.ctx = &ctx;
  std::vector<Tensor> inputs;
  std::vector<TensorView> in_views;
  for (ir::ValueId id : node.inputs) {
    desc.inputs.push_back(id == ir::kNoValue ? nullptr : &g.value(id));
    Tensor t;
    if (id != ir::kNoValue) {
      auto it = feeds.find(id);
      if (it != feeds.end()) t = it->second;
      else if (g.value(id).constant) t = *g.value(id).constant;
      else throw Error("test: no data for input '" + g.value(id).name + "'");
    }
    inputs.push_back(t);
    in_views.push_back(id == ir::kNoValue ? TensorView{} : TensorView::of(inputs.back()));
  }
  std::vector<Tensor> outputs;
  std::vector<TensorView> out_views;
  for (ir::ValueId id : node.outputs) {
    desc.outputs.push_back(&g.value(id));
    outputs.emplace_back(g.value(id).dtype, g.value(id).shape);
  }
  for (Tensor& t : outputs) out_views.push_back(TensorView::of(t));
  for (const ops::OpImplementation* impl : ops::implementations_for(node.op_type)) {
    if (!impl->is_reference || (impl->applicable && !impl->applicable(desc))) continue;
    std::unique_ptr<ops::OpKernel> kernel = impl->create(desc);
    EXPECT_EQ(kernel->algorithm(), "reference");
    ops::KernelArgs args;
    args.inputs = in_views.data();
    args.num_inputs = in_views.size();
    args.outputs = out_views.data();
    args.num_outputs = out_views.size();
    args.ctx = &ctx;
    kernel->run(args);
    return outputs;
  }
  throw Error("test: no reference implementation of " + node.op_type);
}

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

template <typename T>
std::vector<T> values_of(const Tensor& t) {
  EXPECT_EQ(t.dtype(), dtype_of<T>());
  return std::vector<T>(t.data_as<T>(), t.data_as<T>() + t.numel());
}

inline Tensor i64s(const Shape& shape, const std::vector<int64_t>& v) { return Tensor::from_vector<int64_t>(shape, v); }
inline Tensor f32s(const Shape& shape, const std::vector<float>& v) { return Tensor::from_vector<float>(shape, v); }
inline Tensor i64_vector(const std::vector<int64_t>& v) { return i64s({static_cast<int64_t>(v.size())}, v); }

// 0, 1, 2, ... as f32 in `shape`.
inline Tensor iota_f32(const Shape& shape) {
  Tensor t(DType::f32, shape);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = static_cast<float>(i);
  return t;
}

}  // namespace castnet::tensorops_test
