// ResNet-18 and ResNet-50 (torchvision layouts and names; ResNet-50 is v1.5, stride on the 3x3).
#include "zoo/models.h"

namespace castnet::zoo {

std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

namespace {

// Projection shortcut (torchvision's `downsample`) where the block changes shape, else identity.
ir::ValueId shortcut(GraphBuilder& b, const std::string& prefix, ir::ValueId x, int64_t out_channels,
                     int64_t stride) {
  if (stride == 1 && b.shape(x)[1] == out_channels) return x;
  ir::ValueId s = b.conv(join_name(prefix, "downsample.0"), x, {out_channels, 1, stride, 1});
  return b.batch_norm(join_name(prefix, "downsample.1"), s);
}

// ResNet-18/34 basic block: 3x3 (stride) -> 3x3, each with BatchNorm, Add, ReLU.
ir::ValueId basic_block(GraphBuilder& b, const std::string& prefix, ir::ValueId x, int64_t width,
                        int64_t stride) {
  auto n = [&](const char* s) { return join_name(prefix, s); };
  ir::ValueId y = b.conv(n("conv1"), x, {width, 3, stride, 1});
  y = b.batch_norm(n("bn1"), y);
  y = b.relu(n("relu1"), y);
  y = b.conv(n("conv2"), y, {width, 3, 1, 1});
  y = b.batch_norm(n("bn2"), y, kResidualBranchGammaScale);
  y = b.add(n("add"), y, shortcut(b, prefix, x, width, stride));
  return b.relu(n("relu2"), y);
}

// conv1 7x7/2 -> bn1 -> relu -> maxpool 3x3/2.
ir::ValueId stem(GraphBuilder& b, ir::ValueId x) {
  ir::ValueId y = b.conv("conv1", x, {64, 7, 2, 1});
  y = b.batch_norm("bn1", y);
  y = b.relu("relu", y);
  return b.max_pool("maxpool", y, 3, 2, 1);
}

// avgpool -> flatten -> fc, output "logits".
ir::ValueId head(GraphBuilder& b, ir::ValueId x) {
  ir::ValueId y = b.global_average_pool("avgpool", x);
  y = b.flatten("flatten", y);
  return b.gemm("fc", y, 1000, "logits");
}

}  // namespace

ir::ValueId resnet_bottleneck(GraphBuilder& b, const std::string& prefix, ir::ValueId x,
                              int64_t width, int64_t stride, const std::string& output_name) {
  auto n = [&](const char* s) { return join_name(prefix, s); };
  const int64_t out_channels = 4 * width;
  ir::ValueId y = b.conv(n("conv1"), x, {width, 1, 1, 1});
  y = b.batch_norm(n("bn1"), y);
  y = b.relu(n("relu1"), y);
  y = b.conv(n("conv2"), y, {width, 3, stride, 1});
  y = b.batch_norm(n("bn2"), y);
  y = b.relu(n("relu2"), y);
  y = b.conv(n("conv3"), y, {out_channels, 1, 1, 1});
  y = b.batch_norm(n("bn3"), y, kResidualBranchGammaScale);
  y = b.add(n("add"), y, shortcut(b, prefix, x, out_channels, stride));
  return b.relu(n("relu3"), y, output_name);
}

std::shared_ptr<ir::Graph> build_resnet18(int64_t batch, uint64_t seed) {
  GraphBuilder b("resnet18", seed);
  ir::ValueId y = stem(b, b.input("input", {batch, 3, 224, 224}));
  const int64_t widths[4] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage)
    for (int block = 0; block < 2; ++block) {
      const std::string prefix = "layer" + std::to_string(stage + 1) + "." + std::to_string(block);
      y = basic_block(b, prefix, y, widths[stage], stage > 0 && block == 0 ? 2 : 1);
    }
  return b.finish({head(b, y)});
}

std::shared_ptr<ir::Graph> build_resnet50(int64_t batch, uint64_t seed) {
  GraphBuilder b("resnet50", seed);
  ir::ValueId y = stem(b, b.input("input", {batch, 3, 224, 224}));
  const int64_t widths[4] = {64, 128, 256, 512};
  const int blocks[4] = {3, 4, 6, 3};
  for (int stage = 0; stage < 4; ++stage)
    for (int block = 0; block < blocks[stage]; ++block) {
      const std::string prefix = "layer" + std::to_string(stage + 1) + "." + std::to_string(block);
      y = resnet_bottleneck(b, prefix, y, widths[stage], stage > 0 && block == 0 ? 2 : 1);
    }
  return b.finish({head(b, y)});
}

}  // namespace castnet::zoo
