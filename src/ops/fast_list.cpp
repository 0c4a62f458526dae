#include "ops/conv/conv_bottleneck_nchwc.h"
#include "ops/conv/conv_depthwise_nchwc.h"
#include "ops/conv/conv_dwsep_nchwc.h"
#include "ops/conv/conv_im2col_nchwc.h"
#include "ops/conv/conv_invres_nchwc.h"
#include "ops/conv/conv_nchwc_direct.h"
#include "ops/conv/conv_stem_nchwc.h"
#include "ops/conv/conv_winograd_nchwc.h"
#include "ops/gemm/gemm_op.h"
#include "ops/nchwc/nchwc_ops.h"
#include "ops/op_registry.h"

namespace castnet::ops {

// Optimised implementations, each ahead of the reference for its op type, in priority order.
void add_fast_implementations(std::vector<OpImplementation>& out) {
  add_conv_bottleneck_nchwc(out);
  add_conv_dwsep_nchwc(out);
  add_conv_invres_nchwc(out);
  add_conv_depthwise_nchwc(out);
  add_conv_winograd_nchwc(out);  // ahead of im2col so CASTNET_CONV_ALGO can force it on few channels
  add_conv_stem_nchwc(out);
  add_conv_im2col_nchwc(out);
  add_conv_nchwc_direct(out);
  add_nchwc_reorder(out);
  add_storage_elementwise(out);
  add_nchwc_batchnorm(out);
  add_nchwc_pool(out);
  add_nchwc_concat(out);
  add_gemm_ops(out);
}

}  // namespace castnet::ops
