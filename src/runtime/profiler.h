// Where the time goes: runs a session several times with a per-step timer and reports, for each
// step of the plan, the median time, its share, GFLOP/s and the bytes it reads and writes
// (estimated from tensor sizes), plus a Chrome-trace timeline of one run.
#pragma once
#include "runtime/session_impl.h"

#include <string>
#include <vector>

namespace castnet {

struct StepProfile {
  std::string name;       // node name, fused names joined with '+'
  std::string op_type;
  std::string algorithm;
  std::string shapes;     // "1x64x56x56 -> 1x64x56x56"
  double median_ms = 0;
  int64_t flops = 0;
  int64_t bytes = 0;      // activations read + written, weights read
};

struct ProfileReport {
  std::vector<StepProfile> steps;
  double total_ms = 0;         // median of whole runs
  double sum_step_ms = 0;      // sum of step medians
  int runs = 0;
  int64_t total_flops = 0;
  int64_t total_bytes = 0;
  // Chrome trace events of the median run: (step, start µs, duration µs).
  struct Event { size_t step; double start_us, dur_us; };
  std::vector<Event> timeline;
};

// Estimated bytes a step moves: every non-constant input and output at its stored size, and
// constants (weights) once.
int64_t step_bytes(const ir::Graph& graph, const plan::Step& step);

ProfileReport profile_session(const SessionImpl& session, const NamedTensors& inputs, int runs, int warmup);

// The timeline as Chrome-trace JSON (an array of "X" events, the shape ONNX Runtime's profiler
// writes; opens in Perfetto and chrome://tracing).
std::string chrome_trace_json(const ProfileReport& report);

}  // namespace castnet
