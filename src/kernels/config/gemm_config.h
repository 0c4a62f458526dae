// The one place that decides, per instruction set, which GEMM microkernel runs, its tile shape,
// its packing routines and the cache block sizes around it (in the manner of XNNPACK's
// gemm-config and BLIS's cntx_init). Everything above kernels asks here; nothing else looks at
// the CPU to choose a GEMM kernel.
#pragma once
#include "core/cpu_features.h"
#include "kernels/gemm/sgemm_ukernel.h"

#include <cstddef>

namespace castnet::kernels {

struct SgemmConfig {
  const char* name;  // the microkernel, as logs and the profiler print it
  Isa isa;
  size_t mr, nr;  // register tile: the microkernel computes mr × nr of C
  // Cache blocks: a kc × nr B panel stays in L1 across the MR panels of A, the mc × kc block of
  // packed A in L2, the kc × nc block of packed B in L3. mc is a multiple of mr, nc of nr.
  size_t kc, mc, nc;
  SgemmUkernelFn ukernel;
  SgemmPackAFn pack_a;
  SgemmPackBFn pack_b;
};

// The configuration for `isa`. An ISA the host CPU cannot execute falls back to the best one it
// can (so no unsupported instruction ever runs); Isa::reference gets the portable kernel.
const SgemmConfig& sgemm_config(Isa isa);

}  // namespace castnet::kernels
