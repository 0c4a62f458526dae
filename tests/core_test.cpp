// Core pieces: thread pool partitioning, ConvDesc geometry and problem strings, the memory
// planner, graph verification.
#include <castnet/error.h>
#include <gtest/gtest.h>

#include "core/conv_desc.h"
#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "ir/graph.h"
#include "plan/memory_plan.h"

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

using namespace castnet;

TEST(ThreadPool, CoversRangeExactlyOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int64_t n : {1, 2, 7, 100, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, [&](int64_t b, int64_t e, int t) {
        EXPECT_LT(t, threads);
        for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
      });
      for (auto& h : hits) ASSERT_EQ(h.load(), 1) << "threads=" << threads << " n=" << n;
    }
  }
}

TEST(ThreadPool, SplitIsDeterministic) {
  ThreadPool pool(4);
  std::vector<int> owner1(97), owner2(97);
  pool.parallel_for(97, [&](int64_t b, int64_t e, int t) { for (auto i = b; i < e; ++i) owner1[i] = t; });
  pool.parallel_for(97, [&](int64_t b, int64_t e, int t) { for (auto i = b; i < e; ++i) owner2[i] = t; });
  EXPECT_EQ(owner1, owner2);
}

TEST(ThreadPool, ConcurrentCallersAndNesting) {
  // Both ways of splitting work: callers that find the workers busy run inline, nested or not.
  using Split = void (ThreadPool::*)(int64_t, const ThreadPool::RangeFn&, int64_t);
  for (Split split : {static_cast<Split>(&ThreadPool::parallel_for), static_cast<Split>(&ThreadPool::parallel_for_balanced)}) {
    ThreadPool pool(3);
    std::atomic<int64_t> total{0};
    std::vector<std::thread> callers;
    for (int c = 0; c < 8; ++c)
      callers.emplace_back([&] {
        for (int rep = 0; rep < 50; ++rep)
          (pool.*split)(10, [&](int64_t b, int64_t e, int) {
            (pool.*split)(e - b, [&](int64_t b2, int64_t e2, int) { total += e2 - b2; }, 1);
          }, 1);
      });
    for (auto& t : callers) t.join();
    EXPECT_EQ(total.load(), 8 * 50 * 10);
  }
}

TEST(ThreadPool, BalancedCoversRangeExactlyOnceInClaims) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    for (int64_t claim : {1, 3})
      for (int64_t n : {1, 2, 7, 100, 1001}) {
        std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
        pool.parallel_for_balanced(
            n,
            [&](int64_t b, int64_t e, int t) {
              EXPECT_LT(t, threads);
              EXPECT_LT(b, e);
              if (threads > 1) {
                EXPECT_LE(e - b, claim);
              }
              for (int64_t i = b; i < e; ++i) hits[static_cast<size_t>(i)]++;
            },
            claim);
        for (auto& h : hits) ASSERT_EQ(h.load(), 1) << "threads=" << threads << " n=" << n << " claim=" << claim;
      }
  }
}

TEST(ThreadPool, BalancedMovesWorkOffASlowThread) {
  // Thread 1 takes 2 ms a task, thread 0 none: thread 0 must end up running tasks of the range
  // a static split gives thread 1 ([20, 40)).
  ThreadPool pool(2);
  std::vector<int> ran_on(40, -1);
  pool.parallel_for_balanced(40, [&](int64_t b, int64_t e, int t) {
    if (t == 1) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    for (int64_t i = b; i < e; ++i) ran_on[static_cast<size_t>(i)] = t;
  });
  int moved = 0;
  for (int i = 20; i < 40; ++i) moved += ran_on[static_cast<size_t>(i)] == 0;
  for (int i = 0; i < 40; ++i) ASSERT_NE(ran_on[static_cast<size_t>(i)], -1) << i;
  EXPECT_GT(moved, 10);
}

TEST(ThreadPool, ExceptionInCallerChunkPropagates) {
  ThreadPool pool(2);
  EXPECT_THROW(pool.parallel_for(2, [&](int64_t b, int64_t, int) { if (b == 0) throw Error("boom"); }), Error);
  int64_t sum = 0;  // the pool still works afterwards
  pool.parallel_for(1, [&](int64_t b, int64_t e, int) { sum += e - b; });
  EXPECT_EQ(sum, 1);
}

TEST(ConvDesc, OutputSizeAndFlops) {
  ConvDesc d;
  d.batch = 1; d.in_channels = 64; d.out_channels = 128; d.rank = 2;
  d.in = {56, 56, 1}; d.kernel = {3, 3, 1}; d.stride = {2, 2, 1}; d.pad_begin = {1, 1, 0}; d.pad_end = {1, 1, 0};
  d.compute_output();
  EXPECT_EQ(d.oh(), 28);
  EXPECT_EQ(d.ow(), 28);
  EXPECT_EQ(d.macs(), int64_t{128} * 28 * 28 * 64 * 9);
}

TEST(ConvDesc, ProblemStringRoundTrip) {
  ConvDesc d;
  d.batch = 2; d.in_channels = 12; d.out_channels = 6; d.groups = 3; d.rank = 2;
  d.in = {17, 9, 1}; d.kernel = {3, 5, 1}; d.stride = {2, 1, 1}; d.dilation = {1, 2, 1};
  d.pad_begin = {0, 3, 0}; d.pad_end = {1, 2, 0};
  d.compute_output();
  ConvDesc p = ConvDesc::parse(d.to_string());
  EXPECT_EQ(p.to_string(), d.to_string());
  EXPECT_EQ(p.out, d.out);
  ConvDesc short_form = ConvDesc::parse("mb1ic64ih56oc64kh3ph1");
  EXPECT_EQ(short_form.oh(), 56);
  EXPECT_EQ(short_form.ow(), 56);
  EXPECT_EQ(short_form.kw(), 3);
}

TEST(ConvDesc, RejectsBadGeometry) {
  EXPECT_THROW(ConvDesc::parse("mb1ic64ih56oc64kh3sh0"), Error);
  EXPECT_THROW(ConvDesc::parse("mb1g3ic64ih56oc64kh3"), Error);
  EXPECT_THROW(ConvDesc::parse("mb1ic4ih2oc4kh5"), Error);
  EXPECT_THROW(ConvDesc::parse("garbage!"), Error);
}

TEST(CpuFeatures, IsaSelection) {
  const CpuFeatures& cpu = CpuFeatures::host();
  EXPECT_TRUE(isa_supported(Isa::generic, cpu));
  EXPECT_TRUE(isa_supported(best_isa(cpu), cpu));
  EXPECT_EQ(resolve_isa("reference", cpu), Isa::reference);
  EXPECT_THROW(resolve_isa("sse9", cpu), Error);
  if (!isa_supported(Isa::avx512, cpu)) {
    EXPECT_THROW(resolve_isa("avx512", cpu), Error);
  }
}

TEST(MemoryPlan, DisjointLifetimesShareAndOverlappingDoNot) {
  std::vector<plan::BufferRequest> req = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {64, 0, 3}};
  plan::MemoryPlan mp = plan::plan_memory(req);
  auto overlap = [&](size_t a, size_t b) {
    bool live = req[a].first_step <= req[b].last_step && req[b].first_step <= req[a].last_step;
    bool mem = mp.offsets[a] < mp.offsets[b] + req[b].bytes && mp.offsets[b] < mp.offsets[a] + req[a].bytes;
    return live && mem;
  };
  for (size_t a = 0; a < req.size(); ++a)
    for (size_t b = a + 1; b < req.size(); ++b) EXPECT_FALSE(overlap(a, b)) << a << "," << b;
  EXPECT_EQ(mp.offsets[0], mp.offsets[2]);  // 0 and 2 never live together
  EXPECT_LE(mp.arena_bytes, 2 * 1024 + 64u);
}

namespace {
ir::Graph chain_graph() {
  ir::Graph g;
  g.source = "test.onnx";
  ir::Value x; x.name = "x"; x.has_shape = true; x.shape = {1, 4};
  ir::ValueId xi = g.add_value(x);
  g.inputs.push_back(xi);
  ir::ValueId a = g.add_value(ir::Value{.name = "a"});
  ir::ValueId b = g.add_value(ir::Value{.name = "b"});
  ir::Node n2; n2.name = "second"; n2.op_type = "Relu"; n2.inputs = {a}; n2.outputs = {b};
  ir::Node n1; n1.name = "first"; n1.op_type = "Relu"; n1.inputs = {xi}; n1.outputs = {a};
  g.nodes = {n2, n1};  // out of order on purpose
  g.outputs.push_back(b);
  return g;
}
}  // namespace

TEST(Graph, SortsTopologically) {
  ir::Graph g = chain_graph();
  g.verify_and_sort();
  EXPECT_EQ(g.nodes[0].name, "first");
  EXPECT_EQ(g.nodes[1].name, "second");
}

TEST(Graph, RejectsCycleDoubleProducerAndUndefinedInput) {
  {
    ir::Graph g = chain_graph();
    g.nodes[1].inputs = {g.find_value("b")};  // first reads second's output: a cycle
    try { g.verify_and_sort(); FAIL(); } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("cycle"), std::string::npos) << e.what();
      EXPECT_EQ(e.file(), "test.onnx");
    }
  }
  {
    ir::Graph g = chain_graph();
    g.nodes[0].outputs = {g.find_value("a")};  // a produced twice
    EXPECT_THROW(g.verify_and_sort(), Error);
  }
  {
    ir::Graph g = chain_graph();
    ir::ValueId ghost = g.add_value(ir::Value{.name = "ghost"});
    g.nodes[1].inputs = {ghost};
    try { g.verify_and_sort(); FAIL(); } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("ghost"), std::string::npos) << e.what();
    }
  }
}
