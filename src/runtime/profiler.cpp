#include "runtime/profiler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>

namespace castnet {
namespace {

using Clock = std::chrono::steady_clock;

struct Recorder final : StepObserver {
  Clock::time_point run_start, step_start;
  std::vector<double> start_us, dur_us;
  void before_step(size_t) override { step_start = Clock::now(); }
  void after_step(size_t i) override {
    auto now = Clock::now();
    start_us[i] = std::chrono::duration<double, std::micro>(step_start - run_start).count();
    dur_us[i] = std::chrono::duration<double, std::micro>(now - step_start).count();
  }
};

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string value_bytes_shape(const ir::Value& v) { return shape_to_string(v.shape); }

std::string json_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    r += c;
  }
  return r;
}

}  // namespace

int64_t step_bytes(const ir::Graph& graph, const plan::Step& step) {
  int64_t bytes = 0;
  for (ir::ValueId id : step.inputs)
    if (id != ir::kNoValue) {
      const ir::Value& v = graph.value(id);
      bytes += storage_numel(v.shape, v.layout) * static_cast<int64_t>(dtype_size(v.dtype));
    }
  for (ir::ValueId id : step.outputs)
    if (id != ir::kNoValue) {
      const ir::Value& v = graph.value(id);
      bytes += storage_numel(v.shape, v.layout) * static_cast<int64_t>(dtype_size(v.dtype));
    }
  return bytes;
}

ProfileReport profile_session(const SessionImpl& session, const NamedTensors& inputs, int runs, int warmup) {
  const plan::Plan& plan = session.plan();
  const ir::Graph& graph = session.graph();
  const size_t n = plan.steps.size();
  for (int i = 0; i < warmup; ++i) session.run(inputs);

  std::vector<std::vector<double>> per_step(n);
  std::vector<double> totals;
  std::vector<std::vector<double>> starts, durs;
  Recorder rec;
  rec.start_us.assign(n, 0);
  rec.dur_us.assign(n, 0);
  for (int r = 0; r < std::max(1, runs); ++r) {
    rec.run_start = Clock::now();
    session.run(inputs, &rec);
    totals.push_back(std::chrono::duration<double, std::milli>(Clock::now() - rec.run_start).count());
    for (size_t i = 0; i < n; ++i) per_step[i].push_back(rec.dur_us[i] / 1000.0);
    starts.push_back(rec.start_us);
    durs.push_back(rec.dur_us);
  }

  ProfileReport rep;
  rep.runs = static_cast<int>(totals.size());
  rep.total_ms = median(totals);
  for (size_t i = 0; i < n; ++i) {
    const plan::Step& s = plan.steps[i];
    StepProfile p;
    p.name = s.name;
    p.op_type = s.op_type;
    p.algorithm = s.kernel->algorithm();
    std::string in, out;
    for (ir::ValueId id : s.inputs)
      if (id != ir::kNoValue && !graph.value(id).constant) (in += in.empty() ? "" : ",") += value_bytes_shape(graph.value(id));
    for (ir::ValueId id : s.outputs)
      if (id != ir::kNoValue) (out += out.empty() ? "" : ",") += value_bytes_shape(graph.value(id));
    p.shapes = in + " -> " + out;
    p.median_ms = median(per_step[i]);
    p.flops = s.flops;
    p.bytes = step_bytes(graph, s);
    rep.sum_step_ms += p.median_ms;
    rep.total_flops += p.flops;
    rep.total_bytes += p.bytes;
    rep.steps.push_back(std::move(p));
  }
  // Timeline of the run closest to the median.
  size_t best = 0;
  for (size_t r = 0; r < totals.size(); ++r)
    if (std::abs(totals[r] - rep.total_ms) < std::abs(totals[best] - rep.total_ms)) best = r;
  for (size_t i = 0; i < n; ++i) rep.timeline.push_back({i, starts[best][i], durs[best][i]});
  return rep;
}

std::string chrome_trace_json(const ProfileReport& report) {
  std::ostringstream os;
  os << "[\n";
  for (size_t k = 0; k < report.timeline.size(); ++k) {
    const auto& e = report.timeline[k];
    const StepProfile& s = report.steps[e.step];
    char buf[128];
    std::snprintf(buf, sizeof buf, "\"ts\": %.3f, \"dur\": %.3f", e.start_us, e.dur_us);
    os << "  {\"cat\": \"Node\", \"ph\": \"X\", \"pid\": 1, \"tid\": 1, \"name\": \"" << json_escape(s.name) << "\", " << buf
       << ", \"args\": {\"op_name\": \"" << json_escape(s.op_type) << "\", \"algorithm\": \"" << json_escape(s.algorithm)
       << "\", \"shapes\": \"" << json_escape(s.shapes) << "\", \"flops\": " << s.flops << ", \"bytes\": " << s.bytes << "}}"
       << (k + 1 < report.timeline.size() ? ",\n" : "\n");
  }
  os << "]\n";
  return os.str();
}

}  // namespace castnet
