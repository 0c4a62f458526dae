// Conv on the reference loops (src/reference/conv.h): any group, dilation, stride, padding and
// rank. Slow but always applicable to plain f32 tensors; the last entry in Conv's list.
#include "ir/conv_params.h"
#include "ops/reference/compute_kernel_util.h"
#include "ops/reference/reference_families.h"
#include "reference/conv.h"

#include <memory>

namespace castnet::ops {

namespace {

using namespace reference_util;

class ReferenceConvKernel final : public OpKernel {
 public:
  ReferenceConvKernel(const ConvDesc& desc, bool has_bias) : desc_(desc), has_bias_(has_bias) {
    x_shape_ = {desc.batch, desc.in_channels};
    w_shape_ = {desc.out_channels, desc.ic_per_group()};
    y_shape_ = {desc.batch, desc.out_channels};
    for (int i = 0; i < desc.rank; ++i) {
      x_shape_.push_back(desc.in[i]);
      w_shape_.push_back(desc.kernel[i]);
      y_shape_.push_back(desc.out[i]);
    }
  }

  std::string algorithm() const override { return "reference"; }

  void run(const KernelArgs& args) const override {
    expect_arity(args, has_bias_ ? 3 : 2, 1, "Conv");
    expect_view(args.in(0), DType::f32, x_shape_, "Conv", "input X");
    expect_view(args.in(1), DType::f32, w_shape_, "Conv", "weights W");
    if (has_bias_) expect_view(args.in(2), DType::f32, {desc_.out_channels}, "Conv", "bias B");
    expect_view(args.out(0), DType::f32, y_shape_, "Conv", "output Y");
    reference::conv(desc_, args.in(0).as<const float>(), args.in(1).as<const float>(),
                    has_bias_ ? args.in(2).as<const float>() : nullptr, args.out(0).as<float>(), pool_of(args));
  }

 private:
  ConvDesc desc_;
  bool has_bias_;
  Shape x_shape_, w_shape_, y_shape_;
};

bool conv_applicable(const NodeDesc& node) { return all_plain(node, DType::f32); }

std::unique_ptr<OpKernel> create_conv(const NodeDesc& node) {
  const ConvDesc desc = ir::conv_desc_from_attrs(node.attrs(), node.input(0).shape, node.input(1).shape);
  return std::make_unique<ReferenceConvKernel>(desc, node.has_input(2));
}

}  // namespace

void add_reference_conv(std::vector<OpImplementation>& out) {
  out.push_back({"Conv", "reference", true, conv_applicable, create_conv});
}

}  // namespace castnet::ops
