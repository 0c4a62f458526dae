// Common part of the convolution kernels that compute in NCHWc: geometry, and the reorders that
// let them also take plain NCHW input or produce plain output (through the run's workspace) where
// the layout pass left a neighbour in plain layout. Subclasses implement compute() on blocked
// buffers only.
#pragma once
#include "core/conv_desc.h"
#include "ops/op_kernel.h"

namespace castnet::ops {

class NchwcConvKernel : public OpKernel {
 public:
  size_t workspace_bytes() const override;
  Layout output_layout(size_t) const override;
  void run(const KernelArgs& args) const override;

 protected:
  NchwcConvKernel(const NodeDesc& node, int block);
  // in: [N][ICB][IH][IW][B]; out: [N][OCB][OH][OW][B].
  virtual void compute(const float* in, float* out, ThreadPool& pool) const = 0;

  ConvDesc d_;
  int64_t B_;
  int64_t icb_ = 0, ocb_ = 0;

 private:
  bool in_blocked_ = false, out_blocked_ = false;
  size_t in_bytes_ = 0, out_bytes_ = 0;
};

}  // namespace castnet::ops
