// Custom operators (include/castnet/custom_op.h) on top of the internal registries: each custom op
// becomes an ir::OpSchema whose inference calls the user's callback through the public view, and
// every op type with custom kernels (new ops or overrides) gets one dispatching OpImplementation,
// placed ahead of the built-ins, that picks the user's entry for a node and wraps it in an
// OpKernel.
//
// The dispatcher is registered as a reference implementation: that makes the plan offer it on
// every ISA (a model with a custom op must also run under --isa reference) and only for nodes
// whose tensors are all in plain layout, the only layout user code is given.
#include <castnet/custom_op.h>

#include <castnet/error.h>

#include "core/context.h"
#include "core/tensor_view.h"
#include "core/thread_pool.h"
#include "ir/op_schema.h"
#include "ops/op_kernel.h"
#include "ops/op_registry.h"

#include <array>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

namespace castnet {

// The one place allowed to build the public views from internal objects.
struct detail::CustomOpAccess {
  static OpAttributes attributes(const ir::Attributes& a) {
    OpAttributes r;
    r.attrs_ = &a;
    return r;
  }
  static OpInferContext infer_context(ir::InferContext& c) { return OpInferContext(c); }
  static OpKernelContext kernel_context(const std::string& node, std::span<const OpTensor> inputs,
                                        std::span<const OpTensor> outputs, const OpAttributes& attrs,
                                        ThreadPool* pool) {
    OpKernelContext k;
    k.node_name_ = &node;
    k.inputs_ = inputs;
    k.outputs_ = outputs;
    k.attrs_ = &attrs;
    k.pool_ = pool;
    return k;
  }
};

using detail::CustomOpAccess;

// ---- OpAttributes --------------------------------------------------------------------------------

namespace {
const ir::Attributes& empty_attributes() {
  static const ir::Attributes kEmpty;
  return kEmpty;
}
}  // namespace

bool OpAttributes::has(const std::string& name) const { return attrs_ && attrs_->has(name); }
int64_t OpAttributes::get_int(const std::string& name, int64_t def) const {
  return (attrs_ ? *attrs_ : empty_attributes()).get_int(name, def);
}
float OpAttributes::get_float(const std::string& name, float def) const {
  return (attrs_ ? *attrs_ : empty_attributes()).get_float(name, def);
}
std::string OpAttributes::get_string(const std::string& name, const std::string& def) const {
  return (attrs_ ? *attrs_ : empty_attributes()).get_string(name, def);
}
std::vector<int64_t> OpAttributes::get_ints(const std::string& name, const std::vector<int64_t>& def) const {
  return (attrs_ ? *attrs_ : empty_attributes()).get_ints(name, def);
}
std::vector<float> OpAttributes::get_floats(const std::string& name, const std::vector<float>& def) const {
  return (attrs_ ? *attrs_ : empty_attributes()).get_floats(name, def);
}

// ---- OpInferContext ------------------------------------------------------------------------------

OpInferContext::OpInferContext(ir::InferContext& ctx)
    : ctx_(&ctx), attrs_(CustomOpAccess::attributes(ctx.attrs())) {}

const std::string& OpInferContext::node_name() const { return ctx_->node().name; }
size_t OpInferContext::num_inputs() const { return ctx_->num_inputs(); }
bool OpInferContext::has_input(size_t i) const { return ctx_->has_input(i); }
DType OpInferContext::input_dtype(size_t i) const { return ctx_->input(i).dtype; }
const Shape& OpInferContext::input_shape(size_t i) const { return ctx_->input_shape(i); }
const Tensor* OpInferContext::constant_input(size_t i) const { return ctx_->constant_input(i); }
size_t OpInferContext::num_outputs() const { return ctx_->num_outputs(); }

void OpInferContext::set_output(size_t i, DType dtype, Shape shape) {
  if (i >= ctx_->num_outputs())
    fail("set_output(" + std::to_string(i) + "): the node has " + std::to_string(ctx_->num_outputs()) + " outputs");
  for (int64_t d : shape)
    if (d < 0) fail("output " + std::to_string(i) + " given the shape " + shape_to_string(shape) +
                    "; every dimension must be known");
  ctx_->set_output(i, dtype, std::move(shape));
}

void OpInferContext::fail(const std::string& reason) const { ctx_->fail(reason); }

// ---- OpKernelContext -----------------------------------------------------------------------------

int OpKernelContext::num_threads() const { return pool_ ? pool_->size() : 1; }

void OpKernelContext::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn,
                                   int64_t grain) const {
  if (n <= 0) return;
  if (!pool_ || pool_->size() <= 1) {
    fn(0, n);
    return;
  }
  // An exception must not escape a worker thread: keep the first and rethrow it on the caller's.
  std::mutex mu;
  std::exception_ptr first;
  pool_->parallel_for(
      n,
      [&](int64_t begin, int64_t end, int) {
        try {
          fn(begin, end);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!first) first = std::current_exception();
        }
      },
      grain);
  if (first) std::rethrow_exception(first);
}

// ---- registry ------------------------------------------------------------------------------------

namespace {

std::string normalise_domain(const std::string& domain) { return domain == "ai.onnx" ? std::string() : domain; }

std::string qualified(const std::string& domain, const std::string& op_type) {
  return domain.empty() ? op_type : domain + "." + op_type;
}

// One kernel a user supplied for an op type: a new operator's, or an override of a built-in's.
struct Entry {
  bool is_override = false;
  std::string op_type;
  std::string domain;     // the node domain a custom op's entry serves; "" for overrides
  std::string algorithm;  // what profiles print
  std::string label;      // how errors name it: "example.Swish", "Relu override 'my_relu'"
  std::function<bool(const OpNodeInfo&)> applicable;  // overrides only; null = every node
  OpComputeFn compute;
};

struct Registry {
  std::mutex mu;
  // Per op type, newest first. Entries are immutable and shared with the kernels made from them,
  // so removing one never pulls code from under a running session.
  std::map<std::string, std::vector<std::shared_ptr<const Entry>>> by_op;
  std::set<std::string> dispatching;  // op types whose dispatcher is in the ops registry
};

Registry& registry() {
  static Registry* r = new Registry;  // never destroyed: sessions may outlive static teardown
  return *r;
}

// Runs a user callback; whatever it throws becomes a castnet::Error naming the node.
template <typename Fn>
auto call_user(const std::string& label, const std::string& what, const std::string& node, Fn&& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    throw Error(label + ": " + what + ": " + e.reason(), e.file(), e.node().empty() ? node : e.node());
  } catch (const std::exception& e) {
    throw Error(label + ": " + what + ": " + e.what(), {}, node);
  } catch (...) {
    throw Error(label + ": " + what + " threw a non-standard exception", {}, node);
  }
}

TensorInfo tensor_info(const ir::Value* v) {
  TensorInfo t;
  if (!v) return t;
  t.name = v->name;
  t.dtype = v->dtype;
  t.shape = v->shape;
  return t;
}

OpNodeInfo node_info(const ops::NodeDesc& d) {
  OpNodeInfo info;
  info.name = d.name();
  info.op_type = d.op_type();
  info.domain = d.node->domain;
  for (const ir::Value* v : d.inputs) {
    info.inputs.push_back(tensor_info(v));
    info.constant_inputs.push_back(v ? v->constant.get() : nullptr);
  }
  for (const ir::Value* v : d.outputs) info.outputs.push_back(tensor_info(v));
  info.attributes = CustomOpAccess::attributes(d.attrs());
  return info;
}

class CustomKernel final : public ops::OpKernel {
 public:
  CustomKernel(std::shared_ptr<const Entry> entry, const ops::NodeDesc& d)
      : entry_(std::move(entry)), node_name_(d.name()), attrs_(d.attrs()),
        public_attrs_(CustomOpAccess::attributes(attrs_)) {}
  CustomKernel(const CustomKernel&) = delete;
  CustomKernel& operator=(const CustomKernel&) = delete;

  std::string algorithm() const override { return entry_->algorithm; }

  void run(const ops::KernelArgs& args) const override {
    // Small fixed arrays keep the common case free of allocation; vectors take the rest.
    constexpr size_t kInline = 8;
    std::array<OpTensor, kInline> in_inline, out_inline;
    std::vector<OpTensor> in_heap, out_heap;
    std::span<const OpTensor> inputs = wrap(args.inputs, args.num_inputs, in_inline, in_heap);
    std::span<const OpTensor> outputs = wrap(args.outputs, args.num_outputs, out_inline, out_heap);
    OpKernelContext ctx = CustomOpAccess::kernel_context(node_name_, inputs, outputs, public_attrs_,
                                                         args.ctx ? args.ctx->pool : nullptr);
    call_user(entry_->label, "compute", node_name_, [&] { entry_->compute(ctx); });
  }

 private:
  template <size_t N>
  std::span<const OpTensor> wrap(const TensorView* views, size_t n, std::array<OpTensor, N>& fixed,
                                 std::vector<OpTensor>& heap) const {
    OpTensor* out = fixed.data();
    if (n > N) {
      heap.resize(n);
      out = heap.data();
    }
    for (size_t i = 0; i < n; ++i) {
      const TensorView& v = views[i];
      // The plan hands this (reference-class) kernel plain tensors only; refuse anything else
      // rather than let user code misread blocked data.
      if (v.data && v.layout.kind != Layout::Kind::plain)
        throw Error(entry_->label + ": got a tensor in " + v.layout.to_string() + " layout", {}, node_name_);
      out[i] = OpTensor{v.data, v.dtype, std::span<const int64_t>(v.shape.data(), v.shape.size())};
    }
    return {out, n};
  }

  std::shared_ptr<const Entry> entry_;
  std::string node_name_;
  ir::Attributes attrs_;        // a copy: the kernel may outlive the graph it was made from
  OpAttributes public_attrs_;   // views attrs_
};

// The user's entry that serves this node, or null.
std::shared_ptr<const Entry> find_entry(const ops::NodeDesc& d) {
  std::vector<std::shared_ptr<const Entry>> candidates;
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    auto it = r.by_op.find(d.op_type());
    if (it == r.by_op.end()) return nullptr;
    candidates = it->second;
  }
  const std::string domain = normalise_domain(d.node->domain);
  std::optional<OpNodeInfo> info;
  for (const auto& e : candidates) {
    if (e->domain != domain) continue;
    if (!e->is_override || !e->applicable) return e;
    if (!info) info = node_info(d);
    if (call_user(e->label, "applicability test", d.name(), [&] { return e->applicable(*info); })) return e;
  }
  return nullptr;
}

bool dispatch_applicable(const ops::NodeDesc& d) { return find_entry(d) != nullptr; }

std::unique_ptr<ops::OpKernel> dispatch_create(const ops::NodeDesc& d) {
  std::shared_ptr<const Entry> e = find_entry(d);
  if (!e) throw Error("no custom kernel applies to this node", {}, d.name());
  return std::make_unique<CustomKernel>(std::move(e), d);
}

// A custom-domain node must never reach a built-in kernel. Should a pass place one in a blocked
// layout (its op type matching a built-in that runs blocked), the reference-class dispatcher is
// not offered it and the plan would fall through to the built-in of the same name: this guard,
// offered first on fast ISAs, turns that into an error instead of silently wrong results.
bool guard_applicable(const ops::NodeDesc& d) {
  if (normalise_domain(d.node->domain).empty()) return false;
  bool plain = true;
  for (const ir::Value* v : d.inputs) plain = plain && (!v || v->layout.kind == Layout::Kind::plain);
  for (const ir::Value* v : d.outputs) plain = plain && (!v || v->layout.kind == Layout::Kind::plain);
  return !plain && find_entry(d) != nullptr;
}

std::unique_ptr<ops::OpKernel> guard_create(const ops::NodeDesc& d) {
  throw Error("custom operator " + qualified(d.node->domain, d.op_type()) +
                  " was given a blocked-layout tensor; custom kernels take plain layout only",
              {}, d.name());
}

// Adds an entry (newest first) and, the first time an op type gets one, its dispatcher. An
// override whose name its op type already has is refused (checked under the lock).
void add_entry(std::shared_ptr<const Entry> entry) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  const std::string op_type = entry->op_type;
  auto& list = r.by_op[op_type];
  if (entry->is_override)
    for (const auto& e : list)
      if (e->is_override && e->algorithm == entry->algorithm)
        throw Error("override_algorithm(" + op_type + ", '" + entry->algorithm + "'): an override of that name exists");
  list.insert(list.begin(), std::move(entry));
  if (r.dispatching.insert(op_type).second) {
    ops::OpImplementation impl;
    impl.op_type = op_type;
    impl.name = "custom";
    impl.is_reference = true;
    impl.applicable = &dispatch_applicable;
    impl.create = &dispatch_create;
    ops::register_implementation(std::move(impl));
    ops::OpImplementation guard;
    guard.op_type = op_type;
    guard.name = "custom_layout_guard";
    guard.applicable = &guard_applicable;
    guard.create = &guard_create;
    ops::register_implementation(std::move(guard));  // ahead of the dispatcher
  }
}

}  // namespace

void register_custom_op(CustomOp op) {
  op.domain = normalise_domain(op.domain);
  const std::string label = qualified(op.domain, op.op_type);
  auto reject = [&](const std::string& reason) {
    throw Error("register_custom_op(" + (label.empty() ? std::string("\"\"") : label) + "): " + reason);
  };
  if (op.op_type.empty()) reject("op_type is empty");
  if (op.domain == "castnet") reject("the domain 'castnet' is reserved for castnet's own operators");
  if (!op.infer) reject("no shape inference callback (infer)");
  if (!op.compute) reject("no compute callback");
  if (op.min_inputs < 0 || op.max_inputs < op.min_inputs) reject("input counts must satisfy 0 <= min <= max");
  if (op.min_outputs < 1 || op.max_outputs < op.min_outputs) reject("output counts must satisfy 1 <= min <= max");
  if (op.algorithm.empty()) reject("algorithm name is empty");
  if (ir::find_op_schema(op.op_type, op.domain)) reject("operator " + label + " is already registered");

  ir::OpSchema schema;
  schema.op_type = op.op_type;
  schema.domain = op.domain;
  schema.min_inputs = op.min_inputs;
  schema.max_inputs = op.max_inputs;
  schema.min_outputs = op.min_outputs;
  schema.max_outputs = op.max_outputs;
  schema.infer = [infer = op.infer](ir::InferContext& ctx) {
    // Outputs may carry shapes declared in the model file; inference must set each itself.
    for (size_t i = 0; i < ctx.num_outputs(); ++i)
      if (ctx.has_output(i)) ctx.output(i).has_shape = false;
    OpInferContext view = CustomOpAccess::infer_context(ctx);
    try {
      infer(view);
    } catch (const Error& e) {
      if (!e.node().empty()) throw;  // view.fail() has named the node already
      ctx.fail("shape inference: " + e.reason());
    } catch (const std::exception& e) {
      ctx.fail(std::string("shape inference: ") + e.what());
    } catch (...) {
      ctx.fail("shape inference threw a non-standard exception");
    }
    for (size_t i = 0; i < ctx.num_outputs(); ++i)
      if (ctx.has_output(i) && !ctx.output(i).has_shape)
        ctx.fail("shape inference did not set output " + std::to_string(i));
  };
  if (op.flops) {
    schema.flops = [flops = op.flops](const ir::InferContext& ctx) -> int64_t {
      // The view is read-only here: set_output is never reached through a const reference.
      const OpInferContext view = CustomOpAccess::infer_context(const_cast<ir::InferContext&>(ctx));
      try {
        return flops(view);
      } catch (const Error& e) {
        if (!e.node().empty()) throw;
        ctx.fail("flops: " + e.reason());
      } catch (const std::exception& e) {
        ctx.fail(std::string("flops: ") + e.what());
      }
    };
  }
  ir::register_op_schema(std::move(schema));

  auto entry = std::make_shared<Entry>();
  entry->op_type = op.op_type;
  entry->domain = op.domain;
  entry->algorithm = op.algorithm;
  entry->label = label;
  entry->compute = std::move(op.compute);
  add_entry(std::move(entry));
}

void override_algorithm(const std::string& op_type, const std::string& name,
                        std::function<bool(const OpNodeInfo&)> applicable, OpComputeFn compute) {
  auto reject = [&](const std::string& reason) {
    throw Error("override_algorithm(" + op_type + ", '" + name + "'): " + reason);
  };
  if (!ir::find_op_schema(op_type, "")) reject("no operator '" + op_type + "' in the default domain");
  if (name.empty()) reject("the name is empty");
  if (!compute) reject("no compute callback");
  auto entry = std::make_shared<Entry>();
  entry->is_override = true;
  entry->op_type = op_type;
  entry->algorithm = name;
  entry->label = op_type + " override '" + name + "'";
  entry->applicable = std::move(applicable);
  entry->compute = std::move(compute);
  add_entry(std::move(entry));
}

bool remove_algorithm_override(const std::string& op_type, const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.by_op.find(op_type);
  if (it == r.by_op.end()) return false;
  auto& list = it->second;
  for (auto e = list.begin(); e != list.end(); ++e) {
    if ((*e)->is_override && (*e)->algorithm == name) {
      list.erase(e);
      return true;
    }
  }
  return false;
}

}  // namespace castnet
