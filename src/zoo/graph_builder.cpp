#include "zoo/graph_builder.h"

#include <castnet/error.h>

#include "core/conv_desc.h"
#include "zoo/deterministic_rng.h"

#include <cmath>
#include <utility>

namespace castnet::zoo {

GraphBuilder::GraphBuilder(std::string model_name, uint64_t seed)
    : graph_(std::make_shared<ir::Graph>()), seed_(seed) {
  graph_->name = model_name;
  graph_->source = "zoo:" + model_name;
  graph_->opset = 17;
}

ir::ValueId GraphBuilder::input(const std::string& name, Shape shape) {
  ir::ValueId id = add_activation(name, std::move(shape), {});
  graph_->inputs.push_back(id);
  return id;
}

ir::ValueId GraphBuilder::add_activation(const std::string& name, Shape shape,
                                         const std::string& output_name) {
  ir::Value v;
  v.name = output_name.empty() ? name : output_name;
  v.dtype = DType::f32;
  v.has_shape = true;
  v.dim_names.assign(shape.size(), "");
  v.shape = std::move(shape);
  return graph_->add_value(std::move(v));
}

ir::ValueId GraphBuilder::add_initializer(const std::string& name, Tensor value) {
  ir::Value v;
  v.name = name;
  v.dtype = value.dtype();
  v.has_shape = true;
  v.shape = value.shape();
  v.dim_names.assign(v.shape.size(), "");
  v.constant = std::make_shared<const Tensor>(std::move(value));
  v.is_initializer = true;
  return graph_->add_value(std::move(v));
}

ir::ValueId GraphBuilder::add_uniform(const std::string& name, Shape shape, float lo, float hi) {
  Tensor t(DType::f32, std::move(shape));
  SplitMix64 rng(tensor_seed(seed_, name));
  float* p = t.data_as<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = rng.uniform(lo, hi);
  return add_initializer(name, std::move(t));
}

ir::Node& GraphBuilder::add_node(const std::string& name, const std::string& op_type,
                                 std::vector<ir::ValueId> inputs, ir::ValueId output) {
  ir::Node n;
  n.name = name;
  n.op_type = op_type;
  n.inputs = std::move(inputs);
  n.outputs = {output};
  graph_->nodes.push_back(std::move(n));
  return graph_->nodes.back();
}

ir::ValueId GraphBuilder::conv(const std::string& name, ir::ValueId x, const ConvSpec& spec,
                               const std::string& output_name) {
  const Shape& xs = shape(x);
  if (xs.size() != 4) graph_->fail("conv input must be 4-d", name);
  ConvDesc d;
  d.batch = xs[0];
  d.in_channels = xs[1];
  d.out_channels = spec.out_channels;
  d.groups = spec.groups;
  d.rank = 2;
  d.in = {xs[2], xs[3], 1};
  d.kernel = {spec.kernel, spec.kernel, 1};
  d.stride = {spec.stride, spec.stride, 1};
  const int64_t pad = spec.kernel / 2;
  d.pad_begin = {pad, pad, 0};
  d.pad_end = {pad, pad, 0};
  d.compute_output();

  // He-uniform: Var(w) = 2 / fan_in keeps the second moment of a ReLU network constant.
  const int64_t fan_in = d.ic_per_group() * spec.kernel * spec.kernel;
  const float bound = std::sqrt(6.0f / static_cast<float>(fan_in));
  ir::ValueId w = add_uniform(name + ".weight",
                              {d.out_channels, d.ic_per_group(), spec.kernel, spec.kernel},
                              -bound, bound);
  ir::ValueId y = add_activation(name, {d.batch, d.out_channels, d.oh(), d.ow()}, output_name);
  ir::Node& n = add_node(name, "Conv", {x, w}, y);
  n.attrs.set_ints("dilations", {1, 1});
  n.attrs.set_int("group", spec.groups);
  n.attrs.set_ints("kernel_shape", {spec.kernel, spec.kernel});
  n.attrs.set_ints("pads", {pad, pad, pad, pad});
  n.attrs.set_ints("strides", {spec.stride, spec.stride});
  return y;
}

ir::ValueId GraphBuilder::batch_norm(const std::string& name, ir::ValueId x, float gamma_scale,
                                     const std::string& output_name) {
  const Shape xs = shape(x);
  const int64_t c = xs.at(1);
  // Statistics far enough from identity that folding BatchNorm into the conv is really tested.
  ir::ValueId gamma = add_uniform(name + ".weight", {c}, 0.5f * gamma_scale, 1.5f * gamma_scale);
  ir::ValueId beta = add_uniform(name + ".bias", {c}, -0.1f, 0.1f);
  ir::ValueId mean = add_uniform(name + ".running_mean", {c}, -0.1f, 0.1f);
  ir::ValueId var = add_uniform(name + ".running_var", {c}, 0.5f, 1.5f);
  ir::ValueId y = add_activation(name, xs, output_name);
  ir::Node& n = add_node(name, "BatchNormalization", {x, gamma, beta, mean, var}, y);
  n.attrs.set_float("epsilon", 1e-5f);
  n.attrs.set_float("momentum", 0.9f);
  return y;
}

ir::ValueId GraphBuilder::relu(const std::string& name, ir::ValueId x, const std::string& output_name) {
  ir::ValueId y = add_activation(name, shape(x), output_name);
  add_node(name, "Relu", {x}, y);
  return y;
}

ir::ValueId GraphBuilder::relu6(const std::string& name, ir::ValueId x, const std::string& output_name) {
  // Since opset 11 Clip takes its bounds as inputs; one pair of scalars serves every node.
  if (clip_min_ == ir::kNoValue) {
    clip_min_ = add_initializer("relu6.min", Tensor::from_vector<float>({}, {0.0f}));
    clip_max_ = add_initializer("relu6.max", Tensor::from_vector<float>({}, {6.0f}));
  }
  ir::ValueId y = add_activation(name, shape(x), output_name);
  add_node(name, "Clip", {x, clip_min_, clip_max_}, y);
  return y;
}

ir::ValueId GraphBuilder::add(const std::string& name, ir::ValueId a, ir::ValueId b,
                              const std::string& output_name) {
  if (shape(a) != shape(b))
    graph_->fail("residual add of different shapes " + shape_to_string(shape(a)) + " and " +
                     shape_to_string(shape(b)), name);
  ir::ValueId y = add_activation(name, shape(a), output_name);
  add_node(name, "Add", {a, b}, y);
  return y;
}

ir::ValueId GraphBuilder::max_pool(const std::string& name, ir::ValueId x, int64_t kernel,
                                   int64_t stride, int64_t pad, const std::string& output_name) {
  const Shape xs = shape(x);
  auto out_dim = [&](int64_t in) { return (in + 2 * pad - kernel) / stride + 1; };
  ir::ValueId y = add_activation(name, {xs[0], xs[1], out_dim(xs[2]), out_dim(xs[3])}, output_name);
  ir::Node& n = add_node(name, "MaxPool", {x}, y);
  n.attrs.set_int("ceil_mode", 0);
  n.attrs.set_ints("dilations", {1, 1});
  n.attrs.set_ints("kernel_shape", {kernel, kernel});
  n.attrs.set_ints("pads", {pad, pad, pad, pad});
  n.attrs.set_ints("strides", {stride, stride});
  return y;
}

ir::ValueId GraphBuilder::global_average_pool(const std::string& name, ir::ValueId x,
                                              const std::string& output_name) {
  const Shape xs = shape(x);
  ir::ValueId y = add_activation(name, {xs[0], xs[1], 1, 1}, output_name);
  add_node(name, "GlobalAveragePool", {x}, y);
  return y;
}

ir::ValueId GraphBuilder::flatten(const std::string& name, ir::ValueId x, const std::string& output_name) {
  const Shape xs = shape(x);
  int64_t inner = 1;
  for (size_t i = 1; i < xs.size(); ++i) inner *= xs[i];
  ir::ValueId y = add_activation(name, {xs[0], inner}, output_name);
  ir::Node& n = add_node(name, "Flatten", {x}, y);
  n.attrs.set_int("axis", 1);
  return y;
}

ir::ValueId GraphBuilder::gemm(const std::string& name, ir::ValueId x, int64_t out_features,
                               const std::string& output_name) {
  const Shape xs = shape(x);
  if (xs.size() != 2) graph_->fail("Gemm input must be 2-d", name);
  const int64_t in_features = xs[1];
  const float w_bound = std::sqrt(6.0f / static_cast<float>(in_features));
  const float b_bound = 1.0f / std::sqrt(static_cast<float>(in_features));
  ir::ValueId w = add_uniform(name + ".weight", {out_features, in_features}, -w_bound, w_bound);
  ir::ValueId b = add_uniform(name + ".bias", {out_features}, -b_bound, b_bound);
  ir::ValueId y = add_activation(name, {xs[0], out_features}, output_name);
  ir::Node& n = add_node(name, "Gemm", {x, w, b}, y);
  n.attrs.set_float("alpha", 1.0f);
  n.attrs.set_float("beta", 1.0f);
  n.attrs.set_int("transB", 1);
  return y;
}

std::shared_ptr<ir::Graph> GraphBuilder::finish(const std::vector<ir::ValueId>& outputs) {
  graph_->outputs = outputs;
  graph_->verify_and_sort();
  return std::move(graph_);
}

}  // namespace castnet::zoo
