// The zoo's model builders (one file per family) and the residual blocks they share. Internal to
// src/zoo: everything outside goes through zoo.h.
#pragma once
#include "zoo/graph_builder.h"

#include <cstdint>
#include <memory>
#include <string>

namespace castnet::zoo {

// The last BatchNorm of every residual branch starts with gamma scaled by this, so that adding
// the branch to the shortcut leaves the activation scale roughly unchanged through deep stacks
// (the role zero-init of that gamma plays in training recipes, without making the branch vanish).
inline constexpr float kResidualBranchGammaScale = 0.2f;

// "layer1.0" + "conv1" -> "layer1.0.conv1"; an empty prefix gives the bare name.
std::string join_name(const std::string& prefix, const std::string& name);

// ResNet v1.5 bottleneck: 1x1 (width) -> 3x3 (width, stride) -> 1x1 (4 * width), each with
// BatchNorm, ReLU after the first two; a 1x1 + BatchNorm projection shortcut when the shape
// changes; Add and a final ReLU whose output may be named.
ir::ValueId resnet_bottleneck(GraphBuilder& b, const std::string& prefix, ir::ValueId x,
                              int64_t width, int64_t stride, const std::string& output_name = {});

std::shared_ptr<ir::Graph> build_resnet18(int64_t batch, uint64_t seed);
std::shared_ptr<ir::Graph> build_resnet50(int64_t batch, uint64_t seed);
std::shared_ptr<ir::Graph> build_mobilenet_v2(int64_t batch, uint64_t seed);
std::shared_ptr<ir::Graph> build_dwsep_block(int64_t batch, uint64_t seed);
std::shared_ptr<ir::Graph> build_bottleneck_block(int64_t batch, uint64_t seed);

}  // namespace castnet::zoo
