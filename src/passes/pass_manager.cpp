#include "passes/pass_manager.h"

#include <cstdio>

namespace castnet::passes {

std::vector<Pass> default_pipeline(const CompileOptions& options) {
  std::vector<Pass> p = {
      {"eliminate_constant_nodes", eliminate_constant_nodes},
      {"eliminate_dead_nodes", eliminate_dead_nodes},
  };
  if (options.fold_batchnorm) p.push_back({"fold_batchnorm", fold_batchnorm});
  if (options.fuse_conv_postops) p.push_back({"fuse_conv_postops", fuse_conv_postops});
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
