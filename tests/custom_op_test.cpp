// Custom operators through the public API (include/castnet/custom_op.h): a new op type with its
// own shape inference and kernel, run inside a model between built-in ops (also after an ONNX
// round trip); an algorithm override of a built-in; and the ways registration and callbacks fail.
#include <castnet/castnet.h>
#include <castnet/custom_op.h>

#include "ir/graph.h"
#include "runtime/session_impl.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace castnet {
namespace {

constexpr const char* kDomain = "castnet_test";

// ---- a Swish op: y = x * sigmoid(beta * x), beta an optional float attribute (default 1) -------

void register_swish_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    CustomOp swish;
    swish.op_type = "Swish";
    swish.domain = kDomain;
    swish.algorithm = "swish_test";
    swish.infer = [](OpInferContext& ctx) {
      if (ctx.input_dtype(0) != DType::f32) ctx.fail("Swish takes f32");
      ctx.set_output(0, DType::f32, ctx.input_shape(0));
    };
    swish.compute = [](const OpKernelContext& ctx) {
      const float beta = ctx.attributes().get_float("beta", 1.0f);
      const float* x = ctx.input(0).as<const float>();
      float* y = ctx.output(0).as<float>();
      ctx.parallel_for(ctx.output(0).numel(), [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) y[i] = x[i] / (1.0f + std::exp(-beta * x[i]));
      }, 64);
    };
    swish.flops = [](const OpInferContext& ctx) {
      int64_t n = 1;
      for (int64_t d : ctx.input_shape(0)) n *= d;
      return 4 * n;
    };
    register_custom_op(std::move(swish));
  });
}

// ---- graph building ------------------------------------------------------------------------------

struct GraphBuilder {
  std::shared_ptr<ir::Graph> g = std::make_shared<ir::Graph>();

  ir::ValueId input(const std::string& name, Shape shape) {
    ir::Value v;
    v.name = name;
    v.shape = std::move(shape);
    v.has_shape = true;
    v.dim_names.assign(v.shape.size(), "");
    ir::ValueId id = g->add_value(std::move(v));
    g->inputs.push_back(id);
    return id;
  }
  ir::ValueId constant(const std::string& name, Tensor t) {
    ir::Value v;
    v.name = name;
    v.shape = t.shape();
    v.has_shape = true;
    v.dim_names.assign(v.shape.size(), "");
    v.constant = std::make_shared<const Tensor>(std::move(t));
    v.is_initializer = true;
    return g->add_value(std::move(v));
  }
  ir::Node& node(const std::string& name, const std::string& op, const std::string& domain,
                 std::vector<ir::ValueId> inputs) {
    ir::Node n;
    n.name = name;
    n.op_type = op;
    n.domain = domain;
    n.inputs = std::move(inputs);
    ir::Value out;
    out.name = name + "_out";
    n.outputs = {g->add_value(std::move(out))};
    g->nodes.push_back(std::move(n));
    return g->nodes.back();
  }
  Model finish(std::vector<ir::ValueId> outputs) {
    g->outputs = std::move(outputs);
    g->verify_and_sort();
    return Model(g);
  }
};

Tensor random_tensor(Shape shape, std::mt19937& rng) {
  Tensor t(DType::f32, std::move(shape));
  std::uniform_real_distribution<float> dist(-2.f, 2.f);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = dist(rng);
  return t;
}

// x[N,C,H,W] -> Conv 3x3 pad 1 (C -> K, bias) -> Swish(beta) -> Relu -> y. The conv gives the
// fast path a blocked tensor, so the custom op also exercises the reorders castnet puts around it.
struct SwishNet {
  int64_t N = 2, C = 3, H = 5, W = 6, K = 20;
  float beta = 0.75f;
  Tensor weights, bias;
  Model model{nullptr};

  explicit SwishNet(std::mt19937& rng) {
    weights = random_tensor({K, C, 3, 3}, rng);
    bias = random_tensor({K}, rng);
    GraphBuilder b;
    b.g->name = "swish_net";
    b.g->source = "test:swish_net";
    ir::ValueId x = b.input("x", {N, C, H, W});
    ir::Node& conv = b.node("conv", "Conv", "", {x, b.constant("w", weights), b.constant("b", bias)});
    conv.attrs.set_ints("kernel_shape", {3, 3});
    conv.attrs.set_ints("pads", {1, 1, 1, 1});
    ir::ValueId c = conv.outputs[0];
    ir::Node& swish = b.node("swish", "Swish", kDomain, {c});
    swish.attrs.set_float("beta", beta);
    ir::ValueId s = swish.outputs[0];
    ir::ValueId r = b.node("relu", "Relu", "", {s}).outputs[0];
    model = b.finish({r});
  }

  // The same computation in plain loops, accumulated in double.
  Tensor expected(const Tensor& x) const {
    Tensor y(DType::f32, {N, K, H, W});
    const float* xp = x.data_as<float>();
    const float* wp = weights.data_as<float>();
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t w = 0; w < W; ++w) {
            double acc = bias.data_as<float>()[k];
            for (int64_t c = 0; c < C; ++c)
              for (int64_t i = 0; i < 3; ++i)
                for (int64_t j = 0; j < 3; ++j) {
                  const int64_t ih = h + i - 1, iw = w + j - 1;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                  acc += static_cast<double>(xp[((n * C + c) * H + ih) * W + iw]) * wp[((k * C + c) * 3 + i) * 3 + j];
                }
            const double swish = acc / (1.0 + std::exp(-static_cast<double>(beta) * acc));
            y.data_as<float>()[((n * K + k) * H + h) * W + w] = static_cast<float>(std::max(swish, 0.0));
          }
    return y;
  }
};

void expect_close(const Tensor& got, const Tensor& want, double tol) {
  ASSERT_EQ(got.shape(), want.shape());
  int bad = 0;
  for (int64_t i = 0; i < want.numel() && bad < 5; ++i) {
    const double g = got.data_as<float>()[i], w = want.data_as<float>()[i];
    if (!(std::fabs(g - w) <= tol * (1.0 + std::fabs(w)))) {
      ADD_FAILURE() << "element " << i << ": got " << g << ", want " << w;
      ++bad;
    }
  }
}

const plan::Step* step_named(const Session& s, const std::string& name) {
  for (const plan::Step& step : s.impl().plan().steps)
    if (step.name == name) return &step;
  return nullptr;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("castnet_custom_op_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

// Removes an override when a test ends, passed or not: overrides are process-wide.
struct OverrideGuard {
  std::string op_type, name;
  ~OverrideGuard() { remove_algorithm_override(op_type, name); }
};

// A name unique to this process and call, so registration tests survive --gtest_repeat.
std::string unique_op_name(const std::string& base) {
  static std::atomic<int> counter{0};
  return base + std::to_string(counter++);
}

// ---- tests ---------------------------------------------------------------------------------------

TEST(CustomOp, RunsInsideAModelOnEveryIsa) {
  register_swish_once();
  std::mt19937 rng(11);
  SwishNet net(rng);
  const Tensor x = random_tensor({net.N, net.C, net.H, net.W}, rng);
  const Tensor want = net.expected(x);
  for (const char* isa : {"", "reference"}) {
    SCOPED_TRACE(std::string("isa '") + isa + "'");
    Options o;
    o.isa = isa;
    o.threads = 2;
    Session session(net.model, o);
    ASSERT_EQ(session.outputs().at(0).shape, (Shape{net.N, net.K, net.H, net.W}));
    const plan::Step* step = step_named(session, "swish");
    ASSERT_NE(step, nullptr);
    EXPECT_EQ(step->kernel->algorithm(), "swish_test");
    EXPECT_EQ(step->flops, 4 * net.N * net.K * net.H * net.W);
    expect_close(session.run({{"x", x}}).at(0), want, 1e-5);
  }
}

TEST(CustomOp, KernelRunsFromSeveralThreadsAtOnce) {
  register_swish_once();
  std::mt19937 rng(12);
  SwishNet net(rng);
  Options o;
  o.threads = 2;
  Session session(net.model, o);
  std::vector<Tensor> xs, wants;
  for (int t = 0; t < 4; ++t) {
    xs.push_back(random_tensor({net.N, net.C, net.H, net.W}, rng));
    wants.push_back(net.expected(xs.back()));
  }
  std::vector<Tensor> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 5; ++rep) got[t] = session.run({{"x", xs[t]}}).at(0);
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) expect_close(got[t], wants[t], 1e-5);
}

TEST(CustomOp, SurvivesOnnxExportAndImport) {
  register_swish_once();
  std::mt19937 rng(13);
  SwishNet net(rng);
  const std::string file = temp_path("swish.onnx");
  net.model.save_onnx(file);
  Model loaded = Model::load(file);
  std::filesystem::remove(file);
  bool found = false;
  for (const ir::Node& n : loaded.graph().nodes) {
    if (n.op_type != "Swish") continue;
    found = true;
    EXPECT_EQ(n.domain, kDomain);
    EXPECT_FLOAT_EQ(n.attrs.get_float("beta", 0.f), net.beta);
  }
  EXPECT_TRUE(found);
  const Tensor x = random_tensor({net.N, net.C, net.H, net.W}, rng);
  Session session(loaded, {});
  expect_close(session.run({{"x", x}}).at(0), net.expected(x), 1e-5);
}

TEST(CustomOp, OverrideOfABuiltinIsUsedWhereApplicable) {
  const std::string name = unique_op_name("leaky_override_");
  OverrideGuard guard{"Relu", name};
  // The override is a leaky ReLU, so its use is visible in the numbers; it claims one node only.
  override_algorithm(
      "Relu", name, [](const OpNodeInfo& node) { return node.name == "overridden"; },
      [](const OpKernelContext& ctx) {
        const float* x = ctx.input(0).as<const float>();
        float* y = ctx.output(0).as<float>();
        for (int64_t i = 0; i < ctx.output(0).numel(); ++i) y[i] = x[i] > 0 ? x[i] : 0.25f * x[i];
      });
  GraphBuilder b;
  b.g->source = "test:relu_pair";
  ir::ValueId x = b.input("x", {2, 3, 4, 5});
  ir::ValueId a = b.node("overridden", "Relu", "", {x}).outputs[0];
  ir::ValueId c = b.node("builtin", "Relu", "", {x}).outputs[0];
  Model model = b.finish({a, c});
  std::mt19937 rng(14);
  const Tensor in = random_tensor({2, 3, 4, 5}, rng);

  for (const char* isa : {"", "reference"}) {
    SCOPED_TRACE(std::string("isa '") + isa + "'");
    Options o;
    o.isa = isa;
    Session session(model, o);
    EXPECT_EQ(step_named(session, "overridden")->kernel->algorithm(), name);
    EXPECT_NE(step_named(session, "builtin")->kernel->algorithm(), name);
    std::vector<Tensor> y = session.run({{"x", in}});
    for (int64_t i = 0; i < in.numel(); ++i) {
      const float v = in.data_as<float>()[i];
      EXPECT_EQ(y[0].data_as<float>()[i], v > 0 ? v : 0.25f * v) << i;
      EXPECT_EQ(y[1].data_as<float>()[i], v > 0 ? v : 0.f) << i;
    }
  }

  // Removed: new sessions use the built-in again; the name is free once more.
  EXPECT_TRUE(remove_algorithm_override("Relu", name));
  EXPECT_FALSE(remove_algorithm_override("Relu", name));
  Session after(model, {});
  EXPECT_NE(step_named(after, "overridden")->kernel->algorithm(), name);
  std::vector<Tensor> y = after.run({{"x", in}});
  for (int64_t i = 0; i < in.numel(); ++i) EXPECT_EQ(y[0].data_as<float>()[i], std::max(in.data_as<float>()[i], 0.f));
}

TEST(CustomOp, RegistrationIsCheckedAndHappensOnce) {
  auto make = [](const std::string& op_type, const std::string& domain) {
    CustomOp op;
    op.op_type = op_type;
    op.domain = domain;
    op.infer = [](OpInferContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); };
    op.compute = [](const OpKernelContext&) {};
    return op;
  };
  const std::string once = unique_op_name("Once");
  EXPECT_NO_THROW(register_custom_op(make(once, kDomain)));
  EXPECT_THROW(register_custom_op(make(once, kDomain)), Error);
  // The same name in another domain is another operator.
  EXPECT_NO_THROW(register_custom_op(make(once, std::string(kDomain) + ".other")));
  EXPECT_THROW(register_custom_op(make("Relu", "")), Error);         // a built-in
  EXPECT_THROW(register_custom_op(make("Relu", "ai.onnx")), Error);  // the same domain, spelt out
  EXPECT_THROW(register_custom_op(make(unique_op_name("Mine"), "castnet")), Error);  // reserved
  EXPECT_THROW(register_custom_op(make("", kDomain)), Error);
  CustomOp no_compute = make(unique_op_name("NoCompute"), kDomain);
  no_compute.compute = nullptr;
  EXPECT_THROW(register_custom_op(std::move(no_compute)), Error);
  CustomOp bad_counts = make(unique_op_name("BadCounts"), kDomain);
  bad_counts.min_outputs = 0;
  EXPECT_THROW(register_custom_op(std::move(bad_counts)), Error);

  auto compute = [](const OpKernelContext&) {};
  EXPECT_THROW(override_algorithm("NoSuchOp", "x", nullptr, compute), Error);
  EXPECT_THROW(override_algorithm("Relu", "", nullptr, compute), Error);
  EXPECT_THROW(override_algorithm("Relu", "x", nullptr, nullptr), Error);
  const std::string name = unique_op_name("twice_");
  OverrideGuard guard{"Sigmoid", name};
  // Claims no node, so other tests in this process are unaffected while it exists.
  auto none = [](const OpNodeInfo&) { return false; };
  EXPECT_NO_THROW(override_algorithm("Sigmoid", name, none, compute));
  EXPECT_THROW(override_algorithm("Sigmoid", name, none, compute), Error);
}

// A custom op named like a built-in that castnet runs in blocked layout (Relu, after a Conv): the
// built-in kernel must never run it. Either castnet keeps it in plain layout and the custom kernel
// runs, or Session creation refuses it; silently computing a ReLU would be wrong.
TEST(CustomOp, NameOfABuiltinInAnotherDomainNeverRunsTheBuiltin) {
  static std::once_flag once;
  std::call_once(once, [] {
    CustomOp op;
    op.op_type = "Relu";
    op.domain = kDomain;
    op.infer = [](OpInferContext& ctx) { ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0)); };
    op.compute = [](const OpKernelContext& ctx) {
      float* y = ctx.output(0).as<float>();
      for (int64_t i = 0; i < ctx.output(0).numel(); ++i) y[i] = 42.f;
    };
    register_custom_op(std::move(op));
  });
  std::mt19937 rng(15);
  GraphBuilder b;
  b.g->source = "test:relu_namesake";
  ir::ValueId x = b.input("x", {1, 32, 6, 6});
  ir::Node& conv = b.node("conv", "Conv", "", {x, b.constant("w", random_tensor({32, 32, 1, 1}, rng))});
  conv.attrs.set_ints("kernel_shape", {1, 1});
  ir::ValueId c = conv.outputs[0];
  Model model = b.finish({b.node("namesake", "Relu", kDomain, {c}).outputs[0]});
  const Tensor in = random_tensor({1, 32, 6, 6}, rng);
  for (int level : {0, 3}) {
    SCOPED_TRACE("fuse_level " + std::to_string(level));
    Options o;
    o.fuse_level = level;
    try {
      Session session(model, o);
      Tensor y = session.run({{"x", in}}).at(0);
      for (int64_t i = 0; i < y.numel(); ++i) ASSERT_EQ(y.data_as<float>()[i], 42.f) << i;
    } catch (const Error& e) {
      EXPECT_EQ(e.node(), "namesake") << e.what();
      EXPECT_NE(std::string(e.what()).find("plain layout only"), std::string::npos) << e.what();
    }
  }
}

// An op whose callbacks fail on demand, selected by attributes.
const std::string& fragile_op() {
  static const std::string name = [] {
    CustomOp op;
    op.op_type = "Fragile";
    op.domain = kDomain;
    op.infer = [](OpInferContext& ctx) {
      if (ctx.attributes().get_int("bad_shape", 0)) throw std::runtime_error("cannot infer this");
      if (ctx.attributes().get_int("reject", 0)) ctx.fail("rejected on purpose");
      if (ctx.attributes().get_int("forget_output", 0)) return;
      ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
    };
    op.compute = [](const OpKernelContext& ctx) {
      if (ctx.attributes().get_int("explode", 0)) throw std::runtime_error("boom");
      if (ctx.attributes().get_int("explode_in_worker", 0)) {
        ctx.parallel_for(1000, [](int64_t begin, int64_t) {
          if (begin > 0) throw std::runtime_error("worker boom");
        });
        // A busy pool runs the whole range inline as one chunk starting at 0: fail here then.
        throw std::runtime_error("worker boom");
      }
      std::memcpy(ctx.output(0).data, ctx.input(0).data, static_cast<size_t>(ctx.input(0).numel()) * 4);
    };
    register_custom_op(std::move(op));
    return std::string("Fragile");
  }();
  return name;
}

Model fragile_model(const std::string& attribute) {
  GraphBuilder b;
  b.g->source = "test:fragile";
  ir::ValueId x = b.input("x", {4, 64});
  ir::Node& n = b.node("fragile_node", fragile_op(), kDomain, {x});
  n.attrs.set_int(attribute, 1);
  return b.finish({n.outputs[0]});
}

TEST(CustomOp, ThrowingCallbacksBecomeErrorsNamingTheNode) {
  auto expect_error = [](auto&& fn, const std::string& mentions) {
    try {
      fn();
      ADD_FAILURE() << "no castnet::Error; expected one mentioning '" << mentions << "'";
    } catch (const Error& e) {
      EXPECT_EQ(e.node(), "fragile_node") << e.what();
      EXPECT_NE(std::string(e.what()).find(mentions), std::string::npos) << e.what();
    }
  };
  const Tensor x(DType::f32, {4, 64});
  Options o;
  o.threads = 4;
  expect_error([&] { Session s(fragile_model("bad_shape"), o); }, "cannot infer this");
  expect_error([&] { Session s(fragile_model("reject"), o); }, "rejected on purpose");
  expect_error([&] { Session s(fragile_model("forget_output"), o); }, "did not set output 0");
  Session explode(fragile_model("explode"), o);
  expect_error([&] { explode.run({{"x", x}}); }, "boom");
  Session worker(fragile_model("explode_in_worker"), o);
  expect_error([&] { worker.run({{"x", x}}); }, "worker boom");
  // The session is still usable after a failed run.
  expect_error([&] { explode.run({{"x", x}}); }, "boom");
  // A plain run of the same op works.
  Session fine(fragile_model("unused"), o);
  Tensor in(DType::f32, {4, 64});
  for (int64_t i = 0; i < in.numel(); ++i) in.data_as<float>()[i] = static_cast<float>(i);
  Tensor y = fine.run({{"x", in}}).at(0);
  EXPECT_EQ(y.data_as<float>()[255], 255.f);

  // An override whose applicability test throws fails Session creation, naming the node.
  const std::string name = unique_op_name("throwing_applicable_");
  OverrideGuard guard{"Relu", name};
  override_algorithm(
      "Relu", name,
      [](const OpNodeInfo& n) -> bool {
        if (n.name == "fragile_node") throw std::runtime_error("cannot decide");
        return false;
      },
      [](const OpKernelContext&) {});
  GraphBuilder b;
  b.g->source = "test:relu";
  ir::ValueId in_id = b.input("x", {4, 64});
  Model relu = b.finish({b.node("fragile_node", "Relu", "", {in_id}).outputs[0]});
  expect_error([&] { Session s(relu, o); }, "cannot decide");
}

}  // namespace
}  // namespace castnet
