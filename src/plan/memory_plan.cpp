#include "plan/memory_plan.h"

#include "core/aligned.h"

#include <algorithm>
#include <numeric>

namespace castnet::plan {

MemoryPlan plan_memory(const std::vector<BufferRequest>& requests) {
  MemoryPlan plan;
  plan.offsets.assign(requests.size(), 0);
  // Largest first: big tensors claim the bottom of the arena, small ones fill the gaps between
  // them (greedy-by-size, as in TFLite's arena planner).
  std::vector<size_t> order(requests.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return requests[a].bytes > requests[b].bytes; });

  struct Placed { size_t offset, bytes; int first, last; };
  std::vector<Placed> placed;
  for (size_t idx : order) {
    const BufferRequest& r = requests[idx];
    size_t need = align_up(std::max<size_t>(r.bytes, 1));
    // Buffers alive at the same time as this one, by offset.
    std::vector<Placed> overlapping;
    for (const Placed& p : placed)
      if (p.first <= r.last_step && r.first_step <= p.last) overlapping.push_back(p);
    std::sort(overlapping.begin(), overlapping.end(),
              [](const Placed& a, const Placed& b) { return a.offset < b.offset; });
    // Best fit: the smallest gap that holds it; else after the last one.
    size_t best = SIZE_MAX, best_gap = SIZE_MAX, cursor = 0;
    for (const Placed& p : overlapping) {
      if (p.offset >= cursor) {
        size_t gap = p.offset - cursor;
        if (gap >= need && gap < best_gap) { best = cursor; best_gap = gap; }
      }
      cursor = std::max(cursor, p.offset + p.bytes);
    }
    if (best == SIZE_MAX) best = cursor;
    plan.offsets[idx] = best;
    placed.push_back({best, need, r.first_step, r.last_step});
    plan.arena_bytes = std::max(plan.arena_bytes, best + need);
  }
  return plan;
}

}  // namespace castnet::plan
