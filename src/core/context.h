// Everything a kernel may consult about the machine, passed in explicitly: no hidden globals.
#pragma once
#include "core/cpu_features.h"
#include "core/thread_pool.h"

#include <string>

namespace castnet {

struct Context {
  const CpuFeatures* cpu = &CpuFeatures::host();
  Isa isa = Isa::generic;
  ThreadPool* pool = nullptr;  // never null inside a session
  bool verbose = false;
  // Plan-time algorithm choice by timing candidates, remembered in a file (src/plan/autotune.h);
  // an empty path keeps the choices in memory only.
  bool autotune = false;
  std::string autotune_cache;
};

}  // namespace castnet
