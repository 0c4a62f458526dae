#include "ops/gemm/sgemm.h"

#include <castnet/error.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>

namespace castnet::ops {
namespace {

using kernels::GemmEpilogue;
using kernels::SgemmConfig;

size_t div_up(size_t a, size_t b) { return (a + b - 1) / b; }
size_t round_up(size_t a, size_t b) { return div_up(a, b) * b; }

// An extent cut into `count` blocks of `size` (a multiple of `unit`, at most max(max_block, unit)),
// the last one possibly shorter. Equal blocks avoid a sliver at the end (K = 257 with KC = 256
// becomes 129 + 128, not 256 + 1). An empty extent is one empty block.
struct Blocking {
  size_t count, size;
};

Blocking split(size_t extent, size_t max_block, size_t unit) {
  if (extent == 0) return {1, 0};
  size_t count = div_up(extent, std::max(max_block, unit));
  size_t size = round_up(div_up(extent, count), unit);
  return {div_up(extent, size), size};
}

Blocking k_blocking(const SgemmConfig& cfg, size_t k) { return split(k, cfg.kc, 1); }

// Floats of packing space one thread needs: a kc × nc block of B and an mc × kc block of A,
// each rounded to whole cache lines.
struct ThreadBuffers {
  size_t b_floats, a_floats;
  size_t bytes() const { return align_up(b_floats * sizeof(float)) + align_up(a_floats * sizeof(float)); }
};

ThreadBuffers thread_buffers(const SgemmConfig& cfg, size_t m, size_t n, size_t k) {
  size_t kc = k_blocking(cfg, k).size;
  return {kc * std::min(cfg.nc, round_up(std::max<size_t>(n, 1), cfg.nr)),
          kc * std::min(cfg.mc, round_up(std::max<size_t>(m, 1), cfg.mr))};
}

// The tiles of C are split into a tm × tn grid of thread tasks along MR/NR panel boundaries.
struct Grid {
  size_t tm = 1, tn = 1;
};

// Few enough threads that each has worthwhile work (waking a thread costs microseconds), then
// the grid whose slowest task, packing included, is cheapest. Depends only on the shape and the
// thread count, never on timing.
Grid choose_grid(const SgemmConfig& cfg, size_t m, size_t n, size_t k, int threads, bool a_prepacked,
                 bool b_prepacked) {
  constexpr double kMinFlopsPerThread = 2.0e6;
  const double flops = 2.0 * m * n * std::max<size_t>(k, 1);
  size_t usable = static_cast<size_t>(std::clamp(flops / kMinFlopsPerThread, 1.0, double(std::max(threads, 1))));
  const size_t m_panels = div_up(m, cfg.mr), n_panels = div_up(n, cfg.nr);
  // Packing one element costs about as much as a few multiply-adds of the microkernel.
  constexpr double kPackCost = 4.0;
  Grid best;
  double best_cost = std::numeric_limits<double>::infinity();
  for (size_t tm = 1; tm <= std::min(usable, m_panels); ++tm) {
    for (size_t tn = 1; tm * tn <= usable && tn <= n_panels; ++tn) {
      const double mt = double(div_up(m_panels, tm) * cfg.mr);
      const double nt = double(div_up(n_panels, tn) * cfg.nr);
      const double kk = double(std::max<size_t>(k, 1));
      double cost = mt * nt * kk;
      if (!b_prepacked) cost += kPackCost * kk * nt;
      if (!a_prepacked) cost += kPackCost * kk * mt * double(div_up(size_t(nt), cfg.nc));
      // Ties go to fewer tasks (less duplicated packing, fewer threads woken).
      if (cost < best_cost * (1.0 - 1e-9)) {
        best_cost = cost;
        best = {tm, tn};
      }
    }
  }
  return best;
}

// op(A) and op(B) for the microkernel: each either packed once for all K blocks (the weights of
// a layer, packed at load time), or packed while the GEMM runs.
struct Operands {
  const float* a_prepacked = nullptr;  // the SgemmPackedA layout, or null
  size_t a_rows = 0;                   // rows of the pre-packed A, a multiple of MR
  const float* b_prepacked = nullptr;  // the SgemmPackedB layout, or null
  size_t b_cols = 0;                   // columns of the pre-packed B, a multiple of NR
};

// Whether the microkernel reads full B panels where B lies instead of packing them. Packing costs
// a pass over B that nothing overlaps with compute: 10–15 % of the time when M is small (a 1×1
// conv with 64 output channels). In place wins when B is row-major, few MC blocks reuse each
// panel, and the panel's rows (ldb apart) spread over the L1 sets instead of colliding in a few
// (ldb a multiple of 1024 floats maps every row to one set: 30 % slower measured).
bool read_b_in_place(const SgemmArgs& args, size_t m_blocks) {
  if (args.trans_b || m_blocks > 2) return false;
  constexpr size_t kLineBytes = 64, kL1Sets = 64;
  const size_t row_bytes = args.ldb * sizeof(float);
  if (row_bytes % kLineBytes != 0) return true;  // rows straddle lines: no fixed set pattern
  const size_t set_step = (row_bytes / kLineBytes) % kL1Sets;
  return std::gcd(set_step, kL1Sets) <= 4;  // at least 16 distinct set groups
}

// One thread's share: rows [m0, m1) × columns [n0, n1) of C, all of K, the five loops.
void run_block(const SgemmConfig& cfg, const SgemmArgs& args, const Operands& ops, size_t m0,
               size_t m1, size_t n0, size_t n1, float* packed_b, float* packed_a) {
  const size_t mr = cfg.mr, nr = cfg.nr;
  // alpha == 0 means op(A)·op(B) is not computed at all (BLAS): no K loop, so NaN or Inf in A
  // or B cannot leak into C.
  const size_t k = args.alpha == 0.0f ? 0 : args.k;
  const Blocking kb = k_blocking(cfg, k);
  const Blocking nb = split(n1 - n0, cfg.nc, nr);
  const Blocking mb = split(m1 - m0, cfg.mc, mr);
  const GemmEpilogue* ep = args.epilogue;
  const bool direct_b = !ops.b_prepacked && read_b_in_place(args, mb.count);

  for (size_t jc = 0; jc < nb.count; ++jc) {
    const size_t n_begin = n0 + jc * nb.size, nc = std::min(nb.size, n1 - n_begin);
    for (size_t pc = 0; pc < kb.count; ++pc) {
      const size_t k_begin = pc * kb.size, kc = std::min(kb.size, k - k_begin);
      const float beta = pc == 0 ? args.beta : 1.0f;
      const bool last_k_block = pc + 1 == kb.count;
      // op(B)[k_begin][n_begin]: the block of B this (JC, PC) step multiplies.
      const float* b_block = kc == 0 || ops.b_prepacked ? nullptr
                             : args.trans_b ? args.b + n_begin * args.ldb + k_begin
                                            : args.b + k_begin * args.ldb + n_begin;
      // Packed: every panel of the block, once, reused by all MC blocks. In place: only the
      // edge panel, whose missing columns must read as zeros. Pre-packed: nothing to do.
      const size_t edge_n = nc % nr;
      const float* b_panels = packed_b;
      if (ops.b_prepacked) {
        b_panels = ops.b_prepacked + k_begin * ops.b_cols + n_begin * kc;
      } else if (kc > 0) {
        if (!direct_b) {
          cfg.pack_b(nr, args.trans_b, nc, kc, b_block, args.ldb, packed_b);
        } else if (edge_n > 0) {
          cfg.pack_b(nr, false, edge_n, kc, b_block + (nc - edge_n), args.ldb, packed_b);
        }
      }
      for (size_t ic = 0; ic < mb.count; ++ic) {
        const size_t m_begin = m0 + ic * mb.size, mc = std::min(mb.size, m1 - m0 - ic * mb.size);
        const float* a_block = packed_a;
        if (ops.a_prepacked) {
          a_block = ops.a_prepacked + k_begin * ops.a_rows + m_begin * kc;
        } else if (kc > 0) {
          const float* a = args.trans_a ? args.a + k_begin * args.lda + m_begin
                                        : args.a + m_begin * args.lda + k_begin;
          cfg.pack_a(mr, args.trans_a, mc, kc, a, args.lda, packed_a);
        }
        for (size_t jr = 0; jr < nc; jr += nr) {
          const size_t tile_n = std::min(nr, nc - jr);
          const float* b_panel = b_panels + jr * kc;
          size_t b_stride = nr;
          if (direct_b) {
            b_panel = packed_b;
            if (tile_n == nr && kc > 0) {
              b_panel = b_block + jr;
              b_stride = args.ldb;
            }
          }
          for (size_t ir = 0; ir < mc; ir += mr) {
            const size_t tile_m = std::min(mr, mc - ir);
            const size_t row = m_begin + ir, col = n_begin + jr;
            float* c = args.c + row * args.ldc + col;
            if (last_k_block && ep) {
              const GemmEpilogue tile_ep = ep->at_tile(row, col);
              cfg.ukernel(kc, a_block + ir * kc, b_panel, b_stride, c, args.ldc, tile_m, tile_n,
                          args.alpha, beta, &tile_ep);
            } else {
              cfg.ukernel(kc, a_block + ir * kc, b_panel, b_stride, c, args.ldc, tile_m, tile_n,
                          args.alpha, beta, nullptr);
            }
          }
        }
      }
    }
  }
}

void check_args(const SgemmArgs& args, bool a_prepacked, bool b_prepacked) {
  auto fail = [](const std::string& why) { throw Error("sgemm: " + why); };
  if (!args.c) fail("C is null");
  if (args.ldc < args.n) fail("ldc " + std::to_string(args.ldc) + " < n " + std::to_string(args.n));
  const bool reads_ab = args.k > 0 && args.alpha != 0.0f;
  if (reads_ab) {
    if (!a_prepacked) {
      if (!args.a) fail("A is null");
      const size_t a_width = args.trans_a ? args.m : args.k;
      if (args.lda < a_width) fail("lda " + std::to_string(args.lda) + " < " + std::to_string(a_width));
    }
    if (!b_prepacked) {
      if (!args.b) fail("B is null");
      const size_t b_width = args.trans_b ? args.k : args.n;
      if (args.ldb < b_width) fail("ldb " + std::to_string(args.ldb) + " < " + std::to_string(b_width));
    }
  }
  if (args.epilogue && args.epilogue->residual && args.epilogue->residual_ld < args.n)
    fail("residual_ld " + std::to_string(args.epilogue->residual_ld) + " < n " + std::to_string(args.n));
}

void run(const SgemmConfig& cfg, const SgemmArgs& args, const Operands& ops, void* workspace,
         size_t workspace_bytes, ThreadPool* pool) {
  check_args(args, ops.a_prepacked != nullptr, ops.b_prepacked != nullptr);
  if (args.m == 0 || args.n == 0) return;
  const int threads = pool ? pool->size() : 1;
  const size_t needed = sgemm_workspace_bytes(cfg, args.m, args.n, args.k, threads);
  if (!workspace || workspace_bytes < needed)
    throw Error("sgemm: workspace of " + std::to_string(workspace_bytes) + " bytes, need " +
                std::to_string(needed));
  auto base = reinterpret_cast<uintptr_t>(workspace);
  auto* aligned = reinterpret_cast<uint8_t*>(align_up(base));
  const ThreadBuffers buffers = thread_buffers(cfg, args.m, args.n, args.k);

  // Everything a thread task needs, behind one pointer: the closure handed to the pool then fits
  // std::function's inline storage, so starting the threads allocates nothing.
  struct Job {
    const SgemmConfig& cfg;
    const SgemmArgs& args;
    const Operands& ops;
    Grid grid;
    size_t m_panels, n_panels;
    uint8_t* slots;
    size_t slot_bytes, b_bytes;

    void operator()(int64_t begin, int64_t end, int thread) const {
      uint8_t* slot = slots + static_cast<size_t>(thread) * slot_bytes;
      float* packed_b = reinterpret_cast<float*>(slot);
      float* packed_a = reinterpret_cast<float*>(slot + b_bytes);
      for (int64_t t = begin; t < end; ++t) {
        const size_t tm = static_cast<size_t>(t) / grid.tn, tn = static_cast<size_t>(t) % grid.tn;
        // Panel ranges split as evenly as whole panels allow.
        const size_t pm0 = m_panels * tm / grid.tm, pm1 = m_panels * (tm + 1) / grid.tm;
        const size_t pn0 = n_panels * tn / grid.tn, pn1 = n_panels * (tn + 1) / grid.tn;
        if (pm0 == pm1 || pn0 == pn1) continue;
        run_block(cfg, args, ops, pm0 * cfg.mr, std::min(args.m, pm1 * cfg.mr), pn0 * cfg.nr,
                  std::min(args.n, pn1 * cfg.nr), packed_b, packed_a);
      }
    }
  };
  const Job job{cfg, args, ops,
                choose_grid(cfg, args.m, args.n, args.k, threads, ops.a_prepacked != nullptr,
                            ops.b_prepacked != nullptr),
                div_up(args.m, cfg.mr), div_up(args.n, cfg.nr), aligned, buffers.bytes(),
                align_up(buffers.b_floats * sizeof(float))};
  const int64_t tasks = static_cast<int64_t>(job.grid.tm * job.grid.tn);
  if (pool && tasks > 1) {
    pool->parallel_for(tasks, [j = &job](int64_t begin, int64_t end, int thread) { (*j)(begin, end, thread); });
  } else {
    job(0, tasks, 0);
  }
}

}  // namespace

size_t sgemm_workspace_bytes(const SgemmConfig& cfg, size_t m, size_t n, size_t k, int threads) {
  return kAlignment + static_cast<size_t>(std::max(threads, 1)) * thread_buffers(cfg, m, n, k).bytes();
}

void sgemm(const SgemmConfig& cfg, const SgemmArgs& args, void* workspace, size_t workspace_bytes,
           ThreadPool* pool) {
  run(cfg, args, Operands{}, workspace, workspace_bytes, pool);
}

SgemmPackedA::SgemmPackedA(const SgemmConfig& cfg, bool trans_a, size_t m, size_t k,
                           const float* a, size_t lda)
    : config_(&cfg), m_(m), k_(k) {
  const size_t rows = round_up(m, cfg.mr);
  if (rows < m || (k != 0 && rows > std::numeric_limits<size_t>::max() / sizeof(float) / k))
    throw Error("sgemm: A of " + std::to_string(m) + "x" + std::to_string(k) + " is too large to pack");
  buffer_ = AlignedBuffer(std::max<size_t>(rows * k * sizeof(float), kAlignment));
  if (m == 0 || k == 0) return;
  if (!a) throw Error("sgemm: A to pack is null");
  if (lda < (trans_a ? m : k)) throw Error("sgemm: lda " + std::to_string(lda) + " too small to pack A");
  // Block pc holds the panels of all rows for K range [pc·kc, pc·kc + kc): the layout run_block
  // indexes as prepacked + k_begin · rows + m_begin · kc.
  const Blocking kb = k_blocking(cfg, k);
  float* dst = buffer_.as<float>();
  for (size_t pc = 0; pc < kb.count; ++pc) {
    const size_t k_begin = pc * kb.size, kc = std::min(kb.size, k - k_begin);
    const float* src = trans_a ? a + k_begin * lda : a + k_begin;
    cfg.pack_a(cfg.mr, trans_a, m, kc, src, lda, dst + k_begin * rows);
  }
}

void sgemm(const SgemmConfig& cfg, const SgemmPackedA& packed_a, const SgemmArgs& args,
           void* workspace, size_t workspace_bytes, ThreadPool* pool) {
  if (packed_a.config() != &cfg) throw Error("sgemm: A was packed for a different kernel config");
  if (packed_a.m() != args.m || packed_a.k() != args.k)
    throw Error("sgemm: packed A is " + std::to_string(packed_a.m()) + "x" +
                std::to_string(packed_a.k()) + ", arguments say " + std::to_string(args.m) + "x" +
                std::to_string(args.k));
  Operands ops;
  ops.a_prepacked = packed_a.data();
  ops.a_rows = round_up(args.m, cfg.mr);
  run(cfg, args, ops, workspace, workspace_bytes, pool);
}

SgemmPackedB::SgemmPackedB(const SgemmConfig& cfg, bool trans_b, size_t k, size_t n,
                           const float* b, size_t ldb)
    : config_(&cfg), k_(k), n_(n) {
  const size_t cols = round_up(n, cfg.nr);
  if (cols < n || (k != 0 && cols > std::numeric_limits<size_t>::max() / sizeof(float) / k))
    throw Error("sgemm: B of " + std::to_string(k) + "x" + std::to_string(n) + " is too large to pack");
  buffer_ = AlignedBuffer(std::max<size_t>(cols * k * sizeof(float), kAlignment));
  if (n == 0 || k == 0) return;
  if (!b) throw Error("sgemm: B to pack is null");
  if (ldb < (trans_b ? k : n)) throw Error("sgemm: ldb " + std::to_string(ldb) + " too small to pack B");
  // Block pc holds the panels of all columns for K range [pc·kc, pc·kc + kc): the layout
  // run_block indexes as prepacked + k_begin · cols + n_begin · kc.
  const Blocking kb = k_blocking(cfg, k);
  float* dst = buffer_.as<float>();
  for (size_t pc = 0; pc < kb.count; ++pc) {
    const size_t k_begin = pc * kb.size, kc = std::min(kb.size, k - k_begin);
    const float* src = trans_b ? b + k_begin : b + k_begin * ldb;
    cfg.pack_b(cfg.nr, trans_b, n, kc, src, ldb, dst + k_begin * cols);
  }
}

void sgemm(const SgemmConfig& cfg, const SgemmPackedB& packed_b, const SgemmArgs& args,
           void* workspace, size_t workspace_bytes, ThreadPool* pool) {
  if (packed_b.config() != &cfg) throw Error("sgemm: B was packed for a different kernel config");
  if (packed_b.k() != args.k || packed_b.n() != args.n)
    throw Error("sgemm: packed B is " + std::to_string(packed_b.k()) + "x" +
                std::to_string(packed_b.n()) + ", arguments say " + std::to_string(args.k) + "x" +
                std::to_string(args.n));
  Operands ops;
  ops.b_prepacked = packed_b.data();
  ops.b_cols = round_up(args.n, cfg.nr);
  run(cfg, args, ops, workspace, workspace_bytes, pool);
}

}  // namespace castnet::ops
