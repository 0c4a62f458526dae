// castnet profile MODEL: per-step time, share, GFLOP/s and % of measured peak, bytes moved, the
// algorithm each step ran; kernel steps and memory traffic with and without fusion; optionally a
// Chrome-trace timeline.
#include "castnet/cli_args.h"
#include "castnet/commands.h"
#include "castnet/random_inputs.h"

#include <castnet/castnet.h>

#include "kernels/peak/peak.h"
#include "runtime/profiler.h"

#include <cstdio>
#include <fstream>

namespace castnet::cli {
namespace {

const char* kUsage =
    "usage: castnet profile MODEL [options]\n"
    "  --runs N               timed runs (default 20); each step's median is reported\n"
    "  --warmup N             untimed runs first (default 2)\n"
    "  --trace FILE           write a Chrome-trace JSON timeline (Perfetto, chrome://tracing)\n"
    "  --peak-gflops G        fp32 peak for '% of peak' (default: measured now at the session's threads)\n"
    "  --top N                print only the N slowest steps (default: all)\n";

struct Totals {
  int kernel_steps = 0;
  int64_t bytes = 0;
};

// Steps that compute (layout reorders excluded) and their estimated traffic.
Totals totals_of(const SessionImpl& s) {
  Totals t;
  for (const plan::Step& step : s.plan().steps) {
    t.bytes += step_bytes(s.graph(), step);
    if (step.op_type != "Reorder") ++t.kernel_steps;
  }
  return t;
}

}  // namespace

int cmd_profile(int argc, char** argv) {
  ArgParser args("profile", std::string(kUsage) + kSessionOptionsUsage);
  add_session_options(args);
  for (const char* o : {"--runs", "--warmup", "--trace", "--peak-gflops", "--top"}) args.option(o);
  if (!args.parse(argc, argv)) return 0;
  args.expect_positional(1, 1, "one MODEL");
  const int runs = static_cast<int>(args.get_int("--runs", 20, 1, 100000));
  const int warmup = static_cast<int>(args.get_int("--warmup", 2, 0, 100000));
  const int top = static_cast<int>(args.get_int("--top", 1 << 30, 1, 1 << 30));

  Options options = session_options(args);
  Model model = Model::load(args.positional()[0]);
  check_session_options(options, model);
  Session session(model, options);
  const SessionImpl& impl = session.impl();
  NamedTensors inputs = random_inputs(session.inputs());
  ProfileReport rep = profile_session(impl, inputs, runs, warmup);

  double peak = args.get_double("--peak-gflops", 0, 0, 1e9);
  if (peak <= 0) {
    const kernels::FmaPeakKernel* k = kernels::fma_peak_kernel(impl.context().isa);
    peak = k ? kernels::measure_fma_gflops(*k, impl.options().threads, 0.3) : 0;
  }

  std::printf("model %s  threads %d  isa %s  runs %d  peak %.1f GFLOP/s\n", args.positional()[0].c_str(),
              impl.options().threads, isa_name(impl.context().isa), rep.runs, peak);
  std::printf("%-44s %-18s %-36s %9s %6s %9s %6s %9s  %s\n", "step", "op", "algorithm", "ms", "%", "GFLOP/s", "%peak",
              "MB", "shapes");
  std::vector<size_t> order(rep.steps.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  if (top < static_cast<int>(order.size()))
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rep.steps[a].median_ms > rep.steps[b].median_ms; });
  int printed = 0;
  for (size_t i : order) {
    if (printed++ >= top) break;
    const StepProfile& s = rep.steps[i];
    double gflops = s.median_ms > 0 ? s.flops / (s.median_ms * 1e6) : 0;
    std::printf("%-44s %-18s %-36s %9.3f %6.1f %9.1f %6.1f %9.2f  %s\n", s.name.substr(0, 44).c_str(), s.op_type.c_str(),
                s.algorithm.substr(0, 36).c_str(), s.median_ms, 100 * s.median_ms / std::max(rep.sum_step_ms, 1e-9), gflops,
                peak > 0 ? 100 * gflops / peak : 0, s.bytes / 1e6, s.shapes.c_str());
  }
  double total_gflops = rep.total_ms > 0 ? rep.total_flops / (rep.total_ms * 1e6) : 0;
  std::printf("total: %.3f ms median per run (steps sum %.3f ms), %.2f GFLOP, %.1f GFLOP/s = %.1f%% of peak\n",
              rep.total_ms, rep.sum_step_ms, rep.total_flops / 1e9, total_gflops, peak > 0 ? 100 * total_gflops / peak : 0);

  // What fusion did: the same model with rewriting off.
  Options unfused_options = options;
  unfused_options.fuse_level = 0;
  Session unfused(model, unfused_options);
  Totals before = totals_of(unfused.impl()), after = totals_of(impl);
  std::printf("fusion: kernel steps %d -> %d, estimated memory traffic %.1f MB -> %.1f MB (%.0f%% less)\n",
              before.kernel_steps, after.kernel_steps, before.bytes / 1e6, after.bytes / 1e6,
              before.bytes > 0 ? 100.0 * (before.bytes - after.bytes) / before.bytes : 0.0);
  std::printf("activation memory: %.1f MB arena, %.1f MB workspace\n", impl.plan().arena_bytes / 1e6,
              impl.plan().workspace_bytes / 1e6);

  if (args.has("--trace")) {
    std::string path = args.get("--trace");
    std::ofstream f(path);
    if (!f) throw Error("cannot write trace file", path);
    f << chrome_trace_json(rep);
    if (!f) throw Error("failed writing trace file", path);
    std::printf("trace: %s\n", path.c_str());
  }
  return 0;
}

}  // namespace castnet::cli
