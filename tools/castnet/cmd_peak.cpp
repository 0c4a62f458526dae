// castnet peak [--threads N] [--json FILE] [--quick]
// Measures the two roofs every kernel is judged against: fp32 FMA throughput (per ISA this CPU
// runs, on one thread and on all) and memory bandwidth (read, copy, triad over buffers much
// larger than the last-level cache). Takes a few seconds.
#include "castnet/commands.h"
#include "core/cpu_features.h"
#include "kernels/peak/peak.h"

#include <castnet/error.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <new>
#include <string>
#include <vector>

namespace castnet::cli {
namespace {

struct FmaRow {
  const kernels::FmaPeakKernel* kernel;
  double gflops_one, gflops_all;
};

struct BandwidthRow {
  int threads;
  kernels::MemoryBandwidth bw;
};

int parse_positive(const char* flag, const char* value) {
  char* end = nullptr;
  long v = std::strtol(value, &end, 10);
  if (!end || *end || v < 1 || v > 4096) throw Error(std::string(flag) + " expects a positive integer, got '" + value + "'");
  return static_cast<int>(v);
}

std::string json_escape(const std::string& s) {
  std::string out;
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    if (static_cast<unsigned char>(ch) >= 0x20) out += ch;
  }
  return out;
}

}  // namespace

int cmd_peak(int argc, char** argv) {
  const CpuFeatures& cpu = CpuFeatures::host();
  int threads = cpu.hardware_threads;
  std::string json_path;
  bool quick = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--threads" && i + 1 < argc) {
      threads = parse_positive("--threads", argv[++i]);
    } else if (arg == "--json" && i + 1 < argc) {
      json_path = argv[++i];
    } else if (arg == "--quick") {
      quick = true;
    } else if (arg == "-h" || arg == "--help") {
      std::puts("usage: castnet peak [--threads N] [--json FILE] [--quick]\n"
                "  fp32 FMA GFLOP/s per ISA on 1 and N threads (default: all hardware threads),\n"
                "  memory bandwidth (read, copy, triad) on 1 and N threads");
      return 0;
    } else {
      throw Error("peak: unknown argument '" + arg + "' (try castnet peak --help)");
    }
  }
  const double fma_seconds = quick ? 0.05 : 0.2;
  const double bw_seconds = quick ? 0.05 : 0.3;
  size_t buffer_bytes = quick ? (size_t(64) << 20) : (size_t(256) << 20);

  std::printf("castnet peak: %s (%s), %d hardware threads, measuring on 1 and %d\n",
              cpu.brand.c_str(), cpu.to_string().c_str(), cpu.hardware_threads, threads);

  std::vector<FmaRow> fma;
  for (Isa isa : {Isa::avx512, Isa::avx2, Isa::generic}) {
    const kernels::FmaPeakKernel* k = kernels::fma_peak_kernel(isa);
    if (!k) continue;
    FmaRow row{k, kernels::measure_fma_gflops(*k, 1, fma_seconds), 0};
    row.gflops_all = threads > 1 ? kernels::measure_fma_gflops(*k, threads, fma_seconds) : row.gflops_one;
    fma.push_back(row);
  }

  std::vector<BandwidthRow> bandwidth;
  for (int t : {1, threads}) {
    if (!bandwidth.empty() && t == bandwidth.back().threads) break;
    for (;;) {
      try {
        bandwidth.push_back({t, kernels::measure_memory_bandwidth(buffer_bytes, t, bw_seconds)});
        break;
      } catch (const std::bad_alloc&) {
        if (buffer_bytes <= (size_t(16) << 20)) throw Error("peak: cannot allocate bandwidth buffers");
        buffer_bytes /= 2;
      }
    }
  }

  std::printf("\n%-22s %14s %14s\n", "fp32 FMA (GFLOP/s)", "1 thread", (std::to_string(threads) + " threads").c_str());
  for (const FmaRow& r : fma)
    std::printf("  %-20s %14.1f %14.1f\n", isa_name(r.kernel->isa), r.gflops_one, r.gflops_all);
  std::printf("\n%-22s", "memory (GB/s)");
  for (const BandwidthRow& b : bandwidth)
    std::printf(" %14s", (std::to_string(b.threads) + (b.threads == 1 ? " thread" : " threads")).c_str());
  std::printf("\n");
  const char* names[] = {"read", "copy", "triad"};
  for (int kind = 0; kind < 3; ++kind) {
    std::printf("  %-20s", names[kind]);
    for (const BandwidthRow& b : bandwidth)
      std::printf(" %14.1f", kind == 0 ? b.bw.read_gbps : kind == 1 ? b.bw.copy_gbps : b.bw.triad_gbps);
    std::printf("\n");
  }
  std::printf("  (3 buffers of %zu MiB each; copy and triad count bytes read + written)\n", buffer_bytes >> 20);
  if (!fma.empty())
    std::printf("\npeak: %.1f GFLOP/s fp32 on 1 thread (%s), %.1f on %d threads; %.1f GB/s read\n",
                fma.front().gflops_one, isa_name(fma.front().kernel->isa), fma.front().gflops_all,
                threads, bandwidth.back().bw.read_gbps);

  if (!json_path.empty()) {
    std::ofstream out(json_path);
    if (!out) throw Error("peak: cannot write '" + json_path + "'");
    out << "{\n  \"cpu\": \"" << json_escape(cpu.brand) << "\",\n  \"features\": \""
        << json_escape(cpu.to_string()) << "\",\n  \"threads\": " << threads << ",\n  \"fma\": [";
    for (size_t i = 0; i < fma.size(); ++i)
      out << (i ? ",\n" : "\n") << "    {\"isa\": \"" << isa_name(fma[i].kernel->isa)
          << "\", \"gflops_1_thread\": " << fma[i].gflops_one
          << ", \"gflops_all_threads\": " << fma[i].gflops_all << "}";
    out << "\n  ],\n  \"bandwidth_buffer_bytes\": " << buffer_bytes << ",\n  \"bandwidth\": [";
    for (size_t i = 0; i < bandwidth.size(); ++i)
      out << (i ? ",\n" : "\n") << "    {\"threads\": " << bandwidth[i].threads
          << ", \"read_gbps\": " << bandwidth[i].bw.read_gbps
          << ", \"copy_gbps\": " << bandwidth[i].bw.copy_gbps
          << ", \"triad_gbps\": " << bandwidth[i].bw.triad_gbps << "}";
    out << "\n  ]";
    if (!fma.empty())
      out << ",\n  \"peak_gflops_1_thread\": " << fma.front().gflops_one
          << ",\n  \"peak_gflops_all_threads\": " << fma.front().gflops_all;
    out << "\n}\n";
    if (!out) throw Error("peak: error writing '" + json_path + "'");
    std::printf("wrote %s\n", json_path.c_str());
  }
  return 0;
}

}  // namespace castnet::cli
