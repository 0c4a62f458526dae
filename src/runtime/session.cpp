#include <castnet/castnet.h>

#include "core/aligned.h"
#include "ir/op_schema.h"
#include "kernels/config/conv_config.h"
#include "passes/pass_manager.h"
#include "plan/autotune_cache.h"
#include "runtime/session_impl.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace castnet {
namespace {

bool env_flag(const char* name) {
  const char* v = std::getenv(name);
  return v && *v && std::strcmp(v, "0") != 0;
}

// Fixes the input shapes this session runs with: explicit overrides, then --batch, then
// symbolic dims (a symbolic leading dim defaults to 1; any other must be given).
void fix_input_shapes(ir::Graph& g, const Options& o) {
  for (const auto& [name, shape] : o.input_shapes) {
    ir::ValueId id = g.find_value(name);
    bool is_input = false;
    for (ir::ValueId in : g.inputs) is_input |= in == id;
    if (id == ir::kNoValue || !is_input) g.fail("--shape names '" + name + "', which is not a model input");
    ir::Value& v = g.value(id);
    if (v.has_shape && v.shape.size() != shape.size())
      g.fail("--shape " + name + "=" + shape_to_string(shape) + " has rank " + std::to_string(shape.size()) +
             ", the model declares rank " + std::to_string(v.shape.size()));
    for (int64_t d : shape)
      if (d < 0) g.fail("--shape " + name + " has a negative dimension");
    v.shape = shape;
    v.has_shape = true;
    v.dim_names.assign(shape.size(), "");
  }
  for (ir::ValueId id : g.inputs) {
    ir::Value& v = g.value(id);
    if (!v.has_shape) g.fail("input '" + v.name + "' has no declared shape; pass --shape " + v.name + "=...");
    if (o.batch > 0 && !v.shape.empty() && !o.input_shapes.count(v.name)) {
      v.shape[0] = o.batch;
      if (!v.dim_names.empty()) v.dim_names[0].clear();
    }
    for (size_t d = 0; d < v.shape.size(); ++d) {
      if (v.shape[d] >= 0) continue;
      std::string sym = d < v.dim_names.size() && !v.dim_names[d].empty() ? v.dim_names[d] : "?";
      if (d == 0) {
        v.shape[0] = 1;
      } else {
        g.fail("input '" + v.name + "' dimension " + std::to_string(d) + " ('" + sym +
               "') is not fixed; pass --shape " + v.name + "=...");
      }
    }
    v.dim_names.assign(v.shape.size(), "");
    shape_numel(v.shape);  // rejects overflow
  }
}

TensorInfo info_of(const ir::Value& v) {
  TensorInfo t;
  t.name = v.name;
  t.dtype = v.dtype;
  t.shape = v.shape;
  return t;
}

}  // namespace

SessionImpl::SessionImpl(const Model& model, const Options& options)
    : options_(options), graph_(model.graph()) {
  options_.verbose = options_.verbose || env_flag("CASTNET_VERBOSE");
  ctx_.cpu = &CpuFeatures::host();
  ctx_.isa = resolve_isa(options_.isa, *ctx_.cpu);
  ctx_.verbose = options_.verbose;
  options_.autotune = options_.autotune || env_flag("CASTNET_AUTOTUNE");
  ctx_.autotune = options_.autotune;
  if (ctx_.autotune) ctx_.autotune_cache = plan::default_autotune_cache_path();

  fix_input_shapes(graph_, options_);
  ir::infer_shapes(graph_);
  // The reference ISA runs the graph as written: the oracle every rewrite is checked against.
  passes::CompileOptions copts;
  copts.verbose = options_.verbose;
  copts.patterns = passes::resolve_fusion_patterns(options_.fuse_level, options_.fuse_ops);
  if (ctx_.isa == Isa::reference) copts.patterns.clear();
  copts.frozen_nodes.insert(options_.no_fuse.begin(), options_.no_fuse.end());
  copts.nchwc_block = ctx_.isa == Isa::reference ? 0 : kernels::nchwc_block(ctx_.isa);
  passes::run_passes(graph_, copts);

  int threads = options_.threads > 0 ? options_.threads : CpuFeatures::host().hardware_threads;
  options_.threads = threads;
  pool_ = std::make_unique<ThreadPool>(threads);
  ctx_.pool = pool_.get();
  plan_ = plan::build_plan(graph_, ctx_);
  poison_ = env_flag("CASTNET_POISON");
}

std::vector<TensorInfo> SessionImpl::input_infos() const {
  std::vector<TensorInfo> r;
  for (ir::ValueId id : graph_.inputs) r.push_back(info_of(graph_.value(id)));
  return r;
}

std::vector<TensorInfo> SessionImpl::output_infos() const {
  std::vector<TensorInfo> r;
  for (ir::ValueId id : graph_.outputs) r.push_back(info_of(graph_.value(id)));
  return r;
}

std::vector<Tensor> SessionImpl::run(const NamedTensors& inputs, StepObserver* observer) const {
  const size_t nin = graph_.inputs.size();
  std::vector<const Tensor*> bound(nin, nullptr);
  for (const auto& [name, tensor] : inputs) {
    size_t k = 0;
    while (k < nin && graph_.value(graph_.inputs[k]).name != name) ++k;
    if (k == nin) throw Error("'" + name + "' is not an input of this model", graph_.source);
    if (bound[k]) throw Error("input '" + name + "' given twice", graph_.source);
    const ir::Value& v = graph_.value(graph_.inputs[k]);
    if (tensor.dtype() != v.dtype)
      throw Error(std::string("input '") + name + "' is " + dtype_name(tensor.dtype()) + ", expected " +
                  dtype_name(v.dtype), graph_.source);
    if (tensor.shape() != v.shape)
      throw Error("input '" + name + "' has shape " + shape_to_string(tensor.shape()) + ", this session expects " +
                  shape_to_string(v.shape), graph_.source);
    if (tensor.layout().kind != Layout::Kind::plain)
      throw Error("input '" + name + "' must be in plain layout", graph_.source);
    bound[k] = &tensor;
  }
  for (size_t k = 0; k < nin; ++k)
    if (!bound[k]) throw Error("input '" + graph_.value(graph_.inputs[k]).name + "' not given", graph_.source);

  // Per-run memory: activations and scratch are private to this call, so runs can overlap.
  std::unique_ptr<RunMemory> memory = acquire_memory();
  struct Release {
    const SessionImpl* self;
    std::unique_ptr<RunMemory>& m;
    ~Release() { self->release_memory(std::move(m)); }
  } release{this, memory};
  AlignedBuffer& arena = memory->arena;
  AlignedBuffer& workspace = memory->workspace;
  if (poison_) {
    float nan = std::numeric_limits<float>::quiet_NaN();
    float* p = arena.as<float>();
    for (size_t i = 0; i < plan_.arena_bytes / sizeof(float); ++i) p[i] = nan;
  }
  std::vector<Tensor> outputs;
  outputs.reserve(graph_.outputs.size());
  for (ir::ValueId id : graph_.outputs) {
    const ir::Value& v = graph_.value(id);
    outputs.emplace_back(v.dtype, v.shape);
    if (poison_ && v.dtype == DType::f32) {
      float* p = outputs.back().data_as<float>();
      for (int64_t i = 0; i < outputs.back().numel(); ++i) p[i] = std::numeric_limits<float>::quiet_NaN();
    }
  }

  auto view = [&](ir::ValueId id) -> TensorView {
    if (id == ir::kNoValue) return {};
    const ir::Value& v = graph_.value(id);
    const plan::Slot& s = plan_.slots[static_cast<size_t>(id)];
    TensorView t{nullptr, v.dtype, v.shape, v.layout};
    switch (s.kind) {
      case plan::Slot::Kind::constant: t.data = const_cast<void*>(v.constant->data()); break;
      case plan::Slot::Kind::input: t.data = const_cast<void*>(bound[static_cast<size_t>(s.input_index)]->data()); break;
      case plan::Slot::Kind::arena: t.data = arena.data() + s.offset; break;
      case plan::Slot::Kind::output: t.data = outputs[static_cast<size_t>(s.output_index)].data(); break;
      case plan::Slot::Kind::unused: break;
    }
    return t;
  };

  std::vector<TensorView> in_views, out_views;
  for (size_t si = 0; si < plan_.steps.size(); ++si) {
    const plan::Step& step = plan_.steps[si];
    in_views.clear();
    out_views.clear();
    for (ir::ValueId id : step.inputs) in_views.push_back(view(id));
    for (ir::ValueId id : step.outputs) out_views.push_back(view(id));
    ops::KernelArgs args;
    args.inputs = in_views.data();
    args.num_inputs = in_views.size();
    args.outputs = out_views.data();
    args.num_outputs = out_views.size();
    args.workspace = workspace.data();
    args.ctx = &ctx_;
    if (observer) observer->before_step(si);
    step.kernel->run(args);
    if (observer) observer->after_step(si);
  }

  // Outputs no step writes (a graph input or a folded constant passed straight through).
  for (size_t i = 0; i < graph_.outputs.size(); ++i) {
    const plan::Slot& s = plan_.slots[static_cast<size_t>(graph_.outputs[i])];
    if (s.kind == plan::Slot::Kind::output && s.output_index == static_cast<int>(i)) continue;
    TensorView src = view(graph_.outputs[i]);
    std::memcpy(outputs[i].data(), src.data, outputs[i].nbytes());
  }
  return outputs;
}

std::unique_ptr<SessionImpl::RunMemory> SessionImpl::acquire_memory() const {
  {
    std::lock_guard<std::mutex> lock(memory_mu_);
    if (!free_memory_.empty()) {
      std::unique_ptr<RunMemory> m = std::move(free_memory_.back());
      free_memory_.pop_back();
      return m;
    }
  }
  auto m = std::make_unique<RunMemory>();
  m->arena = AlignedBuffer(plan_.arena_bytes);
  m->workspace = AlignedBuffer(plan_.workspace_bytes);
  return m;
}

void SessionImpl::release_memory(std::unique_ptr<RunMemory> m) const {
  if (!m) return;
  std::lock_guard<std::mutex> lock(memory_mu_);
  free_memory_.push_back(std::move(m));
}

std::vector<std::pair<std::string, int>> fusion_patterns() {
  std::vector<std::pair<std::string, int>> r;
  for (size_t i = 0; i < passes::kFusionPatternCount; ++i)
    r.emplace_back(passes::kFusionPatterns[i].name, passes::kFusionPatterns[i].level);
  return r;
}

// ---- public Session ----------------------------------------------------------------------------

Session::Session(const Model& model, const Options& options)
    : impl_(std::make_unique<SessionImpl>(model, options)) {}
Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

std::vector<TensorInfo> Session::inputs() const { return impl_->input_infos(); }
std::vector<TensorInfo> Session::outputs() const { return impl_->output_infos(); }
std::vector<Tensor> Session::run(const NamedTensors& inputs) const { return impl_->run(inputs); }

}  // namespace castnet
