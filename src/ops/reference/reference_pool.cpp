// MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool on the reference loops
// (src/reference/pool.h), for plain tensors.
#include "ir/pool_params.h"
#include "ops/reference/compute_kernel_util.h"
#include "ops/reference/reference_families.h"
#include "reference/pool.h"

#include <memory>

namespace castnet::ops {

namespace {

using namespace reference_util;

Shape pool_shape(const PoolDesc& d, const PoolDesc::Dims& spatial) {
  Shape s{d.batch, d.channels};
  for (int i = 0; i < d.rank; ++i) s.push_back(spatial[i]);
  return s;
}

class ReferencePoolKernel final : public OpKernel {
 public:
  ReferencePoolKernel(const PoolDesc& desc, bool is_max, DType dtype)
      : desc_(desc), is_max_(is_max), dtype_(dtype), x_shape_(pool_shape(desc, desc.in)),
        y_shape_(pool_shape(desc, desc.out)) {}

  std::string algorithm() const override { return "reference"; }

  void run(const KernelArgs& args) const override {
    const char* op = is_max_ ? "MaxPool" : "AveragePool";
    expect_arity(args, 1, 1, op);
    expect_view(args.in(0), dtype_, x_shape_, op, "input X");
    expect_view(args.out(0), dtype_, y_shape_, op, "output Y");
    const TensorView& x = args.in(0);
    const TensorView& y = args.out(0);
    if (!is_max_) reference::average_pool(desc_, x.as<const float>(), y.as<float>(), pool_of(args));
    else if (dtype_ == DType::u8) reference::max_pool(desc_, x.as<const uint8_t>(), y.as<uint8_t>(), pool_of(args));
    else if (dtype_ == DType::i8) reference::max_pool(desc_, x.as<const int8_t>(), y.as<int8_t>(), pool_of(args));
    else reference::max_pool(desc_, x.as<const float>(), y.as<float>(), pool_of(args));
  }

 private:
  PoolDesc desc_;
  bool is_max_;
  DType dtype_;
  Shape x_shape_, y_shape_;
};

class ReferenceGlobalPoolKernel final : public OpKernel {
 public:
  ReferenceGlobalPoolKernel(const Shape& x_shape, bool is_max) : x_shape_(x_shape), is_max_(is_max) {
    y_shape_.assign(x_shape.size(), 1);
    y_shape_[0] = x_shape[0];
    y_shape_[1] = x_shape[1];
  }

  std::string algorithm() const override { return "reference"; }

  void run(const KernelArgs& args) const override {
    const char* op = is_max_ ? "GlobalMaxPool" : "GlobalAveragePool";
    expect_arity(args, 1, 1, op);
    expect_view(args.in(0), DType::f32, x_shape_, op, "input X");
    expect_view(args.out(0), DType::f32, y_shape_, op, "output Y");
    const int64_t planes = x_shape_[0] * x_shape_[1];
    const int64_t spatial = planes > 0 ? shape_numel(x_shape_) / planes : 0;
    if (is_max_) reference::global_max_pool(planes, spatial, args.in(0).as<const float>(), args.out(0).as<float>(), pool_of(args));
    else reference::global_average_pool(planes, spatial, args.in(0).as<const float>(), args.out(0).as<float>(), pool_of(args));
  }

 private:
  Shape x_shape_, y_shape_;
  bool is_max_;
};

bool max_pool_applicable(const NodeDesc& node) {
  if (node.outputs.size() > 1 && node.outputs[1]) return false;  // Indices
  return all_plain(node, DType::f32) || all_plain(node, DType::u8) || all_plain(node, DType::i8);
}
bool f32_applicable(const NodeDesc& node) { return all_plain(node, DType::f32); }

std::unique_ptr<OpKernel> create_max_pool(const NodeDesc& node) {
  return std::make_unique<ReferencePoolKernel>(ir::pool_desc_from_attrs(node.attrs(), node.input(0).shape), true,
                                               node.input(0).dtype);
}
std::unique_ptr<OpKernel> create_average_pool(const NodeDesc& node) {
  return std::make_unique<ReferencePoolKernel>(ir::pool_desc_from_attrs(node.attrs(), node.input(0).shape), false,
                                               DType::f32);
}

void check_global_pool_input(const NodeDesc& node) {
  const Shape& x = node.input(0).shape;
  if (x.size() < 3) throw Error(node.op_type() + ": input must have rank 3 or more");
  shape_numel(x);  // throws on unknown dimensions or overflow
}
std::unique_ptr<OpKernel> create_global_average_pool(const NodeDesc& node) {
  check_global_pool_input(node);
  return std::make_unique<ReferenceGlobalPoolKernel>(node.input(0).shape, false);
}
std::unique_ptr<OpKernel> create_global_max_pool(const NodeDesc& node) {
  check_global_pool_input(node);
  return std::make_unique<ReferenceGlobalPoolKernel>(node.input(0).shape, true);
}

}  // namespace

void add_reference_pool(std::vector<OpImplementation>& out) {
  out.push_back({"MaxPool", "reference", true, max_pool_applicable, create_max_pool});
  out.push_back({"AveragePool", "reference", true, f32_applicable, create_average_pool});
  out.push_back({"GlobalAveragePool", "reference", true, f32_applicable, create_global_average_pool});
  out.push_back({"GlobalMaxPool", "reference", true, f32_applicable, create_global_max_pool});
}

}  // namespace castnet::ops
