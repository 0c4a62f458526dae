// Small graphs built in code for tests: one node, or a short chain, with random constants.
#pragma once
#include <castnet/castnet.h>

#include "core/conv_desc.h"
#include "ir/graph.h"

#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>

namespace castnet::testing {

inline Tensor random_tensor(Shape shape, std::mt19937& rng, float lo = -1.f, float hi = 1.f) {
  Tensor t(DType::f32, std::move(shape));
  std::uniform_real_distribution<float> dist(lo, hi);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = dist(rng);
  return t;
}

// A graph with one Conv node described by `d` (2-d), weights and bias random.
inline Model single_conv_model(const ConvDesc& d, bool bias, std::mt19937& rng) {
  auto g = std::make_shared<ir::Graph>();
  g->name = "conv";
  g->source = "test:" + d.to_string();
  auto add = [&](const std::string& name, Shape shape, std::shared_ptr<const Tensor> c) {
    ir::Value v;
    v.name = name;
    v.has_shape = !shape.empty();
    v.shape = std::move(shape);
    v.constant = std::move(c);
    v.is_initializer = v.constant != nullptr;
    return g->add_value(std::move(v));
  };
  Shape ws{d.out_channels, d.ic_per_group(), d.kh(), d.kw()};
  float scale = 1.f / std::sqrt(static_cast<float>(d.ic_per_group() * d.kh() * d.kw()));
  ir::ValueId x = add("x", {d.batch, d.in_channels, d.ih(), d.iw()}, nullptr);
  ir::ValueId w = add("w", ws, std::make_shared<Tensor>(random_tensor(ws, rng, -scale, scale)));
  ir::Node n;
  n.name = "conv";
  n.op_type = "Conv";
  n.inputs = {x, w};
  if (bias) n.inputs.push_back(add("b", {d.out_channels}, std::make_shared<Tensor>(random_tensor({d.out_channels}, rng))));
  n.outputs = {add("y", {}, nullptr)};
  n.attrs.set_ints("kernel_shape", {d.kh(), d.kw()});
  n.attrs.set_ints("strides", {d.stride[0], d.stride[1]});
  n.attrs.set_ints("dilations", {d.dilation[0], d.dilation[1]});
  n.attrs.set_ints("pads", {d.pad_begin[0], d.pad_begin[1], d.pad_end[0], d.pad_end[1]});
  n.attrs.set_int("group", d.groups);
  g->nodes.push_back(n);
  g->inputs = {x};
  g->outputs = {n.outputs[0]};
  g->verify_and_sort();
  return Model(g);
}

// Builds small multi-node graphs: values (inputs, constants, intermediates) and nodes whose
// single output is named "<node>_out". Tests derive from it to add their own layer helpers.
struct GraphBuilder {
  std::shared_ptr<ir::Graph> g = std::make_shared<ir::Graph>();
  std::mt19937 rng;
  std::string source;

  GraphBuilder(uint32_t seed, std::string source_name) : rng(seed), source(std::move(source_name)) {}

  ir::ValueId value(const std::string& name, Shape shape = {}, const Tensor* c = nullptr) {
    ir::Value v;
    v.name = name;
    v.has_shape = !shape.empty() || c;
    v.shape = std::move(shape);
    if (c) v.constant = std::make_shared<Tensor>(*c), v.is_initializer = true;
    return g->add_value(std::move(v));
  }
  ir::ValueId node(const std::string& op, std::vector<ir::ValueId> in, const std::string& name) {
    ir::Node n;
    n.name = name;
    n.op_type = op;
    n.inputs = std::move(in);
    n.outputs = {value(name + "_out")};
    g->nodes.push_back(n);
    return n.outputs[0];
  }
  ir::Node& last() { return g->nodes.back(); }
  Model finish(std::vector<ir::ValueId> inputs, std::vector<ir::ValueId> outputs) {
    g->source = source;
    g->inputs = std::move(inputs);
    g->outputs = std::move(outputs);
    g->verify_and_sort();
    return Model(g);
  }
};

// Relative L2 error ||got - want|| / ||want|| in double; NaN anywhere in got gives +inf.
inline double relative_l2(const Tensor& got, const Tensor& want) {
  double num = 0, den = 0;
  const float* a = got.data_as<float>();
  const float* b = want.data_as<float>();
  for (int64_t i = 0; i < want.numel(); ++i) {
    if (std::isnan(a[i])) return INFINITY;
    double d = static_cast<double>(a[i]) - b[i];
    num += d * d;
    den += static_cast<double>(b[i]) * b[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

// Sets CASTNET_POISON for the lifetime of the object: sessions built meanwhile fill activations
// and outputs with NaN before each run, so unwritten elements show.
struct PoisonScope {
  PoisonScope() { setenv("CASTNET_POISON", "1", 1); }
  ~PoisonScope() { unsetenv("CASTNET_POISON"); }
};

}  // namespace castnet::testing
