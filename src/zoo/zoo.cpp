#include "zoo/zoo.h"

#include <castnet/error.h>

#include "zoo/models.h"

namespace castnet::zoo {
namespace {

struct ZooModel {
  const char* name;
  const char* description;
  std::shared_ptr<ir::Graph> (*build)(int64_t batch, uint64_t seed);
};

const ZooModel kModels[] = {
    {"resnet18", "ResNet-18, 224x224, 11.7M parameters, 1.8 GMAC", build_resnet18},
    {"resnet50", "ResNet-50 v1.5, 224x224, 25.6M parameters, 4.1 GMAC", build_resnet50},
    {"mobilenetv2", "MobileNetV2 1.0, 224x224, 3.5M parameters, 0.3 GMAC", build_mobilenet_v2},
    {"dwsep_block", "depthwise-separable block: DW3x3-BN-ReLU-PW1x1-BN-ReLU, 128 ch, 56x56",
     build_dwsep_block},
    {"bottleneck", "ResNet bottleneck 256-64-64-256, 56x56, identity shortcut", build_bottleneck_block},
};

}  // namespace

std::vector<ZooEntry> list() {
  std::vector<ZooEntry> entries;
  for (const ZooModel& m : kModels) entries.push_back({m.name, m.description});
  return entries;
}

std::shared_ptr<ir::Graph> build(const std::string& name, int64_t batch, uint64_t seed) {
  if (batch <= 0) throw Error("zoo model batch must be positive, got " + std::to_string(batch));
  for (const ZooModel& m : kModels)
    if (name == m.name) return m.build(batch, seed);
  std::string valid;
  for (const ZooModel& m : kModels) valid += (valid.empty() ? "" : ", ") + std::string(m.name);
  throw Error("unknown zoo model '" + name + "' (valid: " + valid + ")");
}

}  // namespace castnet::zoo
