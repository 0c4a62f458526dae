// Common part of the convolution kernels that compute in NCHWc: geometry, and the reorders that
// let them also take plain NCHW input or produce plain output (through the run's workspace) where
// the layout pass left a neighbour in plain layout. Subclasses implement compute() on blocked
// buffers only.
#pragma once
#include "core/conv_desc.h"
#include "kernels/conv/conv_nchwc_ukernel.h"
#include "ops/op_kernel.h"

#include <string>

#include <vector>

namespace castnet::ops {

// The activation a fused conv node carries ("<prefix>activation", "<prefix>alpha",
// "<prefix>beta"), as microkernel post-ops (bias and residual left unset).
kernels::ConvPostOps decode_fused_activation(const ir::Attributes& attrs, const std::string& prefix = "");

class NchwcConvKernel : public OpKernel {
 public:
  size_t workspace_bytes() const override;
  Layout output_layout(size_t) const override;
  // The output may take over the fused residual's buffer when compute() reads each residual
  // element only as it writes the same output element (residual_read_at_store()).
  bool may_overwrite_input(size_t output, size_t input) const override {
    return output == 0 && input == 3 && has_residual_ && residual_read_at_store();
  }
  void run(const KernelArgs& args) const override;

 protected:
  NchwcConvKernel(const NodeDesc& node, int block);
  // Whether compute() wants its input reordered to NCHWc when it arrives plain (an algorithm that
  // gathers its own input, such as im2col, reads either layout and says no).
  virtual bool wants_blocked_input() const { return true; }
  bool input_is_blocked() const { return in_blocked_; }
  // in: [N][ICB][IH][IW][B] (or plain NCHW, see above); out and residual (null if none): [N][OCB][OH][OW][B].
  // `scratch` holds scratch_bytes() bytes, private to this run.
  virtual void compute(const float* in, float* out, const float* residual, void* scratch, ThreadPool& pool) const = 0;
  virtual size_t scratch_bytes() const { return 0; }
  // True when compute() reads residual[i] only in the store of out[i] (never after an earlier,
  // partial store to out[i]), so out may alias residual.
  virtual bool residual_read_at_store() const { return false; }

  // Post-ops for a tile starting at channel block `ocb`: activation and bias from the node, the
  // residual pointer filled in per tile by the subclass.
  kernels::ConvPostOps post_ops(const float* bias) const {
    kernels::ConvPostOps p = activation_;
    p.bias = bias;
    return p;
  }
  // Per-channel bias padded to whole blocks (zeros where the node has none).
  std::vector<float> padded_bias(const NodeDesc& node) const;

  ConvDesc d_;
  int64_t B_;
  int64_t icb_ = 0, ocb_ = 0;
  kernels::ConvPostOps activation_;  // activation fields only
  bool has_residual_ = false;

 private:
  bool in_blocked_ = false, out_blocked_ = false;
  size_t in_bytes_ = 0, out_bytes_ = 0;
};

}  // namespace castnet::ops
