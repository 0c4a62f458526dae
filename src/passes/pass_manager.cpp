#include "passes/pass_manager.h"

#include <castnet/error.h>

#include "passes/fuse_gemm_activation.h"

#include <cstdio>

namespace castnet::passes {

const FusionPattern kFusionPatterns[] = {
    {"fold_batchnorm", 1, "BatchNormalization folded into the preceding Conv"},
    {"conv_add", 1, "residual Add applied in the Conv's epilogue"},
    {"conv_activation", 1, "activation applied in the Conv's (or Conv+Add's) epilogue"},
    {"gemm_activation", 1, "activation applied in the Gemm's epilogue"},
    {"dwsep_block", 2, "depthwise conv → 1×1 conv in one pass, the intermediate kept in cache"},
    {"inverted_residual", 2, "1×1 expand → depthwise → 1×1 project (+ residual) in one pass, the expanded tensor kept in cache"},
    // Never on by level (4 > O3): measured slower than three kernels on every ResNet-50 stage
    // (see fuse_bottleneck.cpp), so O3 adds nothing to O2 until a kernel makes it pay.
    {"bottleneck", 4, "opt-in (+bottleneck): 1×1 → 3×3 → 1×1 conv (+ residual) in one pass"},
};
const size_t kFusionPatternCount = sizeof(kFusionPatterns) / sizeof(kFusionPatterns[0]);

std::set<std::string> resolve_fusion_patterns(int level, const std::string& fuse_ops) {
  if (level < 0 || level > 3) throw Error("fusion level must be 0..3, got " + std::to_string(level));
  std::set<std::string> on;
  for (size_t i = 0; i < kFusionPatternCount; ++i)
    if (kFusionPatterns[i].level <= level) on.insert(kFusionPatterns[i].name);
  size_t pos = 0;
  while (pos <= fuse_ops.size() && !fuse_ops.empty()) {
    size_t comma = fuse_ops.find(',', pos);
    std::string item = fuse_ops.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    pos = comma == std::string::npos ? fuse_ops.size() + 1 : comma + 1;
    if (item.empty()) continue;
    bool enable = item[0] != '-';
    if (item[0] == '-' || item[0] == '+') item.erase(0, 1);
    bool known = false;
    for (size_t i = 0; i < kFusionPatternCount; ++i) known = known || item == kFusionPatterns[i].name;
    if (!known) {
      std::string names;
      for (size_t i = 0; i < kFusionPatternCount; ++i) names += std::string(i ? ", " : "") + kFusionPatterns[i].name;
      throw Error("unknown fusion pattern '" + item + "' (known: " + names + ")");
    }
    if (enable) on.insert(item);
    else on.erase(item);
  }
  return on;
}

std::vector<Pass> default_pipeline(const CompileOptions& options) {
  std::vector<Pass> p = {
      {"eliminate_constant_nodes", eliminate_constant_nodes},
      {"eliminate_dead_nodes", eliminate_dead_nodes},
  };
  if (options.enabled("fold_batchnorm")) p.push_back({"fold_batchnorm", fold_batchnorm});
  if (options.enabled("conv_add") || options.enabled("conv_activation"))
    p.push_back({"fuse_conv_postops", fuse_conv_postops});
  if (options.enabled("gemm_activation")) p.push_back({"fuse_gemm_activation", fuse_gemm_activation});
  // Ahead of fuse_dwsep_block, which would otherwise take the block's last two convs.
  if (options.enabled("inverted_residual") && options.nchwc_block > 1)
    p.push_back({"fuse_inverted_residual", fuse_inverted_residual});
  if (options.enabled("dwsep_block") && options.nchwc_block > 1) p.push_back({"fuse_dwsep_block", fuse_dwsep_block});
  if (options.enabled("bottleneck") && options.nchwc_block > 1)
    p.push_back({"fuse_bottleneck", fuse_bottleneck});
  p.push_back({"assign_nchwc_layout", assign_nchwc_layout});  // last: layouts of the final graph
  return p;
}

void run_passes(ir::Graph& graph, const CompileOptions& options) {
  for (const Pass& pass : default_pipeline(options)) {
    int rewrites = pass.run(graph, options);
    if (options.verbose && rewrites > 0)
      std::fprintf(stderr, "castnet: pass %s: %d rewrite(s)\n", pass.name.c_str(), rewrites);
  }
}

}  // namespace castnet::passes
