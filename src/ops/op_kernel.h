// The interface between the plan and every operator implementation.
//
// An OpImplementation is one way to execute one op type (reference loops, a GEMM-based conv, a
// Winograd conv, ...). The plan asks each implementation registered for a node's op type, in
// order, whether its cost rule picks it, and the first that does (or, under autotune, the fastest
// supporting one) creates an OpKernel for that node: the prepared state (packed weights,
// transformed filters) plus the code to run it. An OpKernel is immutable after creation: run()
// may be called from several threads at once.
#pragma once
#include "core/context.h"
#include "core/tensor_view.h"
#include "ir/attributes.h"
#include "ir/graph.h"

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace castnet::ops {

// What an implementation sees of a node: its op type, attributes and the dtype/shape/constant of
// each input and output. No graph.
struct NodeDesc {
  const ir::Node* node = nullptr;
  std::vector<const ir::Value*> inputs;   // null for an omitted optional input
  std::vector<const ir::Value*> outputs;  // null for an omitted optional output
  const Context* ctx = nullptr;
  int64_t opset = 17;  // the model's default-domain opset (semantics of some ops changed over time)

  const std::string& op_type() const { return node->op_type; }
  const std::string& name() const { return node->name; }
  const ir::Attributes& attrs() const { return node->attrs; }
  bool has_input(size_t i) const { return i < inputs.size() && inputs[i]; }
  const ir::Value& input(size_t i) const { return *inputs.at(i); }
  const ir::Value& output(size_t i) const { return *outputs.at(i); }
  const Tensor* constant_input(size_t i) const { return has_input(i) ? inputs[i]->constant.get() : nullptr; }
};

// Buffers for one execution of one step. inputs[i].data is null for an omitted optional input.
struct KernelArgs {
  const TensorView* inputs = nullptr;
  size_t num_inputs = 0;
  const TensorView* outputs = nullptr;
  size_t num_outputs = 0;
  void* workspace = nullptr;  // workspace_bytes() bytes, 64-byte aligned, private to this run
  const Context* ctx = nullptr;

  const TensorView& in(size_t i) const { return inputs[i]; }
  const TensorView& out(size_t i) const { return outputs[i]; }
};

class OpKernel {
 public:
  virtual ~OpKernel() = default;
  // The algorithm that runs, as the profiler and CASTNET_VERBOSE print it ("reference",
  // "conv_gemm_1x1_avx512", ...).
  virtual std::string algorithm() const = 0;
  // Scratch memory one run needs (per-thread buffers included).
  virtual size_t workspace_bytes() const { return 0; }
  // The layout each output is produced in; plain by default.
  virtual Layout output_layout(size_t i) const { return {}; }
  // Whether output `output` may share memory with input `input` (same size in storage): the
  // kernel reads each element of that input only while producing the same element of the
  // output, and never after. The plan then lets the output take over the input's buffer when
  // this step is the input's last reader (in-place activations, adds, fused residuals).
  virtual bool may_overwrite_input(size_t output, size_t input) const { return false; }
  virtual void run(const KernelArgs& args) const = 0;
};

// Selection has two questions: can this implementation compute the node correctly (`supports`),
// and does the static cost rule pick it (`applicable`, which implies supports). The default plan
// takes the first applicable implementation of the ordered list; the autotuner times every
// supporting non-reference one instead. An implementation with several algorithm variants
// (Winograd F(2×2) / F(4×4)) registers each as its own entry, so each is a candidate.
struct OpImplementation {
  std::string op_type;
  std::string name;         // e.g. "reference", "conv_gemm"
  bool is_reference = false;
  // Whether the static cost rule picks this implementation for the node on ctx's ISA (null:
  // always, where it supports the node).
  bool (*applicable)(const NodeDesc& node) = nullptr;
  // Prepares the kernel (packs weights once). May throw castnet::Error for invalid input.
  std::unique_ptr<OpKernel> (*create)(const NodeDesc& node) = nullptr;
  // Whether it computes the node correctly on ctx's ISA, whatever it costs (null: the same as
  // `applicable`, for implementations without a cost rule).
  bool (*supports)(const NodeDesc& node) = nullptr;

  bool can_run(const NodeDesc& node) const {
    return supports ? supports(node) : !applicable || applicable(node);
  }
  bool preferred(const NodeDesc& node) const { return applicable ? applicable(node) : !supports || supports(node); }
};

}  // namespace castnet::ops
