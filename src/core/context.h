// Everything a kernel may consult about the machine, passed in explicitly: no hidden globals.
#pragma once
#include "core/cpu_features.h"
#include "core/thread_pool.h"

namespace castnet {

struct Context {
  const CpuFeatures* cpu = &CpuFeatures::host();
  Isa isa = Isa::generic;
  ThreadPool* pool = nullptr;  // never null inside a session
  bool verbose = false;
};

}  // namespace castnet
