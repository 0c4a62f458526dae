// Bottleneck fusion, block by block: every eligible ResNet-50 bottleneck as one fused
// castnet.BottleneckConv step (forced everywhere with --fuse-ops +bottleneck) against the sum
// of its three separate FusedConv steps (-bottleneck), each timed inside whole ResNet-50 runs.
// The two sessions alternate run by run (order swapped every round); each figure is the median
// over rounds of per-round medians. Prints per block, per stage and the whole model, and the
// fused/unfused ratio: the data behind the rule in src/passes/fuse_bottleneck.cpp.
//
//   ./build-bench/bench/bottleneck_bench --threads 1 --clock cpu --rounds 7
//   ./build-bench/bench/bottleneck_bench --threads 2 --rounds 9
//
//   --threads N    castnet threads (default 1)
//   --batch N      ResNet-50 batch (default 1)
//   --rounds R     rounds (default 7), --runs K timed runs per session and round (default 5)
//   --clock C      wall (default) | cpu: the calling thread's CPU time (only with --threads 1),
//                  which leaves out time spent descheduled on a busy machine
#include <castnet/castnet.h>

#include "runtime/session_impl.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
#include <random>
#include <regex>
#include <string>
#include <vector>

using namespace castnet;

namespace {

struct Args {
  int threads = 1, rounds = 7, runs = 5;
  int64_t batch = 1;
  bool cpu_clock = false;
};

[[noreturn]] void usage_error(const std::string& why) {
  std::fprintf(stderr, "bottleneck_bench: %s\nusage: bottleneck_bench [--threads N] [--batch N] [--rounds R] "
                       "[--runs K] [--clock wall|cpu]\n", why.c_str());
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (i + 1 >= argc) usage_error("missing value for " + k);
    std::string v = argv[++i];
    if (k == "--threads") a.threads = std::atoi(v.c_str());
    else if (k == "--batch") a.batch = std::atoll(v.c_str());
    else if (k == "--rounds") a.rounds = std::atoi(v.c_str());
    else if (k == "--runs") a.runs = std::atoi(v.c_str());
    else if (k == "--clock" && (v == "cpu" || v == "wall")) a.cpu_clock = v == "cpu";
    else usage_error("bad option " + k + " " + v);
  }
  if (a.threads < 1 || a.batch < 1 || a.rounds < 1 || a.runs < 1) usage_error("counts must be positive");
  if (a.cpu_clock && a.threads != 1) usage_error("--clock cpu times the calling thread only: use --threads 1");
  return a;
}

double now(bool cpu) {
  if (!cpu) return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// One session, with each conv step of a bottleneck mapped to its block ("layer2.1").
struct Timed {
  Session session;
  std::vector<std::string> block_of;  // per step; empty for steps outside the blocks
  std::map<std::string, std::string> what;  // block -> how it ran
  bool cpu = false;

  Timed(const Model& m, const Args& a, const std::string& fuse_ops)
      : session(m, [&] {
          Options o;
          o.threads = a.threads;
          o.fuse_ops = fuse_ops;
          return o;
        }()),
        cpu(a.cpu_clock) {
    // Step names join the fused nodes' names with '+', the first being the conv's.
    static const std::regex conv_name(R"(^(layer\d\.\d+)\.conv[123]($|\+))");
    for (const auto& s : session.impl().plan().steps) {
      std::smatch mm;
      if (std::regex_search(s.name, mm, conv_name)) {
        block_of.push_back(mm[1]);
        std::string& w = what[mm[1]];
        w += (w.empty() ? "" : " + ") + s.kernel->algorithm();
      } else {
        block_of.emplace_back();
      }
    }
  }

  // One run: seconds per block and for the whole run.
  std::map<std::string, double> run(const NamedTensors& in) const {
    struct Observer : StepObserver {
      const Timed* t = nullptr;
      std::map<std::string, double>* out = nullptr;
      double start = 0;
      void before_step(size_t) override { start = now(t->cpu); }
      void after_step(size_t i) override {
        if (!t->block_of[i].empty()) (*out)[t->block_of[i]] += now(t->cpu) - start;
      }
    } obs;
    std::map<std::string, double> r;
    obs.t = this;
    obs.out = &r;
    const double t0 = now(cpu);
    session.impl().run(in, &obs);
    r["(whole model)"] = now(cpu) - t0;
    return r;
  }
};

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse(argc, argv);
  Model m = Model::from_zoo("resnet50", a.batch);
  Timed fused(m, a, "+bottleneck"), unfused(m, a, "-bottleneck");
  std::mt19937 rng(1);
  NamedTensors in;
  for (const TensorInfo& t : fused.session.inputs()) {
    Tensor x(DType::f32, t.shape);
    std::uniform_real_distribution<float> d(-1.f, 1.f);
    for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = d(rng);
    in.push_back({t.name, x});
  }
  for (int w = 0; w < 2; ++w) fused.run(in), unfused.run(in);  // warm up: caches, pool, pages

  std::map<std::string, std::vector<double>> per_round[2];
  for (int r = 0; r < a.rounds; ++r) {
    std::map<std::string, std::vector<double>> runs[2];
    for (int k = 0; k < a.runs; ++k)
      for (int j = 0; j < 2; ++j) {
        const int which = (r + j) % 2;  // alternate which session goes first
        for (const auto& [block, s] : (which == 0 ? fused : unfused).run(in)) runs[which][block].push_back(s);
      }
    for (int j = 0; j < 2; ++j)
      for (const auto& [block, v] : runs[j]) per_round[j][block].push_back(median(v));
  }

  std::printf("ResNet-50 batch %lld, %d thread(s), %s clock, %d rounds x %d runs; ms, medians\n",
              static_cast<long long>(a.batch), a.threads, a.cpu_clock ? "thread-CPU" : "wall", a.rounds, a.runs);
  std::printf("%-14s %9s %9s %7s  %s\n", "block", "fused", "unfused", "ratio", "fused as");
  std::map<std::string, double> stage[2];
  for (const auto& [block, v] : per_round[0]) {
    const double f = median(v) * 1e3, u = median(per_round[1][block]) * 1e3;
    const bool is_block = block[0] == 'l';
    std::printf("%-14s %9.3f %9.3f %7.3f  %s\n", block.c_str(), f, u, f / u, is_block ? fused.what[block].c_str() : "");
    if (is_block) {
      const std::string s = block.substr(0, block.find('.'));
      stage[0][s] += f, stage[1][s] += u;
    }
  }
  for (const auto& [s, f] : stage[0])
    std::printf("stage %-8s %9.3f %9.3f %7.3f\n", s.c_str(), f, stage[1][s], f / stage[1][s]);
  return 0;
}
