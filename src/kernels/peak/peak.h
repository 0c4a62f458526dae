// The machine's measured limits: fp32 FMA throughput and memory bandwidth. `castnet peak` prints
// them; the profiler divides by them to report each kernel as % of what the hardware can do.
//
// The FMA loops keep many independent accumulator chains (acc += b * c) in registers, enough to
// cover FMA latency × throughput on current cores (4 cycles × 2 pipes on Zen 4/5 and Intel), so
// nothing but the FMA units limits them. The bandwidth kernels stream buffers much larger than
// the last-level cache.
#pragma once
#include "core/cpu_features.h"

#include <cstddef>
#include <cstdint>

namespace castnet::kernels {

// One thread's FMA loop for one ISA. run() performs `iterations` iterations of
// flops_per_iteration floating-point operations and returns a value derived from the results
// (so the loop cannot be optimised away).
struct FmaPeakKernel {
  const char* name;
  Isa isa;
  double flops_per_iteration;
  float (*run)(uint64_t iterations);
};

float fma_peak_run_generic(uint64_t iterations);
float fma_peak_run_avx2(uint64_t iterations);
float fma_peak_run_avx512(uint64_t iterations);

// The FMA loop for `isa`, or null when this CPU cannot execute it (Isa::reference has none).
const FmaPeakKernel* fma_peak_kernel(Isa isa);

// GFLOP/s of `kernel` on `threads` threads together, each running about `seconds`.
double measure_fma_gflops(const FmaPeakKernel& kernel, int threads, double seconds);

struct MemoryBandwidth {
  double read_gbps = 0;   // sum over a buffer: bytes read
  double copy_gbps = 0;   // b[i] = a[i]: bytes read + bytes written
  double triad_gbps = 0;  // a[i] = b[i] + s * c[i]: bytes read + bytes written
};

// Memory bandwidth (best of several passes) over buffers of `buffer_bytes` each (three are
// allocated), with the work split over `threads` threads; about `seconds` per kernel. Throws
// std::bad_alloc when the buffers cannot be allocated.
MemoryBandwidth measure_memory_bandwidth(size_t buffer_bytes, int threads, double seconds);

}  // namespace castnet::kernels
