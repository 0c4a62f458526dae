// Single blocks, for kernel and fusion work: the depthwise-separable block of MobileNet-style
// networks and the ResNet-50 bottleneck, each at its typical 56x56 size.
#include "zoo/models.h"

namespace castnet::zoo {

std::shared_ptr<ir::Graph> build_dwsep_block(int64_t batch, uint64_t seed) {
  constexpr int64_t kChannels = 128;
  GraphBuilder b("dwsep_block", seed);
  ir::ValueId y = b.input("input", {batch, kChannels, 56, 56});
  y = b.conv("dw", y, {kChannels, 3, 1, kChannels});
  y = b.batch_norm("dw_bn", y);
  y = b.relu("dw_relu", y);
  y = b.conv("pw", y, {kChannels, 1, 1, 1});
  y = b.batch_norm("pw_bn", y);
  y = b.relu("pw_relu", y, "output");
  return b.finish({y});
}

std::shared_ptr<ir::Graph> build_bottleneck_block(int64_t batch, uint64_t seed) {
  GraphBuilder b("bottleneck", seed);
  ir::ValueId x = b.input("input", {batch, 256, 56, 56});
  return b.finish({resnet_bottleneck(b, "", x, 64, 1, "output")});
}

}  // namespace castnet::zoo
