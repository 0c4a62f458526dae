// Reference Add, Sub, Mul, Div (src/reference/elementwise.h) as OpKernels.
#include "ops/reference/reference_families.h"

#include "reference/elementwise.h"

namespace castnet::ops {
namespace {

class BinaryKernel final : public OpKernel {
 public:
  explicit BinaryKernel(BinaryOp op) : op_(op) {}
  std::string algorithm() const override { return "reference"; }
  void run(const KernelArgs& args) const override { reference::binary(op_, args.in(0), args.in(1), args.out(0)); }

 private:
  BinaryOp op_;
};

bool applicable(const NodeDesc& node) {
  return node.has_input(0) && node.has_input(1) && binary_dtype_supported(node.input(0).dtype) &&
         node.input(0).layout.kind == Layout::Kind::plain && node.input(1).layout.kind == Layout::Kind::plain;
}

template <BinaryOp Op>
std::unique_ptr<OpKernel> create(const NodeDesc&) {
  return std::make_unique<BinaryKernel>(Op);
}

template <BinaryOp Op>
OpImplementation implementation() {
  return {binary_op_name(Op), "reference", true, applicable, create<Op>};
}

}  // namespace

void add_reference_elementwise(std::vector<OpImplementation>& out) {
  out.push_back(implementation<BinaryOp::add>());
  out.push_back(implementation<BinaryOp::sub>());
  out.push_back(implementation<BinaryOp::mul>());
  out.push_back(implementation<BinaryOp::div>());
}

}  // namespace castnet::ops
