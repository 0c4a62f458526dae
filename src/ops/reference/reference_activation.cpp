// Reference activations and Softmax (src/reference/activation.h, softmax.h) as OpKernels. The
// attributes are read once, when the kernel is created.
#include "ops/reference/reference_families.h"

#include <castnet/error.h>

#include "ir/shape_rules.h"
#include "ops/reference/function_kernel.h"
#include "reference/activation.h"
#include "reference/softmax.h"

#include <limits>

namespace castnet::ops {
namespace {

bool plain_input(const NodeDesc& node) {
  return node.has_input(0) && node.input(0).layout.kind == Layout::Kind::plain;
}

// The model's default-domain opset, once NodeDesc carries it (a field `opset`). Until then the
// opset-13 meaning is assumed; it agrees with the older one whenever Softmax's axis is the last
// dimension, and the schema has already written out the old default axis (1).
template <typename Desc>
int64_t model_opset(const Desc& desc) {
  if constexpr (requires { desc.opset; }) {
    return desc.opset;
  } else {
    return 13;
  }
}

std::unique_ptr<OpKernel> create_relu(const NodeDesc&) {
  return reference_kernel([](const KernelArgs& a) { reference::relu(a.in(0), a.out(0)); });
}

std::unique_ptr<OpKernel> create_clip(const NodeDesc& node) {
  const ir::Attributes& attrs = node.attrs();
  // Before opset 11 the bounds are float attributes; from 11 on, optional inputs.
  if (attrs.has("min") || attrs.has("max")) {
    const float lo = attrs.get_float("min", std::numeric_limits<float>::lowest());
    const float hi = attrs.get_float("max", std::numeric_limits<float>::max());
    return reference_kernel([lo, hi](const KernelArgs& a) { reference::clip(a.in(0), lo, hi, a.out(0)); });
  }
  return reference_kernel([](const KernelArgs& a) {
    const TensorView* lo = a.num_inputs > 1 && a.in(1).data ? &a.in(1) : nullptr;
    const TensorView* hi = a.num_inputs > 2 && a.in(2).data ? &a.in(2) : nullptr;
    reference::clip(a.in(0), lo, hi, a.out(0));
  });
}

std::unique_ptr<OpKernel> create_leaky_relu(const NodeDesc& node) {
  const float alpha = node.attrs().get_float("alpha", 0.01f);
  return reference_kernel([alpha](const KernelArgs& a) { reference::leaky_relu(a.in(0), alpha, a.out(0)); });
}

std::unique_ptr<OpKernel> create_prelu(const NodeDesc&) {
  return reference_kernel([](const KernelArgs& a) { reference::prelu(a.in(0), a.in(1), a.out(0)); });
}

std::unique_ptr<OpKernel> create_sigmoid(const NodeDesc&) {
  return reference_kernel([](const KernelArgs& a) { reference::sigmoid(a.in(0), a.out(0)); });
}

std::unique_ptr<OpKernel> create_hard_sigmoid(const NodeDesc& node) {
  const float alpha = node.attrs().get_float("alpha", 0.2f);
  const float beta = node.attrs().get_float("beta", 0.5f);
  return reference_kernel([alpha, beta](const KernelArgs& a) { reference::hard_sigmoid(a.in(0), alpha, beta, a.out(0)); });
}

std::unique_ptr<OpKernel> create_hard_swish(const NodeDesc&) {
  return reference_kernel([](const KernelArgs& a) { reference::hard_swish(a.in(0), a.out(0)); });
}

std::unique_ptr<OpKernel> create_softmax(const NodeDesc& node) {
  const bool coerce_2d = model_opset(node) < 13;
  const auto rank = static_cast<int64_t>(node.input(0).shape.size());
  const int64_t axis = ir::normalize_axis(node.attrs().get_int("axis", coerce_2d ? 1 : -1), rank);
  return reference_kernel([axis, coerce_2d](const KernelArgs& a) { reference::softmax(a.in(0), axis, coerce_2d, a.out(0)); });
}

}  // namespace

void add_reference_activation(std::vector<OpImplementation>& out) {
  out.push_back({"Relu", "reference", true, plain_input, create_relu});
  out.push_back({"Clip", "reference", true, plain_input, create_clip});
  out.push_back({"LeakyRelu", "reference", true, plain_input, create_leaky_relu});
  out.push_back({"PRelu", "reference", true, plain_input, create_prelu});
  out.push_back({"Sigmoid", "reference", true, plain_input, create_sigmoid});
  out.push_back({"HardSigmoid", "reference", true, plain_input, create_hard_sigmoid});
  out.push_back({"HardSwish", "reference", true, plain_input, create_hard_swish});
  out.push_back({"Softmax", "reference", true, plain_input, create_softmax});
}

}  // namespace castnet::ops
