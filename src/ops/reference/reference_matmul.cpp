// Gemm and MatMul on the reference loops (src/reference/gemm.h), for plain f32 tensors.
#include "ops/reference/compute_kernel_util.h"
#include "ops/reference/reference_families.h"
#include "reference/gemm.h"

#include <memory>

namespace castnet::ops {

namespace {

using namespace reference_util;

class ReferenceGemmKernel final : public OpKernel {
 public:
  ReferenceGemmKernel(const reference::GemmDesc& desc, Shape a, Shape b, Shape c, bool has_c)
      : desc_(desc), a_shape_(std::move(a)), b_shape_(std::move(b)), c_shape_(std::move(c)), has_c_(has_c) {}

  std::string algorithm() const override { return "reference"; }

  void run(const KernelArgs& args) const override {
    expect_arity(args, has_c_ ? 3 : 2, 1, "Gemm");
    expect_view(args.in(0), DType::f32, a_shape_, "Gemm", "input A");
    expect_view(args.in(1), DType::f32, b_shape_, "Gemm", "input B");
    if (has_c_) expect_view(args.in(2), DType::f32, c_shape_, "Gemm", "input C");
    expect_view(args.out(0), DType::f32, {desc_.m, desc_.n}, "Gemm", "output Y");
    reference::gemm(desc_, args.in(0).as<const float>(), args.in(1).as<const float>(),
                    has_c_ ? args.in(2).as<const float>() : nullptr, args.out(0).as<float>(), pool_of(args));
  }

 private:
  reference::GemmDesc desc_;
  Shape a_shape_, b_shape_, c_shape_;
  bool has_c_;
};

std::unique_ptr<OpKernel> create_gemm(const NodeDesc& node) {
  const Shape& a = node.input(0).shape;
  const Shape& b = node.input(1).shape;
  if (a.size() != 2 || b.size() != 2) throw Error("Gemm: A and B must be 2-d");
  shape_numel(a);  // throws on unknown dimensions
  shape_numel(b);
  reference::GemmDesc d;
  d.trans_a = node.attrs().get_int("transA", 0) != 0;
  d.trans_b = node.attrs().get_int("transB", 0) != 0;
  d.alpha = node.attrs().get_float("alpha", 1.f);
  d.beta = node.attrs().get_float("beta", 1.f);
  d.m = d.trans_a ? a[1] : a[0];
  d.k = d.trans_a ? a[0] : a[1];
  d.n = d.trans_b ? b[0] : b[1];
  if ((d.trans_b ? b[1] : b[0]) != d.k) throw Error("Gemm: inner dimensions of A and B differ");
  Shape c;
  if (node.has_input(2)) {
    c = node.input(2).shape;
    if (c.size() > 2) throw Error("Gemm: C must have rank 2 or less");
    d.c_rows = c.size() == 2 ? c[0] : 1;
    d.c_cols = c.empty() ? 1 : c.back();
    if ((d.c_rows != 1 && d.c_rows != d.m) || (d.c_cols != 1 && d.c_cols != d.n))
      throw Error("Gemm: C shape " + shape_to_string(c) + " does not broadcast to the output");
  }
  return std::make_unique<ReferenceGemmKernel>(d, a, b, c, node.has_input(2));
}

class ReferenceMatMulKernel final : public OpKernel {
 public:
  ReferenceMatMulKernel(Shape a, Shape b)
      : a_shape_(std::move(a)), b_shape_(std::move(b)), y_shape_(reference::matmul_output_shape(a_shape_, b_shape_)) {}

  std::string algorithm() const override { return "reference"; }

  void run(const KernelArgs& args) const override {
    expect_arity(args, 2, 1, "MatMul");
    expect_view(args.in(0), DType::f32, a_shape_, "MatMul", "input A");
    expect_view(args.in(1), DType::f32, b_shape_, "MatMul", "input B");
    expect_view(args.out(0), DType::f32, y_shape_, "MatMul", "output Y");
    reference::matmul(a_shape_, args.in(0).as<const float>(), b_shape_, args.in(1).as<const float>(),
                      args.out(0).as<float>(), pool_of(args));
  }

 private:
  Shape a_shape_, b_shape_, y_shape_;
};

std::unique_ptr<OpKernel> create_matmul(const NodeDesc& node) {
  return std::make_unique<ReferenceMatMulKernel>(node.input(0).shape, node.input(1).shape);
}

bool f32_applicable(const NodeDesc& node) { return all_plain(node, DType::f32); }

}  // namespace

void add_reference_matmul(std::vector<OpImplementation>& out) {
  out.push_back({"Gemm", "reference", true, f32_applicable, create_gemm});
  out.push_back({"MatMul", "reference", true, f32_applicable, create_matmul});
}

}  // namespace castnet::ops
