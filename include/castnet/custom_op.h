// Custom operators: add a kernel for an op type castnet does not know, or replace the algorithm
// castnet uses for one it does.
//
//   castnet::CustomOp swish;
//   swish.op_type = "Swish";
//   swish.domain = "com.example";
//   swish.infer = [](castnet::OpInferContext& ctx) {
//     ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
//   };
//   swish.compute = [](const castnet::OpKernelContext& ctx) {
//     const float* x = ctx.input(0).as<float>();
//     float* y = ctx.output(0).as<float>();
//     for (int64_t i = 0; i < ctx.output(0).numel(); ++i) y[i] = x[i] / (1 + std::exp(-x[i]));
//   };
//   castnet::register_custom_op(std::move(swish));
//   // ... then load a model whose nodes use com.example.Swish and run it as usual.
//
// Registration is process-wide and must happen before the Session that needs it is created
// (shape inference and algorithm choice happen there). Sessions created earlier are unaffected.
//
// Threads: one kernel may run on several threads at once (Session::run is thread-safe), so
// `compute` must not modify shared state without synchronising. A callback that throws makes the
// call (Session creation for `infer`/`applicable`, Session::run for `compute`) throw
// castnet::Error naming the node.
//
// Layout: custom kernels always see plain (row-major) tensors; castnet converts from its internal
// blocked layout around them.
#pragma once
#include <castnet/castnet.h>
#include <castnet/dtype.h>
#include <castnet/error.h>
#include <castnet/tensor.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace castnet {

namespace ir {
class Attributes;
class InferContext;
}  // namespace ir
namespace detail { struct CustomOpAccess; }
class ThreadPool;

// A node's attributes, read-only. A getter whose attribute is present with another type throws
// castnet::Error naming it; an absent one returns the default.
class OpAttributes {
 public:
  OpAttributes() = default;
  bool has(const std::string& name) const;
  int64_t get_int(const std::string& name, int64_t def) const;
  float get_float(const std::string& name, float def) const;
  std::string get_string(const std::string& name, const std::string& def) const;
  std::vector<int64_t> get_ints(const std::string& name, const std::vector<int64_t>& def = {}) const;
  std::vector<float> get_floats(const std::string& name, const std::vector<float>& def = {}) const;

 private:
  friend struct detail::CustomOpAccess;
  const ir::Attributes* attrs_ = nullptr;
};

// What a shape-inference callback sees of one node. Called once per node at Session creation,
// with every input's dtype and shape known.
class OpInferContext {
 public:
  const std::string& node_name() const;
  size_t num_inputs() const;          // omitted optional inputs included
  bool has_input(size_t i) const;     // false for an omitted optional input
  DType input_dtype(size_t i) const;  // throws castnet::Error if the input is absent
  const Shape& input_shape(size_t i) const;
  // The value of input i when it is known before the run (an initializer, a folded constant),
  // else null.
  const Tensor* constant_input(size_t i) const;
  size_t num_outputs() const;
  const OpAttributes& attributes() const { return attrs_; }

  // Sets output i's dtype and shape; every output must be set.
  void set_output(size_t i, DType dtype, Shape shape);
  // Rejects the node: throws castnet::Error with the node name and op type.
  [[noreturn]] void fail(const std::string& reason) const;

 private:
  friend struct detail::CustomOpAccess;
  explicit OpInferContext(ir::InferContext& ctx);
  ir::InferContext* ctx_;
  OpAttributes attrs_;
};

// One input or output of a kernel call: plain row-major data of `shape`. Inputs must not be
// written. `data` is null for an omitted optional input.
struct OpTensor {
  void* data = nullptr;
  DType dtype = DType::f32;
  std::span<const int64_t> shape;

  int64_t numel() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  template <typename T> T* as() const { return static_cast<T*>(data); }
};

// What a compute callback gets for one execution of one node.
class OpKernelContext {
 public:
  const std::string& node_name() const { return *node_name_; }
  size_t num_inputs() const { return inputs_.size(); }
  size_t num_outputs() const { return outputs_.size(); }
  const OpTensor& input(size_t i) const { return inputs_[i]; }
  const OpTensor& output(size_t i) const { return outputs_[i]; }
  const OpAttributes& attributes() const { return *attrs_; }

  // Threads of the session's pool, and a way to use them: fn(begin, end) over disjoint chunks of
  // [0, n) that together cover it, `grain` tasks at least per chunk. Returns when all are done;
  // an exception thrown by fn is rethrown here.
  int num_threads() const;
  void parallel_for(int64_t n, const std::function<void(int64_t begin, int64_t end)>& fn,
                    int64_t grain = 1) const;

 private:
  friend struct detail::CustomOpAccess;
  OpKernelContext() = default;
  const std::string* node_name_ = nullptr;
  std::span<const OpTensor> inputs_, outputs_;
  const OpAttributes* attrs_ = nullptr;
  ThreadPool* pool_ = nullptr;
};

// What an algorithm override's applicability test sees of a node.
struct OpNodeInfo {
  std::string name, op_type, domain;
  std::vector<TensorInfo> inputs;             // an omitted optional input has an empty name
  std::vector<const Tensor*> constant_inputs; // per input: its value if known before the run
  std::vector<TensorInfo> outputs;
  OpAttributes attributes;
};

using OpComputeFn = std::function<void(const OpKernelContext&)>;

// A new operator: its name, arity, shape/dtype inference and kernel.
struct CustomOp {
  std::string op_type;  // e.g. "Swish"
  std::string domain;   // e.g. "com.example"; "" (or "ai.onnx") is the default ONNX domain, where
                        // op_type must not name a built-in operator. "castnet" is reserved.
  int min_inputs = 1, max_inputs = 1;    // trailing omitted optional inputs do not count
  int min_outputs = 1, max_outputs = 1;
  std::function<void(OpInferContext&)> infer;  // required: validate and set every output
  OpComputeFn compute;                         // required
  // Optional: floating-point operations of one execution (multiply-add = 2), for profiles.
  std::function<int64_t(const OpInferContext&)> flops;
  std::string algorithm = "custom";  // the name profiles and CASTNET_VERBOSE print
};

// Registers `op` for every Session created afterwards. Throws castnet::Error if (domain, op_type)
// is already registered (built-in or custom) or the description is incomplete.
void register_custom_op(CustomOp op);

// Replaces the kernel of the built-in default-domain operator `op_type` on the nodes for which
// `applicable` (null: all) returns true, in Sessions created afterwards. Overrides registered
// later are tried first; nodes no override takes keep castnet's own kernels. Nodes a fusion pass
// absorbs into another kernel (e.g. a Relu after a Conv) no longer exist as op_type and are not
// offered: disable that fusion (Options::fuse_ops, no_fuse) to run an override on them. Nor are
// nodes that castnet runs in its internal blocked layout (elementwise ops between convolutions
// on the fast path): overrides see plain tensors only. `name` is
// the algorithm name profiles print; it must be unique for op_type. Throws castnet::Error for an
// unknown op_type, a duplicate name or a missing compute.
void override_algorithm(const std::string& op_type, const std::string& name,
                        std::function<bool(const OpNodeInfo&)> applicable, OpComputeFn compute);
// Removes an override (Sessions already created keep using it). Returns false if none matched.
bool remove_algorithm_override(const std::string& op_type, const std::string& name);

}  // namespace castnet
