// BatchNormalization (inference) on the reference loops (src/reference/batchnorm.h). Optional
// outputs 1 and 2 receive the running mean and variance unchanged.
#include "ops/reference/compute_kernel_util.h"
#include "ops/reference/reference_families.h"
#include "reference/batchnorm.h"

#include <cstring>
#include <memory>

namespace castnet::ops {

namespace {

using namespace reference_util;

class ReferenceBatchNormKernel final : public OpKernel {
 public:
  ReferenceBatchNormKernel(const Shape& x_shape, double epsilon) : x_shape_(x_shape), epsilon_(epsilon) {}

  std::string algorithm() const override { return "reference"; }

  void run(const KernelArgs& args) const override {
    const char* op = "BatchNormalization";
    expect_arity(args, 5, 1, op);
    const int64_t channels = x_shape_[1];
    expect_view(args.in(0), DType::f32, x_shape_, op, "input X");
    for (size_t i = 1; i < 5; ++i) expect_view(args.in(i), DType::f32, {channels}, op, "a per-channel parameter");
    expect_view(args.out(0), DType::f32, x_shape_, op, "output Y");
    const int64_t batch = x_shape_[0];
    const int64_t spatial = batch * channels > 0 ? shape_numel(x_shape_) / (batch * channels) : 0;
    reference::batch_norm(batch, channels, spatial, args.in(0).as<const float>(), args.in(1).as<const float>(),
                          args.in(2).as<const float>(), args.in(3).as<const float>(), args.in(4).as<const float>(),
                          epsilon_, args.out(0).as<float>(), pool_of(args));
    // Running statistics pass through (inference does not update them).
    for (size_t o = 1; o < 3 && o < args.num_outputs; ++o) {
      if (!args.out(o).data) continue;
      expect_view(args.out(o), DType::f32, {channels}, op, "a statistics output");
      std::memcpy(args.out(o).data, args.in(o + 2).data, static_cast<size_t>(channels) * sizeof(float));
    }
  }

 private:
  Shape x_shape_;
  double epsilon_;
};

bool batch_norm_applicable(const NodeDesc& node) {
  return all_plain(node, DType::f32) && node.attrs().get_int("training_mode", 0) == 0;
}

std::unique_ptr<OpKernel> create_batch_norm(const NodeDesc& node) {
  const Shape& x = node.input(0).shape;
  if (x.size() < 2) throw Error("BatchNormalization: input must have rank 2 or more");
  shape_numel(x);  // throws on unknown dimensions or overflow
  return std::make_unique<ReferenceBatchNormKernel>(x, node.attrs().get_float("epsilon", 1e-5f));
}

}  // namespace

void add_reference_normalization(std::vector<OpImplementation>& out) {
  out.push_back({"BatchNormalization", "reference", true, batch_norm_applicable, create_batch_norm});
}

}  // namespace castnet::ops
