// castnet bench [MODEL]: load time, first-run latency, then the latency distribution of repeated
// runs, throughput and achieved GFLOP/s.
#include "castnet/commands.h"

#include <castnet/castnet.h>
#include <castnet/error.h>

#include "castnet/cli_args.h"
#include "castnet/random_inputs.h"
#include "core/cpu_features.h"
#include "runtime/session_impl.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace castnet::cli {
namespace {

const char* kUsage =
    "usage: castnet bench [MODEL] [options]\n"
    "Times inference of MODEL (an .onnx file or zoo:NAME; default zoo:resnet50).\n"
    "  --iters N              timed runs (default: until 10 runs or ~10 s, at least 3)\n"
    "  --warmup N             untimed runs after the first one (default 1)\n"
    "  --json FILE            also write the results as JSON\n";

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Linear interpolation between order statistics (NumPy's default percentile).
double percentile(const std::vector<double>& sorted, double q) {
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (pos - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

struct BenchResult {
  std::string model;
  int64_t batch = 1;
  int threads = 1;
  std::string isa, cpu_features;
  int64_t iters = 0;
  double load_ms = 0, first_run_ms = 0;
  double median_ms = 0, p10_ms = 0, p90_ms = 0, min_ms = 0, max_ms = 0;
  double throughput_ips = 0, gflops = 0;
  int64_t flops = 0;
  size_t arena_bytes = 0, workspace_bytes = 0;
};

void write_json(const std::string& path, const BenchResult& r) {
  std::ostringstream j;
  j << "{\n"
    << "  \"model\": " << json_string(r.model) << ",\n"
    << "  \"batch\": " << r.batch << ",\n"
    << "  \"threads\": " << r.threads << ",\n"
    << "  \"iters\": " << r.iters << ",\n"
    << "  \"load_ms\": " << json_number(r.load_ms) << ",\n"
    << "  \"first_run_ms\": " << json_number(r.first_run_ms) << ",\n"
    << "  \"median_ms\": " << json_number(r.median_ms) << ",\n"
    << "  \"p10_ms\": " << json_number(r.p10_ms) << ",\n"
    << "  \"p90_ms\": " << json_number(r.p90_ms) << ",\n"
    << "  \"min_ms\": " << json_number(r.min_ms) << ",\n"
    << "  \"max_ms\": " << json_number(r.max_ms) << ",\n"
    << "  \"throughput_ips\": " << json_number(r.throughput_ips) << ",\n"
    << "  \"flops_per_run\": " << r.flops << ",\n"
    << "  \"gflops\": " << json_number(r.gflops) << ",\n"
    << "  \"arena_bytes\": " << r.arena_bytes << ",\n"
    << "  \"workspace_bytes\": " << r.workspace_bytes << ",\n"
    << "  \"isa\": " << json_string(r.isa) << ",\n"
    << "  \"cpu_features\": " << json_string(r.cpu_features) << "\n"
    << "}\n";
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error("cannot open for writing", path);
  f << j.str();
  if (!f.flush()) throw Error("write failed", path);
}

}  // namespace

int cmd_bench(int argc, char** argv) {
  ArgParser args("bench", std::string(kUsage) + kSessionOptionsUsage);
  args.option("--iters");
  args.option("--warmup");
  args.option("--json");
  add_session_options(args);
  if (!args.parse(argc, argv)) return 0;
  args.expect_positional(0, 1, "at most one MODEL");
  const Options options = session_options(args);
  const int64_t fixed_iters = args.get_int("--iters", 0, 1, 1000000);
  const int64_t warmup = args.get_int("--warmup", 1, 0, 1000000);

  BenchResult r;
  r.model = args.positional().empty() ? "zoo:resnet50" : args.positional()[0];

  Clock::time_point t0 = Clock::now();
  Model model = Model::load(r.model);
  check_session_options(options, model);
  Session session(model, options);
  r.load_ms = ms_since(t0);

  const std::vector<TensorInfo> input_infos = session.inputs();
  const NamedTensors inputs = random_inputs(input_infos);
  // Images per run: the first dimension of the first input, as this session fixed it.
  r.batch = !input_infos.empty() && !input_infos[0].shape.empty() ? input_infos[0].shape[0] : 1;
  const SessionImpl& impl = session.impl();
  r.threads = impl.context().pool ? impl.context().pool->size() : 1;
  r.isa = isa_name(impl.context().isa);
  r.cpu_features = CpuFeatures::host().to_string();
  r.flops = impl.plan().total_flops;
  r.arena_bytes = impl.plan().arena_bytes;
  r.workspace_bytes = impl.plan().workspace_bytes;

  t0 = Clock::now();
  session.run(inputs);
  r.first_run_ms = ms_since(t0);
  for (int64_t i = 0; i < warmup; ++i) session.run(inputs);

  // Without --iters: stop at 10 runs or after ~10 s, but take at least 3 (slow models still get
  // a median that means something, and `castnet bench` stays well under a minute).
  std::vector<double> times;
  const Clock::time_point measure_start = Clock::now();
  while (true) {
    const int64_t n = static_cast<int64_t>(times.size());
    if (fixed_iters > 0 ? n >= fixed_iters
                        : n >= 10 || (n >= 3 && ms_since(measure_start) >= 10000.0))
      break;
    t0 = Clock::now();
    session.run(inputs);
    times.push_back(ms_since(t0));
  }
  std::sort(times.begin(), times.end());
  r.iters = static_cast<int64_t>(times.size());
  r.median_ms = percentile(times, 0.5);
  r.p10_ms = percentile(times, 0.1);
  r.p90_ms = percentile(times, 0.9);
  r.min_ms = times.front();
  r.max_ms = times.back();
  r.throughput_ips = static_cast<double>(r.batch) / (r.median_ms / 1000.0);
  r.gflops = static_cast<double>(r.flops) / (r.median_ms / 1000.0) / 1e9;

  std::printf("model        %s (%s)\n", r.model.c_str(), model.name().c_str());
  std::printf("batch        %lld\n", static_cast<long long>(r.batch));
  std::printf("load         %.1f ms (model load + session creation)\n", r.load_ms);
  std::printf("first run    %.2f ms\n", r.first_run_ms);
  std::printf("latency      median %.3f ms  p10 %.3f  p90 %.3f  min %.3f  max %.3f  (%lld runs)\n",
              r.median_ms, r.p10_ms, r.p90_ms, r.min_ms, r.max_ms, static_cast<long long>(r.iters));
  std::printf("throughput   %.2f images/s\n", r.throughput_ips);
  std::printf("compute      %.2f GFLOP/s (%.3f GFLOP per run)\n", r.gflops,
              static_cast<double>(r.flops) / 1e9);
  std::printf("memory       %.2f MiB activation arena, %.2f MiB workspace\n", r.arena_bytes / 1048576.0,
              r.workspace_bytes / 1048576.0);
  std::printf("threads      %d\n", r.threads);
  std::printf("isa          %s\n", r.isa.c_str());
  std::printf("cpu          %s\n", CpuFeatures::host().brand.c_str());
  std::printf("cpu features %s\n", r.cpu_features.c_str());
  if (args.has("--json")) write_json(args.get("--json"), r);
  return 0;
}

}  // namespace castnet::cli
