#include "plan/autotune.h"

#include <castnet/error.h>

#include "core/aligned.h"
#include "core/cpu_features.h"
#include "ir/conv_params.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <limits>

#include <time.h>

namespace castnet::plan {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

bool is_conv(const std::string& op) { return op == "Conv" || op == "FusedConv"; }

// Attributes a ConvDesc already spells out.
bool is_conv_geometry(const std::string& name) {
  return name == "kernel_shape" || name == "strides" || name == "pads" || name == "dilations" || name == "group" ||
         name == "auto_pad";
}

std::string attribute_text(const ir::Attribute& a) {
  char buf[32];
  auto num = [&](double v) {
    std::snprintf(buf, sizeof buf, "%g", v);
    return std::string(buf);
  };
  std::string s;
  switch (a.kind) {
    case ir::Attribute::Kind::i: return std::to_string(a.i);
    case ir::Attribute::Kind::f: return num(a.f);
    case ir::Attribute::Kind::s: return a.s;
    case ir::Attribute::Kind::ints:
      for (size_t k = 0; k < a.ints.size(); ++k) (s += k ? "," : "") += std::to_string(a.ints[k]);
      return s;
    case ir::Attribute::Kind::floats:
      for (size_t k = 0; k < a.floats.size(); ++k) (s += k ? "," : "") += num(a.floats[k]);
      return s;
    case ir::Attribute::Kind::strings:
      for (size_t k = 0; k < a.strings.size(); ++k) (s += k ? "," : "") += a.strings[k];
      return s;
    case ir::Attribute::Kind::tensor: return a.t ? "tensor" + shape_to_string(a.t->shape()) : "tensor";
  }
  return "?";
}

// Keeps a key one printable field: the cache file separates fields with tabs and lines with
// newlines, and a hostile model's attribute strings may hold either.
std::string printable(std::string s) {
  for (char& c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
  return s;
}

// Buffers of a node's real shapes and layouts for timing its candidates: constant inputs are the
// node's own tensors, the others are filled with small finite values (no NaN or denormal slows
// a kernel down), outputs start zeroed (their pages faulted in before any timing).
class ScratchBuffers {
 public:
  explicit ScratchBuffers(const ops::NodeDesc& node) {
    for (const ir::Value* v : node.inputs) inputs_.push_back(view(v, /*fill=*/true));
    for (const ir::Value* v : node.outputs) outputs_.push_back(view(v, /*fill=*/false));
  }

  // Time of one run in ns. One thread: the median of the calling thread's CPU time (the whole run
  // is on it, and time the machine gives to other processes does not count). Several: the fastest
  // wall time, as a descheduled worker delays a whole run and on a shared machine most runs
  // carry some such delay. Gives up early when both warm-up runs took more than `give_up_ns`:
  // the candidate cannot win.
  double run_ns(const ops::OpKernel& kernel, const Context& ctx, double give_up_ns) {
    AlignedBuffer workspace(std::max<size_t>(kernel.workspace_bytes(), kAlignment));
    ops::KernelArgs args;
    args.inputs = inputs_.data();
    args.num_inputs = inputs_.size();
    args.outputs = outputs_.data();
    args.num_outputs = outputs_.size();
    args.workspace = workspace.data();
    args.ctx = &ctx;
    const bool cpu_clock = !ctx.pool || ctx.pool->size() == 1;
    auto once = [&] {
      if (cpu_clock) {
        const double t0 = thread_cpu_ns();
        kernel.run(args);
        return thread_cpu_ns() - t0;
      }
      const Clock::time_point t0 = Clock::now();
      kernel.run(args);
      return seconds_since(t0) * 1e9;
    };
    // Two warm-up runs: page faults in fresh buffers, weights into cache, workers awake.
    const double first = once();
    const double second = once();
    if (std::min(first, second) > give_up_ns) return std::min(first, second);
    const int reps = second < 1e6 ? 9 : second < 1e7 ? 5 : 3;
    std::vector<double> t;
    for (int r = 0; r < reps; ++r) t.push_back(once());
    if (!cpu_clock) return *std::min_element(t.begin(), t.end());
    std::nth_element(t.begin(), t.begin() + reps / 2, t.end());
    return t[static_cast<size_t>(reps / 2)];
  }

 private:
  TensorView view(const ir::Value* v, bool fill) {
    if (!v) return {};
    TensorView t{nullptr, v->dtype, v->shape, v->layout};
    if (v->constant) {
      t.data = const_cast<void*>(v->constant->data());
      return t;
    }
    const size_t bytes = t.nbytes();
    buffers_.emplace_back(std::max(align_up(bytes), kAlignment));
    t.data = buffers_.back().data();
    if (fill && v->dtype == DType::f32) {
      float* p = buffers_.back().as<float>();
      for (size_t i = 0; i < bytes / sizeof(float); ++i) p[i] = static_cast<float>(static_cast<int>(i % 17) - 8) * 0.0625f;
    } else {
      std::memset(t.data, 0, bytes);
    }
    return t;
  }

  std::vector<AlignedBuffer> buffers_;
  std::vector<TensorView> inputs_, outputs_;
};

std::string milliseconds(double ns) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f ms", ns / 1e6);
  return buf;
}

}  // namespace

const char* selection_name(Selection s) {
  switch (s) {
    case Selection::rule: return "cost rule";
    case Selection::forced: return "CASTNET_CONV_ALGO";
    case Selection::timed: return "autotune";
    case Selection::cached: return "autotune cache";
  }
  return "?";
}

AutotuneKey autotune_key(const ops::NodeDesc& node, const Context& ctx) {
  AutotuneKey key;
  key.op_type = node.op_type();
  // The CPU model travels with the ISA: a cache copied to another machine with the same ISA but
  // other caches and core counts is not trusted there.
  key.isa = std::string(isa_name(ctx.isa)) + "@" + printable(CpuFeatures::host().brand);
  key.threads = ctx.pool ? ctx.pool->size() : 1;
  const bool conv = is_conv(node.op_type()) && node.has_input(0) && node.has_input(1);
  std::string problem;
  if (conv) {
    try {
      problem = ir::conv_desc_from_attrs(node.attrs(), node.input(0).shape, node.input(1).shape).to_string();
    } catch (const Error&) {
      problem.clear();  // invalid geometry: described by shapes below; creating a kernel reports it
    }
  }
  const bool geometry_in_problem = !problem.empty();
  if (problem.empty()) {
    for (size_t i = 0; i < node.inputs.size(); ++i)
      (problem += i ? "," : "") += node.has_input(i) ? shape_to_string(node.input(i).shape) : std::string("-");
  }
  if (node.has_input(0)) problem += std::string(" ") + dtype_name(node.input(0).dtype) + " x=" + node.input(0).layout.to_string();
  if (!node.outputs.empty() && node.outputs[0]) problem += " y=" + node.output(0).layout.to_string();
  for (const auto& [name, a] : node.attrs().all())
    if (!geometry_in_problem || !is_conv_geometry(name)) problem += " " + name + "=" + attribute_text(a);
  // Inputs past the ones every conv has (the fused residual) change the epilogue's cost.
  for (size_t i = 3; conv && i < node.inputs.size(); ++i)
    if (node.has_input(i)) problem += " +input" + std::to_string(i);
  key.problem = printable(problem);
  return key;
}

Autotuner::Choice Autotuner::choose(const ops::NodeDesc& node,
                                    const std::vector<const ops::OpImplementation*>& candidates,
                                    const ops::OpImplementation& rule, const Create& create) {
  const AutotuneKey key = autotune_key(node, ctx_);
  if (const std::string* name = cache_.find(key)) {
    for (const ops::OpImplementation* c : candidates)
      if (c->name == *name) {
        ++stats_.cache_hits;
        return {create(*c), c, Selection::cached};
      }
    // Renamed, removed, or no longer supporting this node: time again, and overwrite the entry.
    if (ctx_.verbose)
      std::fprintf(stderr, "castnet: autotune %s: cached '%s' does not apply any more; timing\n", node.name().c_str(),
                   name->c_str());
  }

  const Clock::time_point t0 = Clock::now();
  ScratchBuffers scratch(node);
  // The rule's choice goes first: its time sets the give-up bar for the others.
  std::vector<const ops::OpImplementation*> order{&rule};
  for (const ops::OpImplementation* c : candidates)
    if (c != &rule) order.push_back(c);
  Choice best;
  double best_score = std::numeric_limits<double>::infinity();
  std::string report;
  for (const ops::OpImplementation* c : order) {
    std::unique_ptr<ops::OpKernel> kernel = create(*c);
    const double ns = scratch.run_ns(*kernel, ctx_, 4 * best_score);
    ++stats_.candidates_timed;
    report += (report.empty() ? "" : ", ") + c->name + " " + milliseconds(ns);
    // The rule's choice is credited the margin: others must beat it clearly.
    const double score = c == &rule ? ns * (1 - kAutotuneMargin) : ns;
    if (score < best_score) {
      best_score = score;
      best = {std::move(kernel), c, Selection::timed};
    }
  }
  ++stats_.nodes_timed;
  stats_.seconds += seconds_since(t0);
  cache_.put(key, best.implementation->name);
  if (ctx_.verbose)
    std::fprintf(stderr, "castnet: autotune %s: %s -> %s\n", node.name().c_str(), report.c_str(),
                 best.implementation->name.c_str());
  return best;
}

}  // namespace castnet::plan
