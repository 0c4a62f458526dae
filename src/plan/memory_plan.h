// Liveness-based placement of activations in one arena: each tensor gets an offset, and tensors
// whose lifetimes do not overlap share memory. Greedy by size, best fit, as TFLite's and
// ONNX Runtime's arena planners do.
#pragma once
#include <cstddef>
#include <vector>

namespace castnet::plan {

struct BufferRequest {
  size_t bytes = 0;
  int first_step = 0;  // step that writes it
  int last_step = 0;   // last step that reads it (inclusive)
};

struct MemoryPlan {
  std::vector<size_t> offsets;  // one per request, 64-byte aligned
  size_t arena_bytes = 0;       // peak
};

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests);

}  // namespace castnet::plan
