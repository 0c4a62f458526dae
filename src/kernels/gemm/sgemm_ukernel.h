// The FP32 GEMM kernel family: one register microkernel signature and the packing routines that
// lay out its operands. Implementations live one per file, named by tile shape and ISA
// (sgemm_ukernel_<MR>x<NR>_<isa>.cpp); src/kernels/config/gemm_config.cpp picks one per ISA.
//
// Packed layouts (floats, no gaps):
//   A panel: MR rows of op(A) for kc steps, k-major:   panel[k * MR + i] = op(A)[i][k]
//   B panel: NR cols of op(B) for kc steps, k-major:   panel[k * NR + j] = op(B)[k][j]
// Rows or columns past the matrix edge are packed as zeros, so the hot K loop never branches on
// the edge counts mr and nr: a kernel runs its full MR×NR tile (or, once per call, picks a
// narrower tile for an edge) and masks its stores.
//
// B may also be read in place: consecutive k rows of the B panel are `b_stride` floats apart,
// NR for a packed panel, or ldb when a full panel (all NR columns inside op(B)) of a row-major,
// untransposed B is used without packing.
#pragma once
#include "kernels/gemm/gemm_epilogue.h"

#include <cstddef>

namespace castnet::kernels {

// Computes one tile of C (mr ≤ MR rows, nr ≤ NR columns, row stride ldc elements):
//   C[i][j] = alpha * sum_k a_panel[k*MR + i] * b_panel[k*b_stride + j] + beta * C[i][j]
// then applies `epilogue` when it is non-null (already positioned on this tile with
// GemmEpilogue::at_tile). beta == 0 never reads C, so C may hold garbage or NaN.
// kc may be 0 (the tile becomes beta * C, then the epilogue).
using SgemmUkernelFn = void (*)(size_t kc, const float* a_panel, const float* b_panel,
                                size_t b_stride, float* c, size_t ldc, size_t mr, size_t nr,
                                float alpha, float beta, const GemmEpilogue* epilogue);

// Packs `rows` rows × kc columns of op(A) into ceil(rows / panel) A panels of width `panel`.
// op(A)[i][k] is src[i * ld + k], or src[k * ld + i] when `transposed`.
using SgemmPackAFn = void (*)(size_t panel, bool transposed, size_t rows, size_t kc,
                              const float* src, size_t ld, float* dst);
// Packs kc rows × `cols` columns of op(B) into ceil(cols / panel) B panels of width `panel`.
// op(B)[k][j] is src[k * ld + j], or src[j * ld + k] when `transposed`.
using SgemmPackBFn = void (*)(size_t panel, bool transposed, size_t cols, size_t kc,
                              const float* src, size_t ld, float* dst);

// Microkernels.
void sgemm_ukernel_4x8_generic(size_t kc, const float* a_panel, const float* b_panel,
                               size_t b_stride, float* c, size_t ldc, size_t mr, size_t nr,
                               float alpha, float beta, const GemmEpilogue* epilogue);
void sgemm_ukernel_6x16_avx2(size_t kc, const float* a_panel, const float* b_panel,
                             size_t b_stride, float* c, size_t ldc, size_t mr, size_t nr,
                             float alpha, float beta, const GemmEpilogue* epilogue);
void sgemm_ukernel_8x32_avx512(size_t kc, const float* a_panel, const float* b_panel,
                               size_t b_stride, float* c, size_t ldc, size_t mr, size_t nr,
                               float alpha, float beta, const GemmEpilogue* epilogue);

// Packing: portable versions for any panel width, and faster ones for the common cases.
void sgemm_pack_a_generic(size_t panel, bool transposed, size_t rows, size_t kc, const float* src,
                          size_t ld, float* dst);
void sgemm_pack_b_generic(size_t panel, bool transposed, size_t cols, size_t kc, const float* src,
                          size_t ld, float* dst);
void sgemm_pack_a_avx512(size_t panel, bool transposed, size_t rows, size_t kc, const float* src,
                         size_t ld, float* dst);
void sgemm_pack_b_avx512(size_t panel, bool transposed, size_t cols, size_t kc, const float* src,
                         size_t ld, float* dst);

}  // namespace castnet::kernels
