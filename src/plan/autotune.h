// Autotune: choose a node's implementation by timing the candidates instead of trusting the
// static cost rules. Every non-reference implementation that supports the node is created (its
// weights packed), run on scratch buffers of the node's real shapes and layouts with the
// session's thread pool (two warm-up runs, then the median of several runs' thread CPU time at
// one thread, the fastest wall time above), and the fastest candidate is kept; the others are
// freed at once. The choice is remembered in an AutotuneCache keyed by (op type,
// problem, ISA, threads, format version), so the next session with the same layer times nothing.
//
// The rule's own choice wins ties: another candidate replaces it only when at least
// kAutotuneMargin faster, so noise on a shared machine does not flip layers back and forth.
#pragma once
#include "core/context.h"
#include "ops/op_kernel.h"
#include "plan/autotune_cache.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace castnet::plan {

constexpr double kAutotuneMargin = 0.03;

// How a step's implementation was chosen.
enum class Selection : uint8_t {
  rule,    // the static cost rule: first applicable implementation of the ordered list
  forced,  // CASTNET_CONV_ALGO named it
  timed,   // fastest when timed by this session
  cached,  // the autotune cache named it (timed by an earlier session or an identical layer)
};
// "cost rule", "CASTNET_CONV_ALGO", "autotune", "autotune cache"
const char* selection_name(Selection s);

struct AutotuneStats {
  int nodes_timed = 0;        // nodes whose candidates were timed
  int candidates_timed = 0;   // kernels created and run for timing
  int cache_hits = 0;         // nodes chosen from the cache, timing nothing
  double seconds = 0;         // wall time spent creating and timing candidates
};

// The cache key of a node in this context. The problem is the convolution's problem string
// (ConvDesc) for Conv / FusedConv, the input shapes otherwise, followed by the layouts of the
// first input and output, the dtype and every attribute that is not geometry (fused activation,
// residual input).
AutotuneKey autotune_key(const ops::NodeDesc& node, const Context& ctx);

class Autotuner {
 public:
  // Creates an implementation's kernel for the node (errors already name the node).
  using Create = std::function<std::unique_ptr<ops::OpKernel>(const ops::OpImplementation&)>;

  struct Choice {
    std::unique_ptr<ops::OpKernel> kernel;
    const ops::OpImplementation* implementation = nullptr;
    Selection selection = Selection::timed;
  };

  // Reads and writes ctx.autotune_cache (none if empty).
  explicit Autotuner(const Context& ctx) : ctx_(ctx), cache_(ctx.autotune_cache) {}

  // Chooses among `candidates` (at least two implementations that support the node; `rule` is
  // the one the cost rule picks, among them): the one the cache names, else the fastest timed.
  Choice choose(const ops::NodeDesc& node, const std::vector<const ops::OpImplementation*>& candidates,
                const ops::OpImplementation& rule, const Create& create);

  // Writes this session's new choices to the cache file.
  void save() { cache_.save(); }
  const AutotuneStats& stats() const { return stats_; }
  const std::string& cache_path() const { return cache_.path(); }

 private:
  const Context& ctx_;
  AutotuneCache cache_;
  AutotuneStats stats_;
};

}  // namespace castnet::plan
