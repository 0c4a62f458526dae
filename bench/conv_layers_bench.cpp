// Per-layer convolution benchmark: every distinct convolution of ResNet-50 v1.5 and MobileNetV2
// at batch 1, castnet beside oneDNN (when built with it) on the same shapes in the same process.
// For each shape: castnet's time, GFLOP/s, % of the FMA peak measured at startup on the same
// thread count, the algorithm the plan chose; oneDNN's time and implementation; their ratio.
//
//   ./build/bench/conv_layers_bench                          1 thread, 1 round
//   ./build/bench/conv_layers_bench --threads 2 --rounds 3 --json conv_layers.json
//
//   --threads N        threads for both engines (castnet's pool; oneDNN's OpenMP runtime)
//   --rounds R         measure every shape R times, interleaved; each figure is the median of the
//                      per-round medians (the machine is shared and noisy)
//   --min-time S       seconds of timed calls per shape, engine and round (default 0.1)
//   --net NAME         resnet50 | mobilenetv2 | all (default all)
//   --filter TEXT      only shapes whose problem string contains TEXT
//   --dnnl-algo A      best (default: the faster of oneDNN's own choice and its Winograd, where it
//                      has one, as castnet may pick Winograd) | auto | direct | winograd
//   --no-dnnl          castnet only
//   --in-session       time castnet's conv step inside whole Session runs (StepObserver) instead
//                      of calling its prepared kernel back to back
//   --clock C          wall (default) | cpu: with --threads 1, time each call by the thread's CPU
//                      time, which leaves out time spent descheduled on a busy machine
//   --json FILE        also write every row and the summary as JSON
//
// What is timed, and why the comparison is fair:
// - Both engines compute the same convolution: fp32, with bias, no post-op, the same weights and
//   input. Once per shape the two outputs are compared (relative L2 error, printed).
// - Layouts are each engine's own choice, as inside a network: castnet's conv reads and writes its
//   channel-blocked NCHWc tensors; oneDNN is given format_tag::any for source, weights and
//   destination and picks its blocked formats. Reorders into those formats happen before timing,
//   weight packing once at preparation, on both sides. A conv that reads the network's input (the
//   stem) reads plain NCHW in castnet, as it does in the network.
// - Timing: each engine runs its convolution back to back, and every call is timed on its own —
//   castnet's prepared kernel (OpKernel::run with the buffers the executor would pass, so no
//   executor bookkeeping) and oneDNN's primitive (execute + stream wait). Per-call median.
//   --in-session times the same conv step through a StepObserver inside full Session::run calls;
//   there the weights may have left the caches between calls (the other steps run in between).
// - Engines alternate shape by shape, in alternating order from round to round, with a short
//   sleep between them so OpenMP's spinning workers are asleep before castnet's pool starts.
// - Each convolution runs alone: the block fusions a whole network gets (a depthwise conv and the
//   1×1 after it as one castnet.DwsepConv, for one) are not measured here.
// - On a machine busy with other work, prefer --clock cpu at one thread: wall-clock medians of
//   calls longer than a scheduler time slice are inflated by preemption (seen on a loaded 2-core
//   machine: the ResNet stem's median went from 2.2 ms of CPU time to 6.3 ms of wall time).
#include <castnet/castnet.h>

#include "core/aligned.h"
#include "core/conv_desc.h"
#include "core/cpu_features.h"
#include "ir/graph.h"
#include "ir/op_schema.h"
#include "kernels/peak/peak.h"
#include "runtime/session_impl.h"
#include "zoo/model_stats.h"

#ifdef CASTNET_BENCH_HAVE_DNNL
#include <omp.h>
#include <oneapi/dnnl/dnnl.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <time.h>
#include <unordered_map>
#include <vector>

namespace {

using namespace castnet;
using Clock = std::chrono::steady_clock;

// ---- options --------------------------------------------------------------------------------

struct BenchOptions {
  int threads = 1;
  int rounds = 1;
  double min_time = 0.1;
  std::string net = "all";
  std::string filter;
  std::string dnnl_algo = "best";
  bool dnnl = true;
  bool in_session = false;
  bool thread_cpu_clock = false;
  std::string json;
};

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "conv_layers_bench: %s\n", why.c_str());
  std::fprintf(stderr,
               "usage: conv_layers_bench [--threads N] [--rounds R] [--min-time S] [--net resnet50|mobilenetv2|all]\n"
               "                         [--filter TEXT] [--dnnl-algo best|auto|direct|winograd] [--no-dnnl]\n"
               "                         [--in-session] [--clock wall|cpu] [--json FILE]\n");
  std::exit(2);
}

BenchOptions parse_options(int argc, char** argv) {
  BenchOptions o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(a + " needs a value");
      return argv[++i];
    };
    auto positive_int = [&](const std::string& v) {
      char* end = nullptr;
      long n = std::strtol(v.c_str(), &end, 10);
      if (!end || *end || n < 1 || n > 1024) usage_error(a + " needs a positive integer, got '" + v + "'");
      return static_cast<int>(n);
    };
    if (a == "--threads") o.threads = positive_int(value());
    else if (a == "--rounds") o.rounds = positive_int(value());
    else if (a == "--min-time") {
      std::string v = value();
      char* end = nullptr;
      o.min_time = std::strtod(v.c_str(), &end);
      if (!end || *end || !(o.min_time > 0) || o.min_time > 60) usage_error("--min-time needs seconds in (0, 60]");
    } else if (a == "--net") {
      o.net = value();
      if (o.net != "resnet50" && o.net != "mobilenetv2" && o.net != "all") usage_error("unknown --net " + o.net);
    } else if (a == "--filter") o.filter = value();
    else if (a == "--dnnl-algo") {
      o.dnnl_algo = value();
      if (o.dnnl_algo != "best" && o.dnnl_algo != "auto" && o.dnnl_algo != "direct" && o.dnnl_algo != "winograd")
        usage_error("--dnnl-algo is best, auto, direct or winograd");
    } else if (a == "--no-dnnl") o.dnnl = false;
    else if (a == "--in-session") o.in_session = true;
    else if (a == "--clock") {
      std::string v = value();
      if (v != "wall" && v != "cpu") usage_error("--clock is wall or cpu");
      o.thread_cpu_clock = v == "cpu";
    }
    else if (a == "--json") o.json = value();
    else if (a == "--help" || a == "-h") usage_error("per-layer convolution benchmark");
    else usage_error("unknown option " + a);
  }
  if (o.thread_cpu_clock && o.threads != 1) usage_error("--clock cpu times the calling thread only: use it with --threads 1");
  return o;
}

// ---- the shapes -----------------------------------------------------------------------------

struct LayerShape {
  std::string net;     // the zoo model it comes from
  ConvDesc desc;
  int count = 0;       // how many convolutions of the network have this shape
  bool plain_input = false;  // it reads the network's input (castnet leaves that plain)
};

// Every distinct Conv of the zoo model at batch 1, in network order, deduplicated by problem
// string.
std::vector<LayerShape> network_shapes(const std::string& net) {
  Model model = Model::from_zoo(net, 1);
  ir::Graph g = model.graph();
  ir::infer_shapes(g);
  std::vector<LayerShape> shapes;
  std::map<std::string, size_t> index;
  for (const ir::Node& node : g.nodes) {
    if (node.op_type != "Conv" || !node.domain.empty()) continue;
    ConvDesc d = zoo::conv_node_desc(g, node);
    bool from_input = std::find(g.inputs.begin(), g.inputs.end(), node.inputs[0]) != g.inputs.end();
    auto [it, fresh] = index.emplace(d.to_string(), shapes.size());
    if (fresh) shapes.push_back({net, d, 0, from_input});
    LayerShape& s = shapes[it->second];
    ++s.count;
    // A shape met both at the input and inside would be timed as the inner one (blocked input).
    s.plain_input = s.plain_input && from_input;
  }
  return shapes;
}

// ---- data -----------------------------------------------------------------------------------

Tensor random_tensor(Shape shape, std::mt19937& rng, float bound) {
  Tensor t(DType::f32, std::move(shape));
  std::uniform_real_distribution<float> dist(-bound, bound);
  float* p = t.data_as<float>();
  for (int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

// NCHW → NCHWc with zero channel padding (the padding lanes are read by the kernels).
void plain_to_blocked(const Tensor& plain, float* blocked, int64_t block) {
  const Shape& s = plain.shape();
  const int64_t n = s[0], c = s[1], hw = s[2] * s[3], cb = (c + block - 1) / block;
  const float* src = plain.data_as<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t b = 0; b < cb; ++b)
      for (int64_t p = 0; p < hw; ++p)
        for (int64_t l = 0; l < block; ++l) {
          int64_t ch = b * block + l;
          blocked[((i * cb + b) * hw + p) * block + l] = ch < c ? src[(i * c + ch) * hw + p] : 0.f;
        }
}

Tensor blocked_to_plain(const float* blocked, const Shape& s, int64_t block) {
  Tensor plain(DType::f32, s);
  const int64_t n = s[0], c = s[1], hw = s[2] * s[3], cb = (c + block - 1) / block;
  float* dst = plain.data_as<float>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t p = 0; p < hw; ++p)
        dst[(i * c + ch) * hw + p] = blocked[((i * cb + ch / block) * hw + p) * block + ch % block];
  return plain;
}

[[maybe_unused]] double relative_l2(const float* got, const float* want, int64_t n) {
  double num = 0, den = 0;
  for (int64_t i = 0; i < n; ++i) {
    if (!std::isfinite(got[i])) return INFINITY;
    double d = double(got[i]) - want[i];
    num += d * d;
    den += double(want[i]) * want[i];
  }
  return den > 0 ? std::sqrt(num / den) : std::sqrt(num);
}

// The operands of one benchmarked convolution, shared by both engines.
struct ConvOperands {
  Tensor input;    // NCHW
  Tensor weights;  // OIHW (O, I/group, KH, KW)
  Tensor bias;     // O
};

ConvOperands make_operands(const ConvDesc& d, uint32_t seed) {
  std::mt19937 rng(seed);
  ConvOperands ops;
  float fan_in = float(d.ic_per_group() * d.kh() * d.kw());
  ops.input = random_tensor({d.batch, d.in_channels, d.ih(), d.iw()}, rng, 1.f);
  ops.weights = random_tensor({d.out_channels, d.ic_per_group(), d.kh(), d.kw()}, rng, 1.f / std::sqrt(fan_in));
  ops.bias = random_tensor({d.out_channels}, rng, 0.1f);
  return ops;
}

// ---- timing ---------------------------------------------------------------------------------

double median(std::vector<double> v) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

struct CallTimes {
  double median_ms = NAN;  // the figure reported
  double best_ms = NAN;    // the fastest call: a cross-check when the machine is busy
};

// Times calls of `timed_call`, which runs the work and returns the seconds it took. Two untimed
// warm-up calls first (page faults, JIT, cold caches), then at least 5 calls and `min_time`
// seconds of them, at most 2000.
CallTimes time_calls(const std::function<double()>& timed_call, double min_time) {
  timed_call();
  timed_call();
  std::vector<double> ms;
  double total = 0;
  while (ms.size() < 2000 && (ms.size() < 5 || total < min_time)) {
    double s = timed_call();
    ms.push_back(s * 1e3);
    total += s;
  }
  double best = *std::min_element(ms.begin(), ms.end());
  return {median(std::move(ms)), best};
}

double seconds_between(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The clock each call is timed with: wall time, or (with one thread) the calling thread's CPU
// time, which leaves out the time the thread sat descheduled on a busy machine. Cache lines other
// processes evicted meanwhile still count; that noise remains.
struct CallClock {
  bool thread_cpu = false;

  double now() const {
    if (!thread_cpu) return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) + 1e-9 * double(ts.tv_nsec);
  }
  // Seconds `work` took.
  template <typename Work>
  double time(Work&& work) const {
    double t0 = now();
    work();
    return now() - t0;
  }
};

// ---- castnet --------------------------------------------------------------------------------

// A graph "x → pre → conv → y" whose `conv` node is the shape under test, with `pre` a depthwise
// 1×1 convolution with unit weights (an identity), or "x → conv → y" for a conv that reads the
// network's input.
//
// Why the extra node: the layout pass (src/passes/assign_nchwc_layout.cpp) leaves graph inputs in
// plain NCHW, and a conv that reads a plain tensor reorders it to NCHWc inside its own step
// (NchwcConvKernel::run), a cost that no conv in the middle of a network pays. Any conv ahead of
// it writes NCHWc, so `conv` then reads a blocked value, as it does in the network. Its output is
// blocked already: the pass makes every NCHWc-capable conv write blocked and gives the graph
// output a Reorder step of its own. A depthwise 1×1 is the cheapest such producer, and as an
// identity it keeps the whole graph equal to the convolution under test (--in-session checks
// against oneDNN through it). Both nodes are frozen (Options::no_fuse) so that no block fusion,
// now or later, merges them.
Model conv_graph(const ConvDesc& d, const ConvOperands& operands, bool plain_input) {
  auto g = std::make_shared<ir::Graph>();
  g->name = "conv_layer";
  g->source = "bench:" + d.to_string();
  auto add = [&](const std::string& name, Shape shape, std::shared_ptr<const Tensor> constant) {
    ir::Value v;
    v.name = name;
    v.has_shape = !shape.empty();
    v.shape = std::move(shape);
    v.constant = std::move(constant);
    v.is_initializer = v.constant != nullptr;
    return g->add_value(std::move(v));
  };
  auto set_conv_attrs = [](ir::Node& n, int64_t kh, int64_t kw, const ConvDesc& c) {
    n.attrs.set_ints("kernel_shape", {kh, kw});
    n.attrs.set_ints("strides", {c.stride[0], c.stride[1]});
    n.attrs.set_ints("dilations", {c.dilation[0], c.dilation[1]});
    n.attrs.set_ints("pads", {c.pad_begin[0], c.pad_begin[1], c.pad_end[0], c.pad_end[1]});
    n.attrs.set_int("group", c.groups);
  };
  const Shape in_shape{d.batch, d.in_channels, d.ih(), d.iw()};
  ir::ValueId x = add("x", in_shape, nullptr);
  ir::ValueId conv_in = x;
  if (!plain_input) {
    Tensor ones(DType::f32, {d.in_channels, 1, 1, 1});
    std::fill(ones.data_as<float>(), ones.data_as<float>() + d.in_channels, 1.f);
    ir::Node pre;
    pre.name = "pre";
    pre.op_type = "Conv";
    pre.inputs = {x, add("pre_w", ones.shape(), std::make_shared<Tensor>(ones))};
    conv_in = add("x_blocked", {}, nullptr);
    pre.outputs = {conv_in};
    ConvDesc identity;
    identity.groups = d.in_channels;
    set_conv_attrs(pre, 1, 1, identity);
    g->nodes.push_back(std::move(pre));
  }
  ir::Node conv;
  conv.name = "conv";
  conv.op_type = "Conv";
  conv.inputs = {conv_in, add("w", operands.weights.shape(), std::make_shared<Tensor>(operands.weights)),
                 add("b", operands.bias.shape(), std::make_shared<Tensor>(operands.bias))};
  conv.outputs = {add("y", {}, nullptr)};
  set_conv_attrs(conv, d.kh(), d.kw(), d);
  g->nodes.push_back(std::move(conv));
  g->inputs = {x};
  g->outputs = {g->nodes.back().outputs[0]};
  g->verify_and_sort();
  return Model(g);
}

// castnet's prepared convolution with the buffers its step reads and writes.
class CastnetConv {
 public:
  CastnetConv(const ConvDesc& d, const ConvOperands& operands, bool plain_input, int threads)
      : input_(operands.input) {
    Options options;
    options.threads = threads;
    options.no_fuse = {"pre", "conv"};
    session_ = std::make_unique<Session>(conv_graph(d, operands, plain_input), options);
    const SessionImpl& impl = session_->impl();
    const plan::Plan& plan = impl.plan();
    for (size_t i = 0; i < plan.steps.size(); ++i)
      if (plan.steps[i].name == "conv") step_index_ = i;
    if (step_index_ == SIZE_MAX) throw Error("the plan has no step for the benchmarked conv", d.to_string());
    const plan::Step& step = plan.steps[step_index_];
    const ir::Graph& g = impl.graph();
    const Layout& in_layout = g.value(step.inputs[0]).layout;
    out_layout_ = g.value(step.outputs[0]).layout;
    out_shape_ = g.value(step.outputs[0]).shape;
    // The construction above is only fair if the layouts came out as intended.
    bool in_ok = plain_input ? in_layout.kind == Layout::Kind::plain : in_layout.kind == Layout::Kind::nchwc;
    if (!in_ok || out_layout_.kind != Layout::Kind::nchwc)
      throw Error("layout pass did not give the benchmarked conv " + std::string(plain_input ? "plain" : "blocked") +
                  " input and blocked output (got " + in_layout.to_string() + " -> " + out_layout_.to_string() + ")",
                  d.to_string());

    // Buffers: constants point at the graph's tensors; the data input and the output get their own
    // storage in the layout the step expects (zero-filled, so padding lanes are zero).
    for (ir::ValueId id : step.inputs) in_views_.push_back(bind(g, id, id == step.inputs[0]));
    for (ir::ValueId id : step.outputs) out_views_.push_back(bind(g, id, false));
    workspace_ = AlignedBuffer(std::max<size_t>(step.kernel->workspace_bytes(), 64));
    args_.inputs = in_views_.data();
    args_.num_inputs = in_views_.size();
    args_.outputs = out_views_.data();
    args_.num_outputs = out_views_.size();
    args_.workspace = workspace_.data();
    args_.ctx = &impl.context();
  }

  std::string algorithm() const { return session_->impl().plan().steps[step_index_].kernel->algorithm(); }

  // One call of the prepared kernel.
  void run_kernel() const { session_->impl().plan().steps[step_index_].kernel->run(args_); }

  // Seconds of the conv step within one whole run of the session.
  double timed_session_step(const CallClock& clock) const {
    struct StepTimer : StepObserver {
      const CallClock* clock = nullptr;
      size_t target = 0;
      double start = 0, seconds = 0;
      void before_step(size_t i) override {
        if (i == target) start = clock->now();
      }
      void after_step(size_t i) override {
        if (i == target) seconds = clock->now() - start;
      }
    } timer;
    timer.clock = &clock;
    timer.target = step_index_;
    session_->impl().run({{"x", input_}}, &timer);
    return timer.seconds;
  }

  // The output of the last kernel call, in NCHW.
  Tensor kernel_output() const {
    return blocked_to_plain(static_cast<const float*>(out_views_[0].data), out_shape_, out_layout_.block);
  }
  Tensor session_output() const { return session_->impl().run({{"x", input_}})[0]; }

 private:
  TensorView bind(const ir::Graph& g, ir::ValueId id, bool data_input) {
    if (id == ir::kNoValue) return {};
    const ir::Value& v = g.value(id);
    if (v.constant) return TensorView::of(*v.constant);
    buffers_.push_back(std::make_unique<Tensor>(v.dtype, v.shape, v.layout));
    Tensor& t = *buffers_.back();
    if (data_input) {
      if (v.layout.kind == Layout::Kind::nchwc) plain_to_blocked(input_, t.data_as<float>(), v.layout.block);
      else std::memcpy(t.data(), input_.data(), input_.nbytes());
    }
    return TensorView::of(t);
  }

  Tensor input_;
  std::unique_ptr<Session> session_;
  size_t step_index_ = SIZE_MAX;
  Layout out_layout_;
  Shape out_shape_;
  std::vector<std::unique_ptr<Tensor>> buffers_;
  std::vector<TensorView> in_views_, out_views_;
  AlignedBuffer workspace_;
  ops::KernelArgs args_;
};

// ---- oneDNN ---------------------------------------------------------------------------------

#ifdef CASTNET_BENCH_HAVE_DNNL
class DnnlConv {
 public:
  // Throws dnnl::error when oneDNN has no implementation of `algo` for this shape.
  DnnlConv(const ConvDesc& d, const ConvOperands& operands, dnnl::algorithm algo, dnnl::engine& engine,
           dnnl::stream& stream)
      : stream_(stream) {
    using dnnl::memory;
    using tag = memory::format_tag;
    const memory::data_type f32 = memory::data_type::f32;
    const memory::dims src_dims{d.batch, d.in_channels, d.ih(), d.iw()};
    const memory::dims dst_dims{d.batch, d.out_channels, d.oh(), d.ow()};
    const memory::dims bias_dims{d.out_channels};
    const bool grouped = d.groups > 1;
    const memory::dims wei_dims = grouped ? memory::dims{d.groups, d.oc_per_group(), d.ic_per_group(), d.kh(), d.kw()}
                                          : memory::dims{d.out_channels, d.in_channels, d.kh(), d.kw()};
    // oneDNN counts dilation from 0 (0 = dense), ONNX from 1.
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, algo,
        memory::desc(src_dims, f32, tag::any), memory::desc(wei_dims, f32, tag::any),
        memory::desc(bias_dims, f32, tag::x), memory::desc(dst_dims, f32, tag::any), {d.stride[0], d.stride[1]},
        {d.dilation[0] - 1, d.dilation[1] - 1}, {d.pad_begin[0], d.pad_begin[1]}, {d.pad_end[0], d.pad_end[1]});
    dnnl::convolution_forward::primitive_desc pd(desc, engine);
    impl_ = pd.impl_info_str();
    conv_ = dnnl::convolution_forward(pd);

    // The caller's plain tensors, reordered (untimed) into the formats the primitive chose.
    auto plain = [&](const memory::dims& dims, tag t, const Tensor& data) {
      return memory(memory::desc(dims, f32, t), engine, const_cast<void*>(data.data()));
    };
    auto placed = [&](const memory::desc& want, memory user) {
      if (want == user.get_desc()) return user;
      memory m(want, engine);
      dnnl::reorder(user, m).execute(stream_, user, m);
      return m;
    };
    src_ = placed(pd.src_desc(), plain(src_dims, tag::nchw, operands.input));
    wei_ = placed(pd.weights_desc(), plain(wei_dims, grouped ? tag::goihw : tag::oihw, operands.weights));
    bias_ = plain(bias_dims, tag::x, operands.bias);
    dst_ = memory(pd.dst_desc(), engine);
    stream_.wait();
    dst_dims_ = dst_dims;
    args_ = {{DNNL_ARG_SRC, src_}, {DNNL_ARG_WEIGHTS, wei_}, {DNNL_ARG_BIAS, bias_}, {DNNL_ARG_DST, dst_}};
  }

  const std::string& implementation() const { return impl_; }

  void run() {
    conv_.execute(stream_, args_);
    stream_.wait();
  }

  Tensor output() {
    using dnnl::memory;
    Tensor out(DType::f32, Shape(dst_dims_.begin(), dst_dims_.end()));
    memory user(memory::desc(dst_dims_, memory::data_type::f32, memory::format_tag::nchw), stream_.get_engine(),
                out.data());
    dnnl::reorder(dst_, user).execute(stream_, dst_, user);
    stream_.wait();
    return out;
  }

 private:
  dnnl::stream& stream_;
  dnnl::convolution_forward conv_;
  dnnl::memory src_, wei_, bias_, dst_;
  dnnl::memory::dims dst_dims_;
  std::unordered_map<int, dnnl::memory> args_;
  std::string impl_;
};

// oneDNN's convolution for `mode`: direct, auto (oneDNN's own choice, which at batch 1 is never
// Winograd), winograd (falls back to auto where it cannot run), or best: auto and, where oneDNN
// has it, Winograd, each timed briefly once, the faster kept — castnet picks Winograd for 3×3
// stride-1 layers, so the peer gets the same option.
std::unique_ptr<DnnlConv> make_dnnl_conv(const ConvDesc& d, const ConvOperands& operands, const std::string& mode,
                                         dnnl::engine& engine, dnnl::stream& stream, const CallClock& clock,
                                         double min_time) {
  using dnnl::algorithm;
  if (mode == "direct") return std::make_unique<DnnlConv>(d, operands, algorithm::convolution_direct, engine, stream);
  auto fallback = std::make_unique<DnnlConv>(d, operands, algorithm::convolution_auto, engine, stream);
  if (mode == "auto") return fallback;
  std::unique_ptr<DnnlConv> winograd;
  try {
    winograd = std::make_unique<DnnlConv>(d, operands, algorithm::convolution_winograd, engine, stream);
  } catch (const dnnl::error&) {
    return fallback;
  }
  if (mode == "winograd") return winograd;
  double t_auto = time_calls([&] { return clock.time([&] { fallback->run(); }); }, min_time).median_ms;
  double t_winograd = time_calls([&] { return clock.time([&] { winograd->run(); }); }, min_time).median_ms;
  return t_winograd < t_auto ? std::move(winograd) : std::move(fallback);
}
#endif

// ---- report ---------------------------------------------------------------------------------

struct Row {
  LayerShape shape;
  std::string algorithm, dnnl_impl;
  std::vector<double> castnet_ms, dnnl_ms;  // one median per round
  double castnet_best = INFINITY, dnnl_best = INFINITY;  // fastest call of all rounds
  double rel_err = NAN;                 // castnet against oneDNN
  double castnet() const { return median(castnet_ms); }
  double dnnl() const { return median(dnnl_ms); }
  double gflops() const { return double(shape.desc.flops()) / (castnet() * 1e-3) / 1e9; }
};

std::string json_string(const std::string& s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) r += c;
  }
  return r + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

struct Totals {
  int shapes = 0, castnet_wins = 0, compared = 0;
  double castnet_ms = 0, dnnl_ms = 0;  // weighted by each shape's count in the network
  double castnet_best_ms = 0, dnnl_best_ms = 0;  // the same from each shape's fastest call
  double flops = 0;
  double log_ratio_sum = 0;
};

Totals totals_of(const std::vector<Row>& rows, const std::string& net) {
  Totals t;
  for (const Row& r : rows) {
    if (net != "all" && r.shape.net != net) continue;
    ++t.shapes;
    t.castnet_ms += r.shape.count * r.castnet();
    t.castnet_best_ms += r.shape.count * r.castnet_best;
    t.flops += double(r.shape.count) * double(r.shape.desc.flops());
    if (r.dnnl_ms.empty()) continue;
    ++t.compared;
    t.dnnl_ms += r.shape.count * r.dnnl();
    t.dnnl_best_ms += r.shape.count * r.dnnl_best;
    t.castnet_wins += r.castnet() <= r.dnnl();
    t.log_ratio_sum += std::log(r.castnet() / r.dnnl());
  }
  return t;
}

void print_report(const std::vector<Row>& rows, const BenchOptions& o, double peak, const std::string& isa,
                  const std::string& dnnl_version, bool have_dnnl) {
  std::printf("\nconv layers, batch 1, %d thread(s), castnet isa %s, FMA peak %.1f GFLOP/s (measured), %d round(s), %s "
              "clock%s\n",
              o.threads, isa.c_str(), peak, o.rounds, o.thread_cpu_clock ? "thread-CPU" : "wall",
              o.in_session ? ", castnet timed in session" : "");
  std::printf("GFLOP/s and %%peak count a direct convolution's FLOPs (Winograd does fewer, so may exceed 100%%);\n"
              "ratio = castnet / oneDNN (< 1: castnet faster, '<' marks castnet slower); rel_err = relative L2\n"
              "difference of the two outputs\n");
  if (have_dnnl) std::printf("oneDNN %s, algorithm %s\n", dnnl_version.c_str(), o.dnnl_algo.c_str());
  else std::printf("oneDNN: not measured (%s)\n", dnnl_version.c_str());
  std::printf("\n%-12s %-62s %3s %9s %7s %6s  %-36s %9s %7s %-26s %8s\n", "net", "shape", "n", "castnet_ms", "GFLOP/s",
              "%peak", "castnet_algorithm", "onednn_ms", "ratio", "onednn_impl", "rel_err");
  for (const Row& r : rows) {
    std::printf("%-12s %-62s %3d %9.4f %7.1f %6.1f  %-36s", r.shape.net.c_str(), r.shape.desc.to_string().c_str(),
                r.shape.count, r.castnet(), r.gflops(), peak > 0 ? 100 * r.gflops() / peak : NAN, r.algorithm.c_str());
    if (r.dnnl_ms.empty()) std::printf("\n");
    else
      std::printf(" %9.4f %7.2f %-26s %8.1e%s\n", r.dnnl(), r.castnet() / r.dnnl(), r.dnnl_impl.c_str(), r.rel_err,
                  r.castnet() > r.dnnl() ? "  <" : "");
  }
  std::printf("\nsummary (ratio = castnet / oneDNN, < 1: castnet faster; totals weight each shape by its count)\n");
  std::printf("(ratio_best: the same totals from each shape's fastest call, a cross-check on a busy machine)\n");
  std::printf("%-12s %6s %14s %11s %11s %8s %9s %11s %9s\n", "net", "shapes", "castnet<=dnnl", "castnet_ms", "onednn_ms",
              "ratio", "geomean", "ratio_best", "GFLOP/s");
  for (const std::string net : {"resnet50", "mobilenetv2", "all"}) {
    Totals t = totals_of(rows, net);
    if (t.shapes == 0) continue;
    char wins[32] = "-", dnnl_ms[32] = "-", ratio[32] = "-", geo[32] = "-", best[32] = "-";
    if (t.compared > 0) {
      std::snprintf(wins, sizeof wins, "%d/%d", t.castnet_wins, t.compared);
      std::snprintf(dnnl_ms, sizeof dnnl_ms, "%.3f", t.dnnl_ms);
      std::snprintf(ratio, sizeof ratio, "%.3f", t.castnet_ms / t.dnnl_ms);
      std::snprintf(geo, sizeof geo, "%.3f", std::exp(t.log_ratio_sum / t.compared));
      std::snprintf(best, sizeof best, "%.3f", t.castnet_best_ms / t.dnnl_best_ms);
    }
    std::printf("%-12s %6d %14s %11.3f %11s %8s %9s %11s %9.1f\n", net.c_str(), t.shapes, wins, t.castnet_ms, dnnl_ms,
                ratio, geo, best, t.flops / (t.castnet_ms * 1e-3) / 1e9);
  }
  if (!have_dnnl) return;
  // Where castnet loses, largest weighted loss first.
  std::vector<const Row*> losses;
  for (const Row& r : rows)
    if (r.castnet() > r.dnnl()) losses.push_back(&r);
  std::sort(losses.begin(), losses.end(), [](const Row* a, const Row* b) {
    return a->shape.count * (a->castnet() - a->dnnl()) > b->shape.count * (b->castnet() - b->dnnl());
  });
  if (!losses.empty()) std::printf("\ncastnet slower (by weighted time lost, ms = count x difference):\n");
  for (const Row* r : losses)
    std::printf("  %-12s %-62s x%-2d %.3f ms lost, ratio %.2f, %s vs %s\n", r->shape.net.c_str(),
                r->shape.desc.to_string().c_str(), r->shape.count, r->shape.count * (r->castnet() - r->dnnl()),
                r->castnet() / r->dnnl(), r->algorithm.c_str(), r->dnnl_impl.c_str());
}

void write_json(const std::string& path, const std::vector<Row>& rows, const BenchOptions& o, double peak,
                const std::string& isa, const std::string& dnnl_version, bool have_dnnl) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw Error("cannot write " + path);
  std::fprintf(f, "{\n  \"threads\": %d, \"rounds\": %d, \"batch\": 1, \"isa\": %s, \"peak_gflops\": %s,\n", o.threads,
               o.rounds, json_string(isa).c_str(), json_number(peak).c_str());
  std::fprintf(f, "  \"clock\": %s, \"castnet_timing\": %s, \"onednn\": %s, \"onednn_algorithm\": %s,\n",
               json_string(o.thread_cpu_clock ? "thread_cpu" : "wall").c_str(),
               json_string(o.in_session ? "session_step" : "kernel").c_str(),
               have_dnnl ? json_string(dnnl_version).c_str() : "null", json_string(o.dnnl_algo).c_str());
  std::fprintf(f, "  \"layers\": [\n");
  for (size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    bool d = !r.dnnl_ms.empty();
    std::fprintf(f,
                 "    {\"net\": %s, \"shape\": %s, \"count\": %d, \"flops\": %lld, \"castnet_ms\": %s, "
                 "\"castnet_best_ms\": %s, \"castnet_gflops\": %s, \"pct_peak\": %s, \"algorithm\": %s, "
                 "\"onednn_ms\": %s, \"onednn_best_ms\": %s, \"onednn_impl\": %s, \"ratio\": %s, \"rel_err\": %s}%s\n",
                 json_string(r.shape.net).c_str(), json_string(r.shape.desc.to_string()).c_str(), r.shape.count,
                 static_cast<long long>(r.shape.desc.flops()), json_number(r.castnet()).c_str(),
                 json_number(r.castnet_best).c_str(), json_number(r.gflops()).c_str(),
                 json_number(peak > 0 ? 100 * r.gflops() / peak : NAN).c_str(), json_string(r.algorithm).c_str(),
                 json_number(d ? r.dnnl() : NAN).c_str(), json_number(d ? r.dnnl_best : NAN).c_str(),
                 d ? json_string(r.dnnl_impl).c_str() : "null", json_number(d ? r.castnet() / r.dnnl() : NAN).c_str(),
                 json_number(r.rel_err).c_str(), i + 1 < rows.size() ? "," : "");
  }
  std::fprintf(f, "  ],\n  \"summary\": {\n");
  bool first = true;
  for (const std::string net : {"resnet50", "mobilenetv2", "all"}) {
    Totals t = totals_of(rows, net);
    if (t.shapes == 0) continue;
    std::fprintf(f,
                 "%s    %s: {\"shapes\": %d, \"compared\": %d, \"castnet_wins\": %d, \"castnet_ms\": %s, "
                 "\"onednn_ms\": %s, \"ratio\": %s, \"geomean_ratio\": %s, \"best_ratio\": %s}",
                 first ? "" : ",\n", json_string(net).c_str(), t.shapes, t.compared, t.castnet_wins,
                 json_number(t.castnet_ms).c_str(), json_number(t.compared ? t.dnnl_ms : NAN).c_str(),
                 json_number(t.compared ? t.castnet_ms / t.dnnl_ms : NAN).c_str(),
                 json_number(t.compared ? std::exp(t.log_ratio_sum / t.compared) : NAN).c_str(),
                 json_number(t.compared ? t.castnet_best_ms / t.dnnl_best_ms : NAN).c_str());
    first = false;
  }
  std::fprintf(f, "\n  }\n}\n");
  std::fclose(f);
}

int run(const BenchOptions& o) {
  std::vector<LayerShape> shapes;
  for (const std::string net : {"resnet50", "mobilenetv2"}) {
    if (o.net != "all" && o.net != net) continue;
    for (LayerShape& s : network_shapes(net))
      if (o.filter.empty() || s.desc.to_string().find(o.filter) != std::string::npos) shapes.push_back(s);
  }
  if (shapes.empty()) usage_error("no shape matches --filter " + o.filter);

  bool have_dnnl = false;
  std::string dnnl_text = "built without oneDNN";
#ifdef CASTNET_BENCH_HAVE_DNNL
  if (o.dnnl) {
    have_dnnl = true;
    // Debian's libdnnl runs on OpenMP: the team size of the calling thread is oneDNN's thread count.
    omp_set_num_threads(o.threads);
    const dnnl_version_t* v = dnnl_version();
    dnnl_text = std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch) +
                   " (" + std::string(v->cpu_runtime == DNNL_RUNTIME_OMP ? "OpenMP" : "other runtime") + ")";
  } else {
    dnnl_text = "--no-dnnl";
  }
#endif

  // The FMA peak of castnet's ISA on the same thread count. Measured before and after the layers
  // and the higher kept: on a busy machine one measurement can miss every quiet moment.
  const Isa isa = resolve_isa("", CpuFeatures::host());
  const kernels::FmaPeakKernel* peak_kernel = kernels::fma_peak_kernel(isa);
  auto measure_peak = [&] { return peak_kernel ? kernels::measure_fma_gflops(*peak_kernel, o.threads, 0.5) : 0.0; };
  double peak = measure_peak();
  std::fprintf(stderr, "conv_layers_bench: %zu shapes, peak so far %.1f GFLOP/s (%s, %d thread(s))\n", shapes.size(),
               peak, isa_name(isa), o.threads);

  const CallClock clock{o.thread_cpu_clock};
  // Prepare everything first (weights packed, primitives JIT-compiled), then check that both
  // engines compute the same thing.
  std::vector<Row> rows;
  std::vector<std::unique_ptr<CastnetConv>> castnet;
#ifdef CASTNET_BENCH_HAVE_DNNL
  std::unique_ptr<dnnl::engine> engine;
  std::unique_ptr<dnnl::stream> stream;
  std::vector<std::unique_ptr<DnnlConv>> onednn;
  if (have_dnnl) {
    engine = std::make_unique<dnnl::engine>(dnnl::engine::kind::cpu, 0);
    stream = std::make_unique<dnnl::stream>(*engine);
  }
#endif
  for (size_t i = 0; i < shapes.size(); ++i) {
    const LayerShape& s = shapes[i];
    ConvOperands operands = make_operands(s.desc, static_cast<uint32_t>(1000 + i));
    Row row;
    row.shape = s;
    castnet.push_back(std::make_unique<CastnetConv>(s.desc, operands, s.plain_input, o.threads));
    row.algorithm = castnet.back()->algorithm();
#ifdef CASTNET_BENCH_HAVE_DNNL
    if (have_dnnl) {
      onednn.push_back(make_dnnl_conv(s.desc, operands, o.dnnl_algo, *engine, *stream, clock, o.min_time / 2));
      row.dnnl_impl = onednn.back()->implementation();
      onednn.back()->run();
      Tensor want = onednn.back()->output();
      Tensor got;
      if (o.in_session) {
        got = castnet.back()->session_output();
      } else {
        castnet.back()->run_kernel();
        got = castnet.back()->kernel_output();
      }
      row.rel_err = relative_l2(got.data_as<float>(), want.data_as<float>(), want.numel());
      if (!(row.rel_err <= 1e-4))
        std::fprintf(stderr, "conv_layers_bench: warning: %s: castnet and oneDNN differ (relative L2 %.2e)\n",
                     s.desc.to_string().c_str(), row.rel_err);
    }
#endif
    rows.push_back(std::move(row));
  }

  const auto engine_switch_pause = std::chrono::milliseconds(have_dnnl && o.threads > 1 ? 20 : 0);
  for (int round = 0; round < o.rounds; ++round) {
    auto t0 = Clock::now();
    for (size_t i = 0; i < rows.size(); ++i) {
      auto time_castnet = [&] {
        const CastnetConv& c = *castnet[i];
        CallTimes t = o.in_session ? time_calls([&] { return c.timed_session_step(clock); }, o.min_time)
                                   : time_calls([&] { return clock.time([&] { c.run_kernel(); }); }, o.min_time);
        rows[i].castnet_ms.push_back(t.median_ms);
        rows[i].castnet_best = std::min(rows[i].castnet_best, t.best_ms);
      };
      auto time_dnnl = [&] {
#ifdef CASTNET_BENCH_HAVE_DNNL
        if (!have_dnnl) return;
        DnnlConv& c = *onednn[i];
        CallTimes t = time_calls([&] { return clock.time([&] { c.run(); }); }, o.min_time);
        rows[i].dnnl_ms.push_back(t.median_ms);
        rows[i].dnnl_best = std::min(rows[i].dnnl_best, t.best_ms);
        std::this_thread::sleep_for(engine_switch_pause);  // let OpenMP's workers stop spinning
#endif
      };
      if (round % 2 == 0) {
        time_castnet();
        time_dnnl();
      } else {
        time_dnnl();
        time_castnet();
      }
    }
    std::fprintf(stderr, "conv_layers_bench: round %d/%d took %.1f s\n", round + 1, o.rounds,
                 seconds_between(t0, Clock::now()));
  }

  peak = std::max(peak, measure_peak());
  print_report(rows, o, peak, isa_name(isa), dnnl_text, have_dnnl);
  if (!o.json.empty()) write_json(o.json, rows, o, peak, isa_name(isa), dnnl_text, have_dnnl);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions options = parse_options(argc, argv);
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "conv_layers_bench: error: %s\n", e.what());
    return 1;
  }
}
