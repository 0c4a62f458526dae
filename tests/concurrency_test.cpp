// One Session shared by 8 threads running at once: every run must give the single-threaded
// answer. The Makefile runs this suite under ThreadSanitizer.
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "ir/graph.h"

#include <cstring>
#include <memory>
#include <random>
#include <thread>

using namespace castnet;

namespace {
std::shared_ptr<const Tensor> random_constant(Shape shape, std::mt19937& rng) {
  auto t = std::make_shared<Tensor>(DType::f32, std::move(shape));
  std::uniform_real_distribution<float> dist(-0.5f, 0.5f);
  for (int64_t i = 0; i < t->numel(); ++i) t->data_as<float>()[i] = dist(rng);
  return t;
}

// x → Conv(3x3, 8→8, pad 1) → Relu → Add(x) → output. Small enough for TSan, big enough that the
// conv is split across the pool's threads.
Model small_residual_model() {
  auto g = std::make_shared<ir::Graph>();
  g->name = "residual";
  g->source = "test:residual";
  std::mt19937 rng(7);
  auto value = [&](const std::string& name, Shape shape = {}, std::shared_ptr<const Tensor> c = nullptr) {
    ir::Value v;
    v.name = name;
    v.has_shape = !shape.empty();
    v.shape = shape;
    v.constant = std::move(c);
    v.is_initializer = v.constant != nullptr;
    return g->add_value(v);
  };
  ir::ValueId x = value("x", {1, 8, 16, 16});
  ir::ValueId w = value("w", {8, 8, 3, 3}, random_constant({8, 8, 3, 3}, rng));
  ir::ValueId b = value("b", {8}, random_constant({8}, rng));
  ir::ValueId c = value("c"), r = value("r"), y = value("y");
  ir::Node conv;
  conv.name = "conv"; conv.op_type = "Conv"; conv.inputs = {x, w, b}; conv.outputs = {c};
  conv.attrs.set_ints("pads", {1, 1, 1, 1});
  ir::Node relu;
  relu.name = "relu"; relu.op_type = "Relu"; relu.inputs = {c}; relu.outputs = {r};
  ir::Node add;
  add.name = "add"; add.op_type = "Add"; add.inputs = {r, x}; add.outputs = {y};
  g->nodes = {conv, relu, add};
  g->inputs = {x};
  g->outputs = {y};
  g->verify_and_sort();
  return Model(g);
}
}  // namespace

TEST(Concurrency, EightThreadsShareOneSession) {
  Model model = small_residual_model();
  Session session(model, Options{.threads = 2});
  std::vector<Tensor> inputs;
  std::vector<Tensor> expected;
  for (int t = 0; t < 8; ++t) {
    std::mt19937 rng(100 + t);
    inputs.push_back(*random_constant({1, 8, 16, 16}, rng));
    expected.push_back(session.run({{"x", inputs.back()}})[0]);
  }
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 4; ++rep) {
        Tensor y = session.run({{"x", inputs[t]}})[0];
        if (std::memcmp(y.data(), expected[t].data(), y.nbytes()) != 0) ++mismatches[t];
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(Concurrency, BadInputsAreRejectedNotCrashed) {
  Model model = small_residual_model();
  Session session(model, Options{.threads = 1});
  EXPECT_THROW(session.run({}), Error);
  EXPECT_THROW(session.run({{"x", Tensor(DType::f32, {1, 8, 16, 15})}}), Error);
  EXPECT_THROW(session.run({{"nope", Tensor(DType::f32, {1, 8, 16, 16})}}), Error);
  EXPECT_THROW(session.run({{"x", Tensor(DType::i64, {1, 8, 16, 16})}}), Error);
}
