// Reference tensor and shape ops (src/reference/tensor_ops.h) as OpKernels. Ops that only
// relabel (Reshape, Flatten, Identity, Dropout, Squeeze, Unsqueeze) copy bytes; the planner may
// alias their output to their input instead. Parameters that must be constant (Slice's ranges,
// Pad's pads, ...) are resolved once, when the kernel is created, with the rules shape inference
// used (ir/shape_rules.h).
#include "ops/reference/reference_families.h"

#include <castnet/error.h>

#include "ir/shape_rules.h"
#include "ops/reference/function_kernel.h"
#include "reference/tensor_ops.h"

#include <cstring>

namespace castnet::ops {
namespace {

bool plain_inputs(const NodeDesc& node) {
  for (const ir::Value* v : node.inputs)
    if (v && v->layout.kind != Layout::Kind::plain) return false;
  return true;
}

// The value of input i, which must be known when the kernel is created.
const Tensor& constant_input(const NodeDesc& node, size_t i, const char* what) {
  const Tensor* t = node.constant_input(i);
  if (!t) throw Error(std::string(what) + " must be constant (known at load time)");
  return *t;
}

int64_t input_rank(const NodeDesc& node) { return static_cast<int64_t>(node.input(0).shape.size()); }

std::unique_ptr<OpKernel> create_copy(const NodeDesc&) {
  return reference_kernel([](const KernelArgs& a) { reference::copy(a.in(0), a.out(0)); });
}

std::unique_ptr<OpKernel> create_dropout(const NodeDesc&) {
  return reference_kernel([](const KernelArgs& a) {
    reference::copy(a.in(0), a.out(0));
    if (a.num_outputs > 1 && a.out(1).data) {
      const uint8_t keep = 1;  // inference keeps every element
      reference::fill(&keep, a.out(1));
    }
  });
}

std::unique_ptr<OpKernel> create_transpose(const NodeDesc& node) {
  std::vector<int64_t> perm = ir::transpose_perm(node.attrs(), node.input(0).shape.size());
  return reference_kernel([perm](const KernelArgs& a) { reference::transpose(a.in(0), perm, a.out(0)); });
}

std::unique_ptr<OpKernel> create_concat(const NodeDesc& node) {
  const auto axis = static_cast<size_t>(ir::normalize_axis(node.attrs().get_int("axis", 0), input_rank(node)));
  return reference_kernel([axis](const KernelArgs& a) {
    std::vector<TensorView> xs(a.inputs, a.inputs + a.num_inputs);
    reference::concat(xs, axis, a.out(0));
  });
}

std::unique_ptr<OpKernel> create_pad(const NodeDesc& node) {
  const ir::Attributes& attrs = node.attrs();
  const std::string mode = attrs.get_string("mode", "constant");
  if (mode != "constant") throw Error("mode '" + mode + "' is unsupported (only 'constant')");
  // Before opset 11 pads and value are attributes; from 11 on, inputs.
  if (attrs.has("pads")) {
    std::vector<int64_t> pads = attrs.get_ints("pads");
    const float value = attrs.get_float("value", 0.f);
    return reference_kernel([pads, value](const KernelArgs& a) {
      if (a.in(0).dtype != DType::f32) throw Error("Pad: a value attribute needs f32 data");
      reference::pad_constant(a.in(0), pads, &value, a.out(0));
    });
  }
  std::vector<int64_t> pads = ir::int_values(constant_input(node, 1, "pads"));
  return reference_kernel([pads](const KernelArgs& a) {
    const void* value = a.num_inputs > 2 && a.in(2).data ? a.in(2).data : nullptr;
    if (value && a.in(2).numel() != 1) throw Error("Pad: constant_value must be a scalar");
    reference::pad_constant(a.in(0), pads, value, a.out(0));
  });
}

std::unique_ptr<OpKernel> create_gather(const NodeDesc& node) {
  const auto axis = static_cast<size_t>(ir::normalize_axis(node.attrs().get_int("axis", 0), input_rank(node)));
  return reference_kernel([axis](const KernelArgs& a) { reference::gather(a.in(0), a.in(1), axis, a.out(0)); });
}

std::unique_ptr<OpKernel> create_slice(const NodeDesc& node) {
  static const char* const names[] = {"", "starts", "ends", "axes", "steps"};
  std::vector<int64_t> params[5];
  for (size_t i = 1; i < 5; ++i)
    if (node.has_input(i)) params[i] = ir::int_values(constant_input(node, i, names[i]));
  ir::SliceRanges r = ir::resolve_slice(node.input(0).shape, params[1], params[2], params[3], params[4]);
  return reference_kernel([starts = r.starts, steps = r.steps](const KernelArgs& a) {
    reference::slice(a.in(0), starts, steps, a.out(0));
  });
}

std::unique_ptr<OpKernel> create_cast(const NodeDesc&) {
  return reference_kernel([](const KernelArgs& a) { reference::cast(a.in(0), a.out(0)); });
}

std::unique_ptr<OpKernel> create_shape(const NodeDesc& node) {
  const ir::Attributes attrs = node.attrs();
  return reference_kernel([attrs](const KernelArgs& a) {
    const Shape& in = a.in(0).shape;
    auto [start, end] = ir::shape_window(attrs, static_cast<int64_t>(in.size()));
    reference::write_dims(Shape(in.begin() + start, in.begin() + end), a.out(0));
  });
}

std::unique_ptr<OpKernel> create_constant_of_shape(const NodeDesc& node) {
  std::shared_ptr<const Tensor> value = node.attrs().get_tensor("value");
  if (!value) value = std::make_shared<const Tensor>(Tensor::from_vector<float>({1}, {0.f}));
  if (value->numel() != 1) throw Error("value must hold exactly one element");
  return reference_kernel([value](const KernelArgs& a) {
    if (a.out(0).dtype != value->dtype()) throw Error("ConstantOfShape: output dtype differs from value");
    reference::fill(value->data(), a.out(0));
  });
}

// The value shape inference folded (Constant nodes are normally gone before kernels are chosen).
std::unique_ptr<OpKernel> create_constant(const NodeDesc& node) {
  std::shared_ptr<const Tensor> value = node.outputs.empty() || !node.outputs[0] ? nullptr : node.outputs[0]->constant;
  if (!value) throw Error("the constant's value was not set by shape inference");
  return reference_kernel([value](const KernelArgs& a) { reference::copy(TensorView::of(*value), a.out(0)); });
}

}  // namespace

void add_reference_tensor(std::vector<OpImplementation>& out) {
  for (const char* relabel : {"Flatten", "Reshape", "Identity", "Squeeze", "Unsqueeze"})
    out.push_back({relabel, "reference", true, plain_inputs, create_copy});
  out.push_back({"Dropout", "reference", true, plain_inputs, create_dropout});
  out.push_back({"Transpose", "reference", true, plain_inputs, create_transpose});
  out.push_back({"Concat", "reference", true, plain_inputs, create_concat});
  out.push_back({"Pad", "reference", true, plain_inputs, create_pad});
  out.push_back({"Gather", "reference", true, plain_inputs, create_gather});
  out.push_back({"Slice", "reference", true, plain_inputs, create_slice});
  out.push_back({"Cast", "reference", true, plain_inputs, create_cast});
  out.push_back({"Shape", "reference", true, plain_inputs, create_shape});
  out.push_back({"ConstantOfShape", "reference", true, plain_inputs, create_constant_of_shape});
  out.push_back({"Constant", "reference", true, plain_inputs, create_constant});
}

}  // namespace castnet::ops
