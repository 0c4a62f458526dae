#include "core/cpu_features.h"

#include <castnet/error.h>

#include <cpuid.h>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace castnet {
namespace {

uint64_t read_xcr0() {
  uint32_t lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

CpuFeatures detect() {
  CpuFeatures f;
  unsigned a, b, c, d;
  unsigned max_leaf = __get_cpuid_max(0, nullptr);
  if (max_leaf == 0) return f;
  __cpuid(0, a, b, c, d);
  char vendor[13];
  std::memcpy(vendor, &b, 4); std::memcpy(vendor + 4, &d, 4); std::memcpy(vendor + 8, &c, 4);
  vendor[12] = 0;
  f.vendor = vendor;

  __cpuid(1, a, b, c, d);
  f.sse41 = c & bit_SSE4_1;
  bool osxsave = c & bit_OSXSAVE;
  bool avx_cpu = c & bit_AVX;
  f.fma = c & bit_FMA;
  f.f16c = c & bit_F16C;
  uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  bool os_ymm = (xcr0 & 0x6) == 0x6;
  bool os_zmm = (xcr0 & 0xe6) == 0xe6;
  f.avx = avx_cpu && os_ymm;
  f.fma = f.fma && f.avx;
  f.f16c = f.f16c && f.avx;

  if (max_leaf >= 7) {
    __cpuid_count(7, 0, a, b, c, d);
    f.avx2 = (b & bit_AVX2) && f.avx;
    f.avx512f = (b & bit_AVX512F) && os_zmm;
    f.avx512dq = (b & bit_AVX512DQ) && f.avx512f;
    f.avx512bw = (b & bit_AVX512BW) && f.avx512f;
    f.avx512vl = (b & bit_AVX512VL) && f.avx512f;
    f.avx512_vnni = (c & bit_AVX512VNNI) && f.avx512f;
    f.avx512_fp16 = (d & (1u << 23)) && f.avx512f;
    __cpuid_count(7, 1, a, b, c, d);
    f.avx512_bf16 = (a & (1u << 5)) && f.avx512f;
  }

  unsigned ext = __get_cpuid_max(0x80000000, nullptr);
  if (ext >= 0x80000004) {
    char brand[49] = {};
    for (unsigned i = 0; i < 3; ++i) {
      __cpuid(0x80000002 + i, a, b, c, d);
      std::memcpy(brand + 16 * i, &a, 4); std::memcpy(brand + 16 * i + 4, &b, 4);
      std::memcpy(brand + 16 * i + 8, &c, 4); std::memcpy(brand + 16 * i + 12, &d, 4);
    }
    f.brand = brand;
    while (!f.brand.empty() && f.brand.back() == ' ') f.brand.pop_back();
  }
  unsigned hw = std::thread::hardware_concurrency();
  f.hardware_threads = hw ? static_cast<int>(hw) : 1;
  return f;
}

}  // namespace

const CpuFeatures& CpuFeatures::host() {
  static const CpuFeatures features = detect();
  return features;
}

std::string CpuFeatures::to_string() const {
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ' ';
    s += name;
  };
  add(avx2, "avx2"); add(fma, "fma"); add(f16c, "f16c");
  add(avx512f, "avx512f"); add(avx512bw, "avx512bw"); add(avx512vl, "avx512vl");
  add(avx512dq, "avx512dq"); add(avx512_vnni, "avx512_vnni"); add(avx512_bf16, "avx512_bf16");
  add(avx512_fp16, "avx512_fp16");
  return s.empty() ? "baseline" : s;
}

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::reference: return "reference";
    case Isa::generic: return "generic";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

Isa parse_isa(const std::string& name) {
  if (name == "reference") return Isa::reference;
  if (name == "generic") return Isa::generic;
  if (name == "avx2") return Isa::avx2;
  if (name == "avx512") return Isa::avx512;
  throw Error("unknown ISA '" + name + "' (expected avx512, avx2, generic or reference)");
}

bool isa_supported(Isa isa, const CpuFeatures& cpu) {
  switch (isa) {
    case Isa::reference: case Isa::generic: return true;
    case Isa::avx2: return cpu.avx2 && cpu.fma && cpu.f16c;
    case Isa::avx512: return cpu.avx512f && cpu.avx512bw && cpu.avx512vl && cpu.avx512dq && cpu.fma;
  }
  return false;
}

Isa best_isa(const CpuFeatures& cpu) {
  if (isa_supported(Isa::avx512, cpu)) return Isa::avx512;
  if (isa_supported(Isa::avx2, cpu)) return Isa::avx2;
  return Isa::generic;
}

Isa resolve_isa(const std::string& requested, const CpuFeatures& cpu) {
  std::string name = requested;
  if (name.empty()) {
    const char* env = std::getenv("CASTNET_ISA");
    if (env && *env) name = env;
  }
  if (name.empty()) return best_isa(cpu);
  Isa isa = parse_isa(name);
  if (!isa_supported(isa, cpu))
    throw Error(std::string("ISA '") + isa_name(isa) + "' is not supported by this CPU (" +
                cpu.to_string() + ")");
  return isa;
}

}  // namespace castnet
