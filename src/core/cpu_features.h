// What the CPU can execute, read once with CPUID (and XGETBV: the OS must also save the wide
// registers). Kernels are chosen from this in one place, src/kernels/config.
#pragma once
#include <string>

namespace castnet {

struct CpuFeatures {
  bool sse41 = false, avx = false, avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512_vnni = false, avx512_bf16 = false, avx512_fp16 = false;
  std::string vendor, brand;
  int hardware_threads = 1;

  static const CpuFeatures& host();  // detected once, then cached
  std::string to_string() const;     // "avx512f avx512bw ... bf16"
};

// The instruction-set levels castnet has kernels for, lowest to highest. `reference` is the plain
// double-accumulating implementation of every operator: the oracle, never fast.
enum class Isa { reference, generic, avx2, avx512 };

const char* isa_name(Isa isa);
// Parses "reference" | "generic" | "avx2" | "avx512" (throws castnet::Error otherwise).
Isa parse_isa(const std::string& name);
// Best level the CPU supports.
Isa best_isa(const CpuFeatures& cpu);
bool isa_supported(Isa isa, const CpuFeatures& cpu);
// The ISA to use: `requested` if non-empty, else $CASTNET_ISA if set, else best_isa(). Throws
// castnet::Error if the requested level is not supported by this CPU.
Isa resolve_isa(const std::string& requested, const CpuFeatures& cpu);

}  // namespace castnet
