// Built-in models, constructed in code with deterministic weights (He-style init from a seed,
// BatchNorm statistics that are not identity). Runnable as "zoo:<name>" wherever a model path is
// accepted.
#pragma once
#include "ir/graph.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace castnet::zoo {

struct ZooEntry {
  std::string name;         // "resnet50"
  std::string description;  // one line for `castnet zoo list`
};

std::vector<ZooEntry> list();
// Builds the named model for `batch`; throws castnet::Error for an unknown name.
std::shared_ptr<ir::Graph> build(const std::string& name, int64_t batch = 1, uint64_t seed = 1);

}  // namespace castnet::zoo
