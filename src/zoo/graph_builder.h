// GraphBuilder: writes an ir::Graph node by node the way an ONNX exporter would (Conv without
// bias followed by BatchNormalization, ReLU6 as Clip with constant bounds, the classifier as
// Gemm), creating each layer's weights from the model seed. Every value gets its shape as it is
// created, so a built graph is fully shaped without running shape inference.
//
// Naming: a node and the value it produces share the node's name ("layer1.0.conv1"); weights
// are "<node>.weight", "<node>.bias", "<node>.running_mean", ... as in a PyTorch state dict.
#pragma once
#include "ir/graph.h"

#include <cstdint>
#include <memory>
#include <string>

namespace castnet::zoo {

struct ConvSpec {
  int64_t out_channels = 0;
  int64_t kernel = 1;   // square; padding is kernel / 2 ("same" for odd kernels at stride 1)
  int64_t stride = 1;
  int64_t groups = 1;
};

class GraphBuilder {
 public:
  GraphBuilder(std::string model_name, uint64_t seed);

  ir::ValueId input(const std::string& name, Shape shape);

  // Each op takes the node name; the output value gets the same name unless `output_name` is
  // given (used for the graph outputs "logits" / "output").
  ir::ValueId conv(const std::string& name, ir::ValueId x, const ConvSpec& spec,
                   const std::string& output_name = {});
  // gamma_scale < 1 shrinks the layer's output: used on the last BatchNorm of a residual branch
  // so that the sum with the shortcut does not grow from block to block.
  ir::ValueId batch_norm(const std::string& name, ir::ValueId x, float gamma_scale = 1.0f,
                         const std::string& output_name = {});
  ir::ValueId relu(const std::string& name, ir::ValueId x, const std::string& output_name = {});
  ir::ValueId relu6(const std::string& name, ir::ValueId x, const std::string& output_name = {});
  ir::ValueId add(const std::string& name, ir::ValueId a, ir::ValueId b,
                  const std::string& output_name = {});
  ir::ValueId max_pool(const std::string& name, ir::ValueId x, int64_t kernel, int64_t stride,
                       int64_t pad, const std::string& output_name = {});
  ir::ValueId global_average_pool(const std::string& name, ir::ValueId x,
                                  const std::string& output_name = {});
  ir::ValueId flatten(const std::string& name, ir::ValueId x, const std::string& output_name = {});
  // Fully connected layer: Gemm(x, W^T, b) with W [out_features, in_features] (transB = 1).
  ir::ValueId gemm(const std::string& name, ir::ValueId x, int64_t out_features,
                   const std::string& output_name = {});

  const Shape& shape(ir::ValueId v) const { return graph_->value(v).shape; }

  // Marks the graph outputs, verifies and sorts the graph, and hands it over.
  std::shared_ptr<ir::Graph> finish(const std::vector<ir::ValueId>& outputs);

 private:
  ir::ValueId add_activation(const std::string& name, Shape shape, const std::string& output_name);
  ir::ValueId add_initializer(const std::string& name, Tensor value);
  ir::ValueId add_uniform(const std::string& name, Shape shape, float lo, float hi);
  ir::Node& add_node(const std::string& name, const std::string& op_type,
                     std::vector<ir::ValueId> inputs, ir::ValueId output);

  std::shared_ptr<ir::Graph> graph_;
  uint64_t seed_;
  ir::ValueId clip_min_ = ir::kNoValue, clip_max_ = ir::kNoValue;
};

}  // namespace castnet::zoo
