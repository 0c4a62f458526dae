// Graph rewriting: each pass is one function Graph → Graph (in place), run in order by the pass
// manager, which logs what each rewrote under verbose. Passes never call kernels.
#pragma once
#include "ir/graph.h"

#include <functional>
#include <set>
#include <string>
#include <vector>

namespace castnet::passes {

struct CompileOptions {
  bool verbose = false;
  int nchwc_block = 0;  // channel block of the NCHWc layout; 0 keeps every tensor plain
  std::set<std::string> patterns;      // enabled fusion patterns (see kFusionPatterns)
  std::set<std::string> frozen_nodes;  // nodes no rewrite may touch

  bool enabled(const std::string& pattern) const { return patterns.count(pattern) != 0; }
  bool frozen(const std::string& node) const { return frozen_nodes.count(node) != 0; }
};

// Every fusion pattern with the level that turns it on.
struct FusionPattern {
  const char* name;
  int level;
  const char* description;
};
extern const FusionPattern kFusionPatterns[];
extern const size_t kFusionPatternCount;

// Enabled patterns for a level and a "+a,-b" list; throws castnet::Error for an unknown name.
std::set<std::string> resolve_fusion_patterns(int level, const std::string& fuse_ops);

struct Pass {
  std::string name;
  // Returns the number of rewrites made.
  std::function<int(ir::Graph&, const CompileOptions&)> run;
};

// Removes nodes whose every output was folded to a constant at load time.
int eliminate_constant_nodes(ir::Graph& graph, const CompileOptions& options);
// Removes nodes nothing reads.
int eliminate_dead_nodes(ir::Graph& graph, const CompileOptions& options);

// Folds BatchNormalization into the preceding Conv's weights and bias where the conv's output
// feeds nothing else.
int fold_batchnorm(ir::Graph& graph, const CompileOptions& options);
// Conv + residual Add + activation into castnet.FusedConv.
int fuse_conv_postops(ir::Graph& graph, const CompileOptions& options);
// Depthwise → pointwise conv pairs into castnet.DwsepConv (one pass, intermediate in cache).
int fuse_dwsep_block(ir::Graph& graph, const CompileOptions& options);
// 1×1 expand → depthwise → 1×1 project conv chains into castnet.InvertedResidual (one pass, the
// expanded tensor in cache).
int fuse_inverted_residual(ir::Graph& graph, const CompileOptions& options);
// 1×1 → 3×3 → 1×1 conv chains (ResNet bottlenecks) into castnet.BottleneckConv (both
// intermediates in cache) on the shapes where that measured worth it (fuse_bottleneck.cpp).
int fuse_bottleneck(ir::Graph& graph, const CompileOptions& options);
// Assigns the NCHWc layout (see assign_nchwc_layout.cpp).
int assign_nchwc_layout(ir::Graph& graph, const CompileOptions& options);

// The passes that run on every shape-inferred graph before planning, in order.
std::vector<Pass> default_pipeline(const CompileOptions& options);
void run_passes(ir::Graph& graph, const CompileOptions& options);

}  // namespace castnet::passes
