// MobileNetV2 1.0 / 224 (torchvision layout and names; dropout omitted, as at inference).
#include "zoo/models.h"

namespace castnet::zoo {
namespace {

// Conv -> BatchNorm -> ReLU6, torchvision's Conv2dNormActivation: "<prefix>.0/.1/.2".
ir::ValueId conv_bn_relu6(GraphBuilder& b, const std::string& prefix, ir::ValueId x,
                          const ConvSpec& spec) {
  ir::ValueId y = b.conv(prefix + ".0", x, spec);
  y = b.batch_norm(prefix + ".1", y);
  return b.relu6(prefix + ".2", y);
}

// Inverted residual: [1x1 expand] -> 3x3 depthwise (stride) -> 1x1 linear projection, with the
// input added back where the shape is unchanged.
ir::ValueId inverted_residual(GraphBuilder& b, const std::string& prefix, ir::ValueId x,
                              int64_t out_channels, int64_t stride, int64_t expand_ratio) {
  const int64_t in_channels = b.shape(x)[1];
  const int64_t hidden = in_channels * expand_ratio;
  const bool residual = stride == 1 && in_channels == out_channels;
  const std::string conv = prefix + ".conv";
  int index = 0;
  auto next = [&] { return conv + "." + std::to_string(index++); };

  ir::ValueId y = x;
  if (expand_ratio != 1) y = conv_bn_relu6(b, next(), y, {hidden, 1, 1, 1});
  y = conv_bn_relu6(b, next(), y, {hidden, 3, stride, hidden});
  y = b.conv(next(), y, {out_channels, 1, 1, 1});
  y = b.batch_norm(next(), y, residual ? kResidualBranchGammaScale : 1.0f);
  if (residual) y = b.add(prefix + ".add", y, x);
  return y;
}

}  // namespace

std::shared_ptr<ir::Graph> build_mobilenet_v2(int64_t batch, uint64_t seed) {
  GraphBuilder b("mobilenetv2", seed);
  ir::ValueId y = b.input("input", {batch, 3, 224, 224});
  y = conv_bn_relu6(b, "features.0", y, {32, 3, 2, 1});

  struct Stage { int64_t expand, channels, repeats, stride; };
  const Stage stages[] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
  int feature = 1;
  for (const Stage& s : stages)
    for (int64_t i = 0; i < s.repeats; ++i, ++feature)
      y = inverted_residual(b, "features." + std::to_string(feature), y, s.channels,
                            i == 0 ? s.stride : 1, s.expand);

  y = conv_bn_relu6(b, "features." + std::to_string(feature), y, {1280, 1, 1, 1});
  y = b.global_average_pool("avgpool", y);
  y = b.flatten("flatten", y);
  y = b.gemm("classifier.1", y, 1000, "logits");
  return b.finish({y});
}

}  // namespace castnet::zoo
