#include "ops/conv/nchwc_conv_kernel.h"

#include <castnet/error.h>

#include "core/aligned.h"
#include "ir/conv_params.h"
#include "kernels/layout/reorder_nchwc.h"
#include "ops/conv/conv_geometry.h"

namespace castnet::ops {

kernels::ConvPostOps decode_fused_activation(const ir::Attributes& at, const std::string& prefix) {
  using A = kernels::Activation;
  const std::string act = at.get_string(prefix + "activation", "");
  kernels::ConvPostOps p;
  p.activation = act == "relu" ? A::relu : act == "clip" ? A::clip : act == "leaky_relu" ? A::leaky_relu
               : act == "hard_sigmoid" ? A::hard_sigmoid : act == "hard_swish" ? A::hard_swish
               : act == "sigmoid" ? A::sigmoid : A::none;
  p.alpha = at.get_float(prefix + "alpha", 0.f);
  p.beta = at.get_float(prefix + "beta", 0.f);
  return p;
}

NchwcConvKernel::NchwcConvKernel(const NodeDesc& node, int block) : B_(block) {
  d_ = ir::conv_desc_from_attrs(node.attrs(), node.input(0).shape, node.input(1).shape);
  const Layout& li = node.input(0).layout;
  const Layout& lo = node.output(0).layout;
  in_blocked_ = li.kind == Layout::Kind::nchwc;
  out_blocked_ = lo.kind == Layout::Kind::nchwc;
  if ((in_blocked_ && li.block != block) || (out_blocked_ && lo.block != block))
    throw Error("NCHWc block size does not match the kernel's");
  if (node.op_type() == "FusedConv") {
    activation_ = decode_fused_activation(node.attrs());
    has_residual_ = node.has_input(3);
    if (has_residual_ && (!out_blocked_ || node.input(3).layout != node.output(0).layout))
      throw Error("a fused residual must share the output's NCHWc layout");
  }
  icb_ = div_ceil(d_.in_channels, B_);
  ocb_ = div_ceil(d_.out_channels, B_);
  in_bytes_ = align_up(static_cast<size_t>(d_.batch * icb_ * d_.in_spatial() * B_) * sizeof(float));
  out_bytes_ = align_up(static_cast<size_t>(d_.batch * ocb_ * d_.out_spatial() * B_) * sizeof(float));
}

std::vector<float> NchwcConvKernel::padded_bias(const NodeDesc& node) const {
  std::vector<float> b(static_cast<size_t>(ocb_ * B_), 0.f);
  if (const Tensor* t = node.constant_input(2))
    for (int64_t c = 0; c < d_.out_channels; ++c) b[static_cast<size_t>(c)] = t->data_as<float>()[c];
  return b;
}

size_t NchwcConvKernel::workspace_bytes() const {
  return (in_blocked_ || !wants_blocked_input() ? 0 : in_bytes_) + (out_blocked_ ? 0 : out_bytes_) +
         align_up(scratch_bytes());
}

Layout NchwcConvKernel::output_layout(size_t) const {
  return out_blocked_ ? Layout::nchwc(static_cast<int>(B_)) : Layout{};
}

void NchwcConvKernel::run(const KernelArgs& args) const {
  ThreadPool& pool = *args.ctx->pool;
  uint8_t* ws = static_cast<uint8_t*>(args.workspace);
  const int B = static_cast<int>(B_);
  const float* in = args.in(0).as<const float>();
  if (!in_blocked_ && wants_blocked_input()) {
    float* blocked = reinterpret_cast<float*>(ws);
    ws += in_bytes_;
    const int64_t hw = d_.in_spatial(), c = d_.in_channels;
    pool.parallel_for(d_.batch * icb_, [&](int64_t b, int64_t e, int) {
      kernels::reorder_nchw_to_nchwc(in, blocked, c, hw, B, b, e);
    });
    in = blocked;
  }
  float* out = out_blocked_ ? args.out(0).as<float>() : reinterpret_cast<float*>(ws);
  if (!out_blocked_) ws += out_bytes_;
  const float* residual = has_residual_ ? args.in(3).as<const float>() : nullptr;
  compute(in, out, residual, ws, pool);
  if (!out_blocked_) {
    float* dst = args.out(0).as<float>();
    const int64_t hw = d_.out_spatial(), c = d_.out_channels;
    pool.parallel_for(d_.batch * ocb_, [&](int64_t b, int64_t e, int) {
      kernels::reorder_nchwc_to_nchw(out, dst, c, hw, B, b, e);
    });
  }
}

}  // namespace castnet::ops
