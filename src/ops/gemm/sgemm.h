// FP32 GEMM: the five loops around a register microkernel (BLIS's JC, PC, IC, JR, IR), with
// packing, cache blocking and the microkernel all taken from a kernels::SgemmConfig.
//
//   C = epilogue(alpha · op(A) · op(B) + beta · C)
//
// A, B and C are row-major with leading dimensions in elements; op(X) is X or Xᵀ. op(A) is
// m × k, op(B) is k × n, C is m × n. beta == 0 never reads C. The epilogue (per-channel scale and
// bias, residual add, activation) is applied by the microkernel on the last K block, while the
// tile is still in registers.
//
// Work is split over threads by tiles of C (each thread owns a block of rows × columns and packs
// what it needs), so no thread waits for another. The summation order of every element depends
// only on the config, never on the thread count: results are bitwise identical across runs and
// thread counts. The hot path never allocates: packing buffers come from a caller's workspace of
// sgemm_workspace_bytes().
#pragma once
#include "core/aligned.h"
#include "core/thread_pool.h"
#include "kernels/config/gemm_config.h"
#include "kernels/gemm/gemm_epilogue.h"

#include <cstddef>

namespace castnet::ops {

struct SgemmArgs {
  size_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f;
  const float* a = nullptr;  // unused by the pre-packed variant
  size_t lda = 0;
  const float* b = nullptr;
  size_t ldb = 0;
  float beta = 0.0f;
  float* c = nullptr;
  size_t ldc = 0;
  const kernels::GemmEpilogue* epilogue = nullptr;  // null: none
};

// Bytes of workspace sgemm() needs for these sizes when run on `threads` threads (the pool's
// size). Covers both the packed-A and the plain variant.
size_t sgemm_workspace_bytes(const kernels::SgemmConfig& config, size_t m, size_t n, size_t k,
                             int threads);

// C = epilogue(alpha · op(A) · op(B) + beta · C). `pool` may be null (one thread). Throws
// castnet::Error on inconsistent arguments or a workspace smaller than sgemm_workspace_bytes().
void sgemm(const kernels::SgemmConfig& config, const SgemmArgs& args, void* workspace,
           size_t workspace_bytes, ThreadPool* pool);

// op(A) packed once, for every K block, in the layout the config's microkernel reads (the
// weights of a convolution or fully-connected layer, packed at load time).
class SgemmPackedA {
 public:
  SgemmPackedA() = default;
  // Packs op(A) (m × k; A[i][kk] at a[i * lda + kk], or at a[kk * lda + i] when trans_a).
  SgemmPackedA(const kernels::SgemmConfig& config, bool trans_a, size_t m, size_t k,
               const float* a, size_t lda);

  const kernels::SgemmConfig* config() const { return config_; }
  size_t m() const { return m_; }
  size_t k() const { return k_; }
  const float* data() const { return buffer_.as<float>(); }
  size_t bytes() const { return buffer_.size(); }

 private:
  const kernels::SgemmConfig* config_ = nullptr;
  size_t m_ = 0, k_ = 0;
  AlignedBuffer buffer_;
};

// As sgemm(), with op(A) taken from `packed_a` (args.a, args.lda and args.trans_a are ignored;
// args.m and args.k must match it, and `config` must be the one it was packed with).
void sgemm(const kernels::SgemmConfig& config, const SgemmPackedA& packed_a,
           const SgemmArgs& args, void* workspace, size_t workspace_bytes, ThreadPool* pool);

// op(B) packed once, for every K block, in the layout the config's microkernel reads (the
// weights of a fully-connected layer computed as X·Wᵀ, packed at load time).
class SgemmPackedB {
 public:
  SgemmPackedB() = default;
  // Packs op(B) (k × n; B[kk][j] at b[kk * ldb + j], or at b[j * ldb + kk] when trans_b).
  SgemmPackedB(const kernels::SgemmConfig& config, bool trans_b, size_t k, size_t n,
               const float* b, size_t ldb);

  const kernels::SgemmConfig* config() const { return config_; }
  size_t k() const { return k_; }
  size_t n() const { return n_; }
  const float* data() const { return buffer_.as<float>(); }
  size_t bytes() const { return buffer_.size(); }

 private:
  const kernels::SgemmConfig* config_ = nullptr;
  size_t k_ = 0, n_ = 0;
  AlignedBuffer buffer_;
};

// As sgemm(), with op(B) taken from `packed_b` (args.b, args.ldb and args.trans_b are ignored;
// args.k and args.n must match it, and `config` must be the one it was packed with).
void sgemm(const kernels::SgemmConfig& config, const SgemmPackedB& packed_b,
           const SgemmArgs& args, void* workspace, size_t workspace_bytes, ThreadPool* pool);

}  // namespace castnet::ops
