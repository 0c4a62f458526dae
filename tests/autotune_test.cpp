// Autotune: candidates timed on the first session and the choice cached on disk, read back
// without timing by the next, corrupt or stale cache lines tolerated, the thread count part of
// the key, concurrent writers merged; every candidate an autotuned plan may pick (forced through
// CASTNET_CONV_ALGO) and the autotuned plan itself checked against the reference.
#include <castnet/castnet.h>

#include "core/cpu_features.h"
#include "plan/autotune.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace castnet {
namespace {

namespace fs = std::filesystem;
using castnet::testing::random_tensor;
using castnet::testing::relative_l2;

constexpr double kWinogradTolerance = 5e-4;  // F(4×4)'s bound (conv_winograd_test)
constexpr double kTolerance = 1e-5;

// Sets (or unsets, for null) an environment variable for the object's lifetime.
class EnvScope {
 public:
  EnvScope(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value) setenv(name, value, 1);
    else unsetenv(name);
  }
  ~EnvScope() {
    if (old_) setenv(name_.c_str(), old_->c_str(), 1);
    else unsetenv(name_.c_str());
  }

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// A fresh temporary directory per test; the cache file is two levels below it, so saving has
// to create its directory. Never the user's own cache.
class AutotuneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("castnet_autotune_" + std::to_string(::getpid()) + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    cache_ = dir_ / "cache" / "castnet" / "autotune.tsv";
    cache_env_.emplace("CASTNET_AUTOTUNE_CACHE", cache_.c_str());
  }
  void TearDown() override {
    cache_env_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  fs::path dir_, cache_;
  std::optional<EnvScope> cache_env_;
  EnvScope no_forced_{"CASTNET_CONV_ALGO", nullptr};
  EnvScope no_env_autotune_{"CASTNET_AUTOTUNE", nullptr};
};

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << text;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> r;
  std::string cur;
  std::istringstream in(s);
  while (std::getline(in, cur, sep)) r.push_back(cur);
  return r;
}

// The cache file's entries: key line (all fields but the last) -> implementation. Fails the test
// on any line that is not a comment or six tab-separated fields.
std::map<std::string, std::string> cache_entries(const fs::path& p) {
  std::map<std::string, std::string> r;
  for (const std::string& line : split(read_text(p), '\n')) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = split(line, '\t');
    EXPECT_EQ(f.size(), 6u) << "malformed cache line: " << line;
    if (f.size() != 6) continue;
    r[f[0] + "\t" + f[1] + "\t" + f[2] + "\t" + f[3] + "\t" + f[4]] = f[5];
  }
  return r;
}

std::string key_line(const plan::AutotuneKey& k) {
  return k.op_type + "\t" + k.problem + "\t" + k.isa + "\t" + std::to_string(k.threads) + "\t" + std::to_string(k.version);
}

// The NodeDesc of a plan step, as the plan built it.
ops::NodeDesc describe(const SessionImpl& impl, const plan::Step& step) {
  const ir::Graph& g = impl.graph();
  const ir::Node& node = g.nodes[static_cast<size_t>(step.node_index)];
  ops::NodeDesc d;
  d.node = &node;
  d.ctx = &impl.context();
  d.opset = g.opset;
  for (ir::ValueId v : node.inputs) d.inputs.push_back(v == ir::kNoValue ? nullptr : &g.value(v));
  for (ir::ValueId v : node.outputs) d.outputs.push_back(v == ir::kNoValue ? nullptr : &g.value(v));
  return d;
}

bool tuned(const plan::Step& s) { return s.selection == plan::Selection::timed || s.selection == plan::Selection::cached; }

std::vector<const plan::Step*> tuned_steps(const Session& s) {
  std::vector<const plan::Step*> r;
  for (const plan::Step& step : s.impl().plan().steps)
    if (tuned(step)) r.push_back(&step);
  return r;
}

// A small ResNet-like network: a 7×7/2 stem on 3 channels, a residual pair of 3×3 convolutions
// (odd 19×19 planes), a 1×1/2 projection to 37 channels and a strided 3×3 beside it, summed.
// Every convolution kind has two or more fast candidates: im2col and direct everywhere, both
// Winograd tiles on the 3×3 stride-1 layers.
Model resnet_like(int64_t batch) {
  struct Builder : castnet::testing::GraphBuilder {
    Builder() : GraphBuilder(21, "test:autotune") {}
    ir::ValueId conv(ir::ValueId x, int64_t c_in, int64_t c_out, int64_t k, int64_t stride, const std::string& name) {
      float s = 1.f / std::sqrt(static_cast<float>(k * k * c_in));
      Tensor w = random_tensor({c_out, c_in, k, k}, rng, -s, s);
      Tensor b = random_tensor({c_out}, rng, -0.1f, 0.1f);
      ir::ValueId y = node("Conv", {x, value(name + "_w", w.shape(), &w), value(name + "_b", b.shape(), &b)}, name);
      const int64_t p = k / 2;
      last().attrs.set_ints("kernel_shape", {k, k});
      last().attrs.set_ints("strides", {stride, stride});
      last().attrs.set_ints("pads", {p, p, p, p});
      return y;
    }
  } b;
  ir::ValueId x = b.value("x", {batch, 3, 38, 38});
  ir::ValueId stem = b.node("Relu", {b.conv(x, 3, 24, 7, 2, "stem")}, "stem_relu");       // 24×19×19
  ir::ValueId a = b.node("Relu", {b.conv(stem, 24, 24, 3, 1, "a1")}, "a1_relu");
  ir::ValueId sum = b.node("Add", {b.conv(a, 24, 24, 3, 1, "a2"), stem}, "a_add");
  ir::ValueId r = b.node("Relu", {sum}, "a_relu");
  ir::ValueId proj = b.conv(r, 24, 37, 1, 2, "proj");                                     // 37×10×10
  ir::ValueId c = b.node("Relu", {b.conv(r, 24, 37, 3, 2, "b1")}, "b1_relu");
  ir::ValueId c2 = b.conv(c, 37, 37, 3, 1, "b2");
  ir::ValueId y = b.node("Relu", {b.node("Add", {c2, proj}, "b_add")}, "y");
  return b.finish({x}, {y});
}

std::vector<std::string> fast_isas() {
  std::vector<std::string> r;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512})
    if (isa_supported(isa, CpuFeatures::host())) r.push_back(isa_name(isa));
  return r;
}

Options autotuned(int threads, const std::string& isa = "") {
  Options o;
  o.threads = threads;
  o.isa = isa;
  o.autotune = true;
  return o;
}

TEST_F(AutotuneTest, FirstSessionTimesAndWritesEveryKey) {
  Model model = resnet_like(1);
  Session s(model, autotuned(1));
  const plan::Plan& p = s.impl().plan();
  const std::vector<const plan::Step*> steps = tuned_steps(s);
  ASSERT_EQ(steps.size(), 6u) << "every convolution has several candidates";
  EXPECT_GT(p.autotune.nodes_timed, 0);
  EXPECT_GE(p.autotune.candidates_timed, 2 * p.autotune.nodes_timed);
  EXPECT_EQ(p.autotune.nodes_timed + p.autotune.cache_hits, 6);
  EXPECT_GT(p.autotune.seconds, 0);

  ASSERT_TRUE(fs::exists(cache_)) << "the cache directory is created";
  const auto entries = cache_entries(cache_);
  std::set<std::string> keys;
  for (const plan::Step* step : steps) {
    const plan::AutotuneKey key = plan::autotune_key(describe(s.impl(), *step), s.impl().context());
    EXPECT_EQ(key.threads, 1);
    EXPECT_EQ(key.isa, std::string(isa_name(s.impl().context().isa)) + "@" + CpuFeatures::host().brand);
    EXPECT_EQ(key.version, plan::kAutotuneFormatVersion);
    // The problem names the convolution by its problem string.
    const ir::Node& node = s.impl().graph().nodes[static_cast<size_t>(step->node_index)];
    EXPECT_EQ(key.problem.rfind("mb1_g1ic", 0), 0u) << key.problem;
    if (node.has_input(3)) {
      EXPECT_NE(key.problem.find("+input3"), std::string::npos) << "residual epilogue in the key";
    }
    auto it = entries.find(key_line(key));
    ASSERT_NE(it, entries.end()) << step->name << ": no cache line for " << key.problem;
    EXPECT_EQ(it->second, step->implementation) << step->name;
    keys.insert(key_line(key));
  }
  EXPECT_EQ(entries.size(), keys.size()) << "one line per distinct problem, nothing else";
  EXPECT_EQ(static_cast<size_t>(p.autotune.nodes_timed), keys.size()) << "identical layers are timed once";
}

TEST_F(AutotuneTest, SecondSessionReadsTheCacheAndTimesNothing) {
  Model model = resnet_like(1);
  Session first(model, autotuned(1));
  const std::string written = read_text(cache_);
  Session second(model, autotuned(1));
  const plan::Plan& p = second.impl().plan();
  EXPECT_EQ(p.autotune.nodes_timed, 0);
  EXPECT_EQ(p.autotune.candidates_timed, 0);
  EXPECT_EQ(p.autotune.cache_hits, 6);
  const auto a = tuned_steps(first), b = tuned_steps(second);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(b[i]->selection, plan::Selection::cached) << b[i]->name;
    EXPECT_EQ(b[i]->implementation, a[i]->implementation) << b[i]->name;
  }
  EXPECT_EQ(read_text(cache_), written) << "nothing new to save";
}

// The cache, not a repeat of the timing, decides: lines naming the direct kernel for every layer
// (a supported candidate that timing rarely picks for all of them) are obeyed.
TEST_F(AutotuneTest, CachedChoiceIsObeyed) {
  Model model = resnet_like(1);
  std::string forged;
  {
    Session s(model, autotuned(1));
    for (const plan::Step* step : tuned_steps(s))
      forged += key_line(plan::autotune_key(describe(s.impl(), *step), s.impl().context())) + "\tconv_nchwc_direct\n";
  }
  write_text(cache_, forged);
  Session s(model, autotuned(1));
  EXPECT_EQ(s.impl().plan().autotune.nodes_timed, 0);
  for (const plan::Step* step : tuned_steps(s)) {
    EXPECT_EQ(step->selection, plan::Selection::cached) << step->name;
    EXPECT_EQ(step->implementation, "conv_nchwc_direct") << step->name;
  }
}

TEST_F(AutotuneTest, CorruptCacheLinesAreIgnoredWithOneWarning) {
  Model model = resnet_like(1);
  std::string valid;
  {
    Session s(model, autotuned(1));
    const plan::Step* stem = tuned_steps(s).front();
    valid = key_line(plan::autotune_key(describe(s.impl(), *stem), s.impl().context())) + "\tconv_nchwc_direct\n";
  }
  const std::string junk = std::string("not a cache line\n") + "Conv\tx\tavx2\tmany\t1\tconv_nchwc_direct\n" +
                           "Conv\t\tavx2\t1\t1\tconv_nchwc_direct\n" + "Conv\tx\tavx2\t0\t1\tconv_nchwc_direct\n" +
                           "Conv\tx\tavx2\t1\t1\tconv_nchwc_direct\textra\n" + std::string("\x01\xff\x00garbage\n", 11) +
                           valid + "# a comment\n\nConv\tx\tavx2\t-3\t1";  // no final newline
  write_text(cache_, junk);
  ::testing::internal::CaptureStderr();
  std::optional<Session> s;
  EXPECT_NO_THROW(s.emplace(model, autotuned(1)));
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(s);
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_NE(err.find("castnet: warning: autotune cache"), std::string::npos) << err;
  EXPECT_NE(err.find("7 malformed lines ignored (first: line 1)"), std::string::npos) << err;
  // The valid line is still used; the others were timed, and the rewrite drops the junk.
  const plan::Step* stem = tuned_steps(*s).front();
  EXPECT_EQ(stem->selection, plan::Selection::cached);
  EXPECT_EQ(stem->implementation, "conv_nchwc_direct");
  EXPECT_GT(s->impl().plan().autotune.nodes_timed, 0);
  EXPECT_EQ(cache_entries(cache_).size(), static_cast<size_t>(s->impl().plan().autotune.nodes_timed) + 1);
}

TEST_F(AutotuneTest, UnreadableCacheIsAWarningNotAnError) {
  fs::create_directories(cache_);  // a directory where the file should be: cannot be read or replaced
  Model model = resnet_like(1);
  ::testing::internal::CaptureStderr();
  std::optional<Session> s;
  EXPECT_NO_THROW(s.emplace(model, autotuned(1)));
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(s);
  EXPECT_NE(err.find("castnet: warning: autotune cache"), std::string::npos) << err;
  EXPECT_EQ(s->impl().plan().autotune.cache_hits + s->impl().plan().autotune.nodes_timed, 6);
  // Runs anyway.
  std::mt19937 rng(3);
  EXPECT_NO_THROW(s->run({{"x", random_tensor({1, 3, 38, 38}, rng)}}));
}

// A cached name that no longer exists, or that exists but cannot run the layer (Winograd for a
// 7×7 stem), is timed again and overwritten.
TEST_F(AutotuneTest, StaleEntryFallsBackToTiming) {
  Model model = resnet_like(1);
  std::string stale;
  std::vector<std::string> keys;
  {
    Session s(model, autotuned(1));
    for (const plan::Step* step : tuned_steps(s)) {
      keys.push_back(key_line(plan::autotune_key(describe(s.impl(), *step), s.impl().context())));
      const bool stem = step->name.rfind("stem", 0) == 0;
      stale += keys.back() + (stem ? "\tconv_winograd_f4x3\n" : "\tconv_renamed_since\n");
    }
  }
  write_text(cache_, stale);
  Session s(model, autotuned(1));
  EXPECT_EQ(s.impl().plan().autotune.cache_hits + s.impl().plan().autotune.nodes_timed, 6);
  EXPECT_GT(s.impl().plan().autotune.nodes_timed, 0);
  for (const plan::Step* step : tuned_steps(s)) {
    EXPECT_NE(step->implementation, "conv_renamed_since");
    if (step->name.rfind("stem", 0) == 0) {
      EXPECT_NE(step->implementation, "conv_winograd_f4x3");
    }
  }
  const auto entries = cache_entries(cache_);
  for (const std::string& k : keys) {
    auto it = entries.find(k);
    ASSERT_NE(it, entries.end());
    EXPECT_NE(it->second, "conv_renamed_since") << k;
    if (k.find("kh7") != std::string::npos) {
      EXPECT_NE(it->second, "conv_winograd_f4x3") << k;
    }
  }
}

TEST_F(AutotuneTest, ThreadCountIsPartOfTheKey) {
  Model model = resnet_like(1);
  Session one(model, autotuned(1));
  Session two(model, autotuned(2));
  EXPECT_GT(two.impl().plan().autotune.nodes_timed, 0) << "threads=1 choices do not serve threads=2";
  EXPECT_EQ(two.impl().plan().autotune.cache_hits + two.impl().plan().autotune.nodes_timed, 6);
  std::set<std::string> threads;
  for (const auto& [key, impl] : cache_entries(cache_)) threads.insert(split(key, '\t')[3]);
  EXPECT_EQ(threads, (std::set<std::string>{"1", "2"}));
  Session again(model, autotuned(2));
  EXPECT_EQ(again.impl().plan().autotune.nodes_timed, 0);
}

// Sessions tuning at the same time (different thread counts, so different keys) each merge their
// choices into the file: nothing lost, nothing torn.
TEST_F(AutotuneTest, ConcurrentSessionsMergeTheirChoices) {
  Model model = resnet_like(1);
  std::vector<std::thread> threads;
  std::vector<int> timed(4, 0);
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      Session s(model, autotuned(t + 1));
      timed[static_cast<size_t>(t)] = s.impl().plan().autotune.nodes_timed;
    });
  for (std::thread& t : threads) t.join();
  std::map<std::string, int> per_threads;
  for (const auto& [key, impl] : cache_entries(cache_)) ++per_threads[split(key, '\t')[3]];
  for (int t = 0; t < 4; ++t) EXPECT_EQ(per_threads[std::to_string(t + 1)], timed[static_cast<size_t>(t)]) << t + 1;
  for (const auto& entry : fs::directory_iterator(cache_.parent_path()))
    EXPECT_TRUE(entry.path() == cache_ || entry.path().string() == cache_.string() + ".lock")
        << "temporary file left behind: " << entry.path();
}

TEST_F(AutotuneTest, OffByDefaultTimesAndWritesNothing) {
  Model model = resnet_like(1);
  Session s(model, Options{.threads = 1});
  EXPECT_EQ(s.impl().plan().autotune.candidates_timed, 0);
  EXPECT_EQ(s.impl().plan().autotune.cache_hits, 0);
  for (const plan::Step& step : s.impl().plan().steps) EXPECT_EQ(step.selection, plan::Selection::rule) << step.name;
  EXPECT_FALSE(fs::exists(cache_));
  EnvScope env("CASTNET_AUTOTUNE", "1");
  Session tuned_by_env(model, Options{.threads = 1});
  EXPECT_TRUE(tuned_by_env.impl().options().autotune);
  EXPECT_TRUE(fs::exists(cache_));
}

// The autotuned network, on every ISA and at 1 and 2 threads, against the reference.
TEST_F(AutotuneTest, AutotunedNetworkMatchesReference) {
  castnet::testing::PoisonScope poison;
  for (int64_t batch : {1, 2}) {
    Model model = resnet_like(batch);
    std::mt19937 rng(static_cast<uint32_t>(5 + batch));
    NamedTensors in{{"x", random_tensor({batch, 3, 38, 38}, rng)}};
    Session ref(model, Options{.threads = 1, .isa = "reference"});
    const std::vector<Tensor> want = ref.run(in);
    for (const std::string& isa : fast_isas())
      for (int threads : {1, 2}) {
        Session s(model, autotuned(threads, isa));
        bool winograd = false;
        std::string algos;
        for (const plan::Step* step : tuned_steps(s)) {
          winograd |= step->implementation.find("winograd") != std::string::npos;
          algos += " " + step->implementation;
        }
        const double err = relative_l2(s.run(in)[0], want[0]);
        EXPECT_LE(err, winograd ? kWinogradTolerance : kTolerance)
            << "isa=" << isa << " threads=" << threads << " batch=" << batch << " chose" << algos;
      }
  }
}

ConvDesc make(int64_t n, int64_t ic, int64_t oc, int64_t ih, int64_t iw, int64_t k, int64_t s, int64_t dil,
              int64_t pt, int64_t pl, int64_t pb, int64_t pr) {
  ConvDesc d;
  d.batch = n; d.in_channels = ic; d.out_channels = oc; d.rank = 2;
  d.in = {ih, iw, 1}; d.kernel = {k, k, 1}; d.stride = {s, s, 1}; d.dilation = {dil, dil, 1};
  d.pad_begin = {pt, pl, 0}; d.pad_end = {pb, pr, 0};
  d.compute_output();
  return d;
}

// Autotune may pick any candidate that supports a layer, not only the one the cost rule would:
// each, forced, against the reference on awkward shapes (channel tails, odd planes, strides,
// dilation, asymmetric pads, batch 2, many input channels for im2col).
TEST_F(AutotuneTest, EverySupportingCandidateMatchesReference) {
  castnet::testing::PoisonScope poison;
  const ConvDesc cases[] = {
      make(1, 13, 37, 11, 9, 3, 1, 1, 1, 1, 1, 1),   // 3×3 s1: all four candidates
      make(2, 37, 13, 10, 13, 3, 1, 1, 0, 1, 2, 0),  // asymmetric pads, batch 2
      make(1, 3, 16, 23, 23, 7, 2, 1, 3, 3, 3, 3),   // stem-like 7×7/2
      make(1, 40, 24, 14, 14, 1, 2, 1, 0, 0, 0, 0),  // 1×1/2
      make(1, 17, 17, 12, 12, 3, 1, 2, 2, 2, 2, 2),  // dilation 2
      make(1, 130, 20, 6, 7, 3, 2, 1, 1, 1, 1, 1),   // many input channels, stride 2
  };
  uint32_t seed = 40;
  for (const ConvDesc& d : cases) {
    std::mt19937 rng(seed++);
    Model model = castnet::testing::single_conv_model(d, true, rng);
    NamedTensors in{{"x", random_tensor({d.batch, d.in_channels, d.ih(), d.iw()}, rng)}};
    Session ref(model, Options{.threads = 1, .isa = "reference"});
    const std::vector<Tensor> want = ref.run(in);
    for (const char* algo : {"conv_winograd_f4x3", "conv_winograd_f2x3", "conv_im2col_nchwc", "conv_nchwc_direct"}) {
      const bool winograd = std::string(algo).find("winograd") != std::string::npos;
      if (winograd && (d.kh() != 3 || d.stride[0] != 1 || d.dilation[0] != 1)) continue;
      EnvScope force("CASTNET_CONV_ALGO", algo);
      for (const std::string& isa : fast_isas())
        for (int threads : {1, 2}) {
          Session s(model, Options{.threads = threads, .isa = isa});
          const plan::Step& step = s.impl().plan().steps.at(0);
          ASSERT_EQ(step.implementation, algo) << d.to_string() << " isa=" << isa;
          EXPECT_EQ(step.selection, plan::Selection::forced);
          const double err = relative_l2(s.run(in)[0], want[0]);
          EXPECT_LE(err, winograd ? kWinogradTolerance : kTolerance)
              << d.to_string() << " " << algo << " isa=" << isa << " threads=" << threads;
        }
    }
  }
}

TEST_F(AutotuneTest, CliFlagTunesAndCaches) {
  const std::string cmd = std::string("CASTNET_AUTOTUNE_CACHE='") + cache_.string() + "' '" + CASTNET_CLI_PATH +
                          "' info zoo:bottleneck --threads 1 --fuse-level 1 --autotune >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  EXPECT_FALSE(cache_entries(cache_).empty());
}

}  // namespace
}  // namespace castnet
