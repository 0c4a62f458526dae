// The FP32 GEMM (kernels/gemm, kernels/config, ops/gemm) against a naive double-accumulating
// GEMM written here: every microkernel this CPU can run, over sizes that hit each edge of the
// MR × NR tile and the KC block, both transposes, alpha/beta, every epilogue, strided C, and 1–3
// threads (results must be bitwise identical run to run and across thread counts).
#include "core/cpu_features.h"
#include "core/thread_pool.h"
#include "kernels/config/gemm_config.h"
#include "kernels/gemm/gemm_epilogue.h"
#include "kernels/gemm/sgemm_ukernel.h"
#include "ops/gemm/sgemm.h"

#include <castnet/error.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

namespace castnet {
namespace {

using kernels::GemmActivation;
using kernels::GemmChannelAxis;
using kernels::GemmEpilogue;
using kernels::SgemmConfig;

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kSentinel = 12345.0f;  // in C's padding columns: must survive every run
constexpr double kTolerance = 1e-5;    // relative L2 error per case

std::vector<Isa> kernel_isas() { return {Isa::generic, Isa::avx2, Isa::avx512}; }

const char* activation_name(GemmActivation a) {
  switch (a) {
    case GemmActivation::none: return "none";
    case GemmActivation::relu: return "relu";
    case GemmActivation::clip: return "clip";
    case GemmActivation::leaky_relu: return "leaky_relu";
    case GemmActivation::hard_swish: return "hard_swish";
    case GemmActivation::hard_sigmoid: return "hard_sigmoid";
    case GemmActivation::sigmoid: return "sigmoid";
  }
  return "?";
}

ThreadPool* pool_of(int threads) {
  static ThreadPool two(2), three(3);
  if (threads == 2) return &two;
  if (threads == 3) return &three;
  return nullptr;
}

struct GemmCase {
  Isa isa = Isa::generic;
  size_t m = 1, n = 1, k = 1;
  bool trans_a = false, trans_b = false;
  float alpha = 1.0f, beta = 0.0f;
  size_t lda_pad = 0, ldb_pad = 0, ldc_pad = 0;  // extra elements per row beyond the width
  bool prepacked = false;    // op(A) through ops::SgemmPackedA
  bool prepacked_b = false;  // op(B) through ops::SgemmPackedB
  int threads = 1;
  // Epilogue (used when `epilogue`).
  bool epilogue = false;
  GemmChannelAxis axis = GemmChannelAxis::rows;
  bool scale = false, bias = false, residual = false;
  GemmActivation activation = GemmActivation::none;

  std::string describe() const {
    std::ostringstream s;
    s << "isa=" << isa_name(isa) << " m=" << m << " n=" << n << " k=" << k
      << " trans_a=" << trans_a << " trans_b=" << trans_b << " alpha=" << alpha
      << " beta=" << beta << " lda_pad=" << lda_pad << " ldb_pad=" << ldb_pad
      << " ldc_pad=" << ldc_pad << " prepacked=" << prepacked << " prepacked_b=" << prepacked_b << " threads=" << threads;
    if (epilogue)
      s << " epilogue{axis=" << (axis == GemmChannelAxis::rows ? "rows" : "cols")
        << " scale=" << scale << " bias=" << bias << " residual=" << residual
        << " activation=" << activation_name(activation) << "}";
    return s.str();
  }
};

// The inputs of one case, generated from a seed so reruns see the same numbers.
struct GemmData {
  size_t lda, ldb, ldc;
  std::vector<float> a, b, c_init, scale, bias, residual;
  GemmEpilogue ep;

  explicit GemmData(const GemmCase& tc) {
    std::mt19937 rng(static_cast<unsigned>(tc.m * 131 + tc.n * 31 + tc.k * 7 + tc.trans_a * 3 + tc.trans_b));
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    auto fill = [&](std::vector<float>& v, size_t count) {
      v.resize(count);
      for (float& x : v) x = dist(rng);
    };
    const size_t a_rows = tc.trans_a ? tc.k : tc.m, a_cols = tc.trans_a ? tc.m : tc.k;
    const size_t b_rows = tc.trans_b ? tc.n : tc.k, b_cols = tc.trans_b ? tc.k : tc.n;
    lda = a_cols + tc.lda_pad;
    ldb = b_cols + tc.ldb_pad;
    ldc = tc.n + tc.ldc_pad;
    fill(a, std::max<size_t>(a_rows * lda, 1));
    fill(b, std::max<size_t>(b_rows * ldb, 1));
    fill(c_init, tc.m * ldc);
    // beta == 0 must not read C: poison it. The padding columns carry a sentinel.
    for (size_t i = 0; i < tc.m; ++i)
      for (size_t j = 0; j < ldc; ++j) {
        float& x = c_init[i * ldc + j];
        if (j >= tc.n) x = kSentinel;
        else if (tc.beta == 0.0f) x = kNaN;
      }
    const size_t channels = tc.axis == GemmChannelAxis::rows ? tc.m : tc.n;
    fill(scale, channels);
    fill(bias, channels);
    const size_t residual_ld = tc.n + 3;
    fill(residual, tc.m * residual_ld);
    ep.channel_axis = tc.axis;
    ep.scale = tc.scale ? scale.data() : nullptr;
    ep.bias = tc.bias ? bias.data() : nullptr;
    ep.residual = tc.residual ? residual.data() : nullptr;
    ep.residual_ld = residual_ld;
    ep.activation = tc.activation;
    ep.leaky_alpha = 0.1f;
    ep.clip_min = -0.5f;
    ep.clip_max = 0.75f;
    ep.hard_sigmoid_alpha = 0.3f;
    ep.hard_sigmoid_beta = 0.4f;
  }

  float op_a(const GemmCase& tc, size_t i, size_t kk) const { return tc.trans_a ? a[kk * lda + i] : a[i * lda + kk]; }
  float op_b(const GemmCase& tc, size_t kk, size_t j) const { return tc.trans_b ? b[j * ldb + kk] : b[kk * ldb + j]; }
};

double activate_double(double v, const GemmEpilogue& ep) {
  switch (ep.activation) {
    case GemmActivation::none: return v;
    case GemmActivation::relu: return std::max(v, 0.0);
    case GemmActivation::clip: return std::min(std::max(v, double(ep.clip_min)), double(ep.clip_max));
    case GemmActivation::leaky_relu: return v >= 0 ? v : v * double(ep.leaky_alpha);
    case GemmActivation::hard_swish: return v * std::min(std::max(v / 6.0 + 0.5, 0.0), 1.0);
    case GemmActivation::hard_sigmoid:
      return std::min(std::max(v * double(ep.hard_sigmoid_alpha) + double(ep.hard_sigmoid_beta), 0.0), 1.0);
    case GemmActivation::sigmoid: return 1.0 / (1.0 + std::exp(-v));
  }
  return v;
}

// The naive GEMM, accumulating in double, epilogue in double.
std::vector<double> naive_gemm(const GemmCase& tc, const GemmData& d) {
  std::vector<double> out(tc.m * tc.n);
  for (size_t i = 0; i < tc.m; ++i)
    for (size_t j = 0; j < tc.n; ++j) {
      double sum = 0;
      if (tc.alpha != 0.0f)
        for (size_t kk = 0; kk < tc.k; ++kk) sum += double(d.op_a(tc, i, kk)) * double(d.op_b(tc, kk, j));
      double v = double(tc.alpha) * sum;
      if (tc.beta != 0.0f) v += double(tc.beta) * double(d.c_init[i * d.ldc + j]);
      if (tc.epilogue) {
        const size_t ch = tc.axis == GemmChannelAxis::rows ? i : j;
        if (d.ep.scale) v *= double(d.ep.scale[ch]);
        if (d.ep.bias) v += double(d.ep.bias[ch]);
        if (d.ep.residual) v += double(d.ep.residual[i * d.ep.residual_ld + j]);
        v = activate_double(v, d.ep);
      }
      out[i * tc.n + j] = v;
    }
  return out;
}

// Runs the case through ops::sgemm and returns C (ldc-strided, padding included).
std::vector<float> run_sgemm(const GemmCase& tc, const GemmData& d) {
  const SgemmConfig& cfg = kernels::sgemm_config(tc.isa);
  std::vector<float> c = d.c_init;
  ops::SgemmArgs args;
  args.m = tc.m; args.n = tc.n; args.k = tc.k;
  args.trans_a = tc.trans_a; args.trans_b = tc.trans_b;
  args.alpha = tc.alpha; args.beta = tc.beta;
  args.a = d.a.data(); args.lda = d.lda;
  args.b = d.b.data(); args.ldb = d.ldb;
  args.c = c.data(); args.ldc = d.ldc;
  args.epilogue = tc.epilogue ? &d.ep : nullptr;
  ThreadPool* pool = pool_of(tc.threads);
  const size_t ws_bytes = ops::sgemm_workspace_bytes(cfg, tc.m, tc.n, tc.k, tc.threads);
  std::vector<uint8_t> workspace(ws_bytes);
  if (tc.prepacked) {
    ops::SgemmPackedA packed(cfg, tc.trans_a, tc.m, tc.k, d.a.data(), d.lda);
    ops::sgemm(cfg, packed, args, workspace.data(), workspace.size(), pool);
  } else if (tc.prepacked_b) {
    ops::SgemmPackedB packed(cfg, tc.trans_b, tc.k, tc.n, d.b.data(), d.ldb);
    ops::sgemm(cfg, packed, args, workspace.data(), workspace.size(), pool);
  } else {
    ops::sgemm(cfg, args, workspace.data(), workspace.size(), pool);
  }
  return c;
}

::testing::AssertionResult check_case(const GemmCase& tc, std::vector<float>* result = nullptr) {
  const GemmData d(tc);
  std::vector<float> c = run_sgemm(tc, d);
  const std::vector<double> want = naive_gemm(tc, d);
  double err2 = 0, ref2 = 0;
  for (size_t i = 0; i < tc.m; ++i) {
    for (size_t j = 0; j < d.ldc; ++j) {
      const float got = c[i * d.ldc + j];
      if (j >= tc.n) {
        if (!(got == kSentinel))
          return ::testing::AssertionFailure() << "wrote C padding at (" << i << "," << j << "): " << tc.describe();
        continue;
      }
      if (!std::isfinite(got))
        return ::testing::AssertionFailure() << "non-finite " << got << " at (" << i << "," << j
                                             << "), want " << want[i * tc.n + j] << ": " << tc.describe();
      const double diff = double(got) - want[i * tc.n + j];
      err2 += diff * diff;
      ref2 += want[i * tc.n + j] * want[i * tc.n + j];
    }
  }
  const double rel = std::sqrt(err2) / std::max(std::sqrt(ref2), 1e-30);
  if (ref2 == 0 ? err2 != 0 : rel > kTolerance)
    return ::testing::AssertionFailure() << "relative L2 error " << rel << " > " << kTolerance << ": " << tc.describe();
  if (result) *result = std::move(c);
  return ::testing::AssertionSuccess();
}

// Calls fn(isa, config) for each kernel ISA this CPU runs.
template <typename Fn>
void for_each_isa(Fn fn) {
  for (Isa isa : kernel_isas()) {
    if (!isa_supported(isa, CpuFeatures::host())) continue;
    const SgemmConfig& cfg = kernels::sgemm_config(isa);
    SCOPED_TRACE(std::string("isa=") + isa_name(isa) + " kernel=" + cfg.name);
    fn(isa, cfg);
  }
}

// ---- config --------------------------------------------------------------------------------

TEST(KernelsConfig, EverySupportedIsaGetsItsOwnKernel) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    EXPECT_EQ(cfg.isa, isa);
    EXPECT_NE(std::string(cfg.name).find(isa_name(isa)), std::string::npos) << cfg.name;
    EXPECT_TRUE(cfg.ukernel && cfg.pack_a && cfg.pack_b);
    EXPECT_GT(cfg.mr, 0u);
    EXPECT_GT(cfg.nr, 0u);
    EXPECT_GT(cfg.kc, 0u);
    EXPECT_EQ(cfg.mc % cfg.mr, 0u) << "mc must be whole MR panels";
    EXPECT_EQ(cfg.nc % cfg.nr, 0u) << "nc must be whole NR panels";
  });
}

TEST(KernelsConfig, ReferenceAndUnsupportedIsasFallBackToRunnableKernels) {
  EXPECT_EQ(kernels::sgemm_config(Isa::reference).isa, Isa::generic);
  for (Isa isa : kernel_isas())
    EXPECT_TRUE(isa_supported(kernels::sgemm_config(isa).isa, CpuFeatures::host())) << isa_name(isa);
  EXPECT_EQ(kernels::sgemm_config(best_isa(CpuFeatures::host())).isa, best_isa(CpuFeatures::host()));
}

// ---- packing -------------------------------------------------------------------------------

TEST(KernelsGemmPack, PanelsMatchTheLayoutWithZeroPaddingAndNoOverrun) {
  for_each_isa([](Isa, const SgemmConfig& cfg) {
    for (size_t panel : {cfg.mr, cfg.nr, size_t(4), size_t(12), size_t(32)})
      for (size_t count : {size_t(1), panel - 1, panel, panel + 1, 2 * panel + 3})
        for (size_t kc : {size_t(1), size_t(5), size_t(16), size_t(17), size_t(40)})
          for (bool transposed : {false, true})
            for (bool is_a : {true, false}) {
              if (count == 0) continue;
              // Element (i along the panel, kk) is contiguous along i for B as stored and for
              // A transposed, strided otherwise.
              const bool contiguous = is_a ? transposed : !transposed;
              const size_t ld = (contiguous ? count : kc) + 3;
              const size_t rows = contiguous ? kc : count;
              std::vector<float> src(rows * ld);
              for (size_t x = 0; x < src.size(); ++x) src[x] = float(x % 1000) + 0.5f;
              const size_t panels = (count + panel - 1) / panel;
              std::vector<float> dst(panels * panel * kc + 16, kNaN);
              if (is_a) cfg.pack_a(panel, transposed, count, kc, src.data(), ld, dst.data());
              else cfg.pack_b(panel, transposed, count, kc, src.data(), ld, dst.data());
              const std::string what = std::string(is_a ? "pack_a" : "pack_b") + " panel=" +
                                       std::to_string(panel) + " count=" + std::to_string(count) +
                                       " kc=" + std::to_string(kc) + " transposed=" + std::to_string(transposed);
              for (size_t p = 0; p < panels; ++p)
                for (size_t kk = 0; kk < kc; ++kk)
                  for (size_t i = 0; i < panel; ++i) {
                    const size_t idx = p * panel + i;
                    const float want = idx >= count ? 0.0f
                                       : contiguous ? src[kk * ld + idx]
                                                    : src[idx * ld + kk];
                    const float got = dst[p * panel * kc + kk * panel + i];
                    ASSERT_EQ(got, want) << what << " at panel " << p << " k " << kk << " i " << i;
                  }
              for (size_t x = panels * panel * kc; x < dst.size(); ++x)
                ASSERT_TRUE(std::isnan(dst[x])) << what << ": wrote past the panels";
            }
  });
}

// ---- microkernel ---------------------------------------------------------------------------

TEST(KernelsGemmUkernel, TileEdgesAndKAgainstNaive) {
  for_each_isa([](Isa, const SgemmConfig& cfg) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (size_t kc : {size_t(0), size_t(1), size_t(3), size_t(17), size_t(100)})
      for (size_t mr : {size_t(1), cfg.mr / 2, cfg.mr / 2 + 1, cfg.mr - 1, cfg.mr})
        // Every column count up to NR: kernels switch to narrower tiles at their edges.
        for (size_t nr = 1; nr <= cfg.nr; ++nr)
          for (float beta : {0.0f, 0.5f})
            for (size_t b_stride : {cfg.nr, cfg.nr + 5}) {  // packed panel, or B read in place
              if (mr == 0) continue;
              std::vector<float> a(cfg.mr * kc + 1), b(b_stride * kc + 1);
              for (float& x : a) x = dist(rng);
              for (float& x : b) x = dist(rng);
              // Packing leaves edge rows/columns zero; read in place they are whatever lies
              // there (NaN here): either way they must not reach the stored tile.
              const float pad = b_stride == cfg.nr ? 0.0f : kNaN;
              for (size_t kk = 0; kk < kc; ++kk) {
                for (size_t i = mr; i < cfg.mr; ++i) a[kk * cfg.mr + i] = 0;
                for (size_t j = nr; j < b_stride; ++j) b[kk * b_stride + j] = pad;
              }
              const size_t ldc = cfg.nr + 5;
              std::vector<float> c((cfg.mr + 1) * ldc, kSentinel), c0;
              for (size_t i = 0; i < mr; ++i)
                for (size_t j = 0; j < nr; ++j) c[i * ldc + j] = beta == 0 ? kNaN : dist(rng);
              c0 = c;
              cfg.ukernel(kc, a.data(), b.data(), b_stride, c.data(), ldc, mr, nr, 2.0f, beta, nullptr);
              const std::string what = "kc=" + std::to_string(kc) + " mr=" + std::to_string(mr) +
                                       " nr=" + std::to_string(nr) + " beta=" + std::to_string(beta) +
                                       " b_stride=" + std::to_string(b_stride);
              for (size_t i = 0; i <= cfg.mr; ++i)
                for (size_t j = 0; j < ldc; ++j) {
                  const float got = c[i * ldc + j];
                  if (i >= mr || j >= nr) {
                    ASSERT_EQ(got, kSentinel) << what << ": wrote outside the tile at " << i << "," << j;
                    continue;
                  }
                  double want = 0;
                  for (size_t kk = 0; kk < kc; ++kk) want += double(a[kk * cfg.mr + i]) * b[kk * b_stride + j];
                  want = 2.0 * want + (beta == 0 ? 0.0 : double(beta) * c0[i * ldc + j]);
                  ASSERT_NEAR(got, want, 1e-5 * (1 + std::sqrt(double(kc)))) << what << " at " << i << "," << j;
                }
            }
  });
}

// ---- driver sweeps -------------------------------------------------------------------------

TEST(KernelsGemmSweep, MAndNThroughTileEdges) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    std::vector<size_t> ms = {1, cfg.mr - 1, cfg.mr, cfg.mr + 1, 13, 37, 97, 130};
    std::vector<size_t> ns = {1, cfg.nr - 1, cfg.nr, cfg.nr + 1, 13, 37, 97, 130};
    for (size_t m : ms)
      for (size_t n : ns)
        for (size_t k : {size_t(1), size_t(17)}) {
          if (m == 0 || n == 0) continue;
          GemmCase tc;
          tc.isa = isa; tc.m = m; tc.n = n; tc.k = k;
          tc.ldc_pad = k == 1 ? 0 : 5;
          EXPECT_TRUE(check_case(tc));
        }
  });
}

TEST(KernelsGemmSweep, KThroughTheCacheBlock) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    for (size_t k : {size_t(1), size_t(3), size_t(17), size_t(255), size_t(256), size_t(257),
                     cfg.kc - 1, cfg.kc + 1, 2 * cfg.kc + 7})
      for (size_t m : {cfg.mr + 1, size_t(37)})
        for (size_t n : {cfg.nr + 1, size_t(13)}) {
          GemmCase tc;
          tc.isa = isa; tc.m = m; tc.n = n; tc.k = k;
          EXPECT_TRUE(check_case(tc));
          // Beyond KC with a residual and beta: the epilogue must run once, on the last block.
          tc.beta = 0.5f;
          tc.epilogue = true; tc.bias = true; tc.residual = true;
          tc.activation = GemmActivation::leaky_relu;
          EXPECT_TRUE(check_case(tc));
        }
  });
}

TEST(KernelsGemmSweep, MultipleCacheBlocksInMAndN) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    GemmCase tc;
    tc.isa = isa;
    tc.m = cfg.mc + cfg.mr + 1;  // two MC blocks, the second with an edge panel
    tc.n = 97;
    tc.k = 40;
    EXPECT_TRUE(check_case(tc));
    tc.m = 19;
    tc.n = cfg.nc + cfg.nr + 3;  // two NC blocks
    tc.k = 9;
    EXPECT_TRUE(check_case(tc));
  });
}

TEST(KernelsGemmSweep, Transposes) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (size_t m : {size_t(1), cfg.mr + 1, size_t(37)})
          for (size_t n : {size_t(1), cfg.nr - 1, size_t(97)})
            for (size_t k : {size_t(1), size_t(17), size_t(300)}) {
              GemmCase tc;
              tc.isa = isa; tc.m = m; tc.n = n; tc.k = k;
              tc.trans_a = ta; tc.trans_b = tb;
              tc.lda_pad = 3; tc.ldb_pad = 5;
              EXPECT_TRUE(check_case(tc));
            }
  });
}

TEST(KernelsGemmSweep, AlphaBetaAndStridedC) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    for (float alpha : {1.0f, 0.5f, -2.0f, 0.0f})
      for (float beta : {0.0f, 1.0f, 0.25f})
        for (size_t ldc_pad : {size_t(0), size_t(7)}) {
          GemmCase tc;
          tc.isa = isa; tc.m = 2 * cfg.mr + 1; tc.n = cfg.nr + 3; tc.k = 33;
          tc.alpha = alpha; tc.beta = beta; tc.ldc_pad = ldc_pad;
          EXPECT_TRUE(check_case(tc));
        }
  });
}

TEST(KernelsGemmSweep, AlphaZeroIgnoresNaNInputs) {
  for_each_isa([](Isa, const SgemmConfig& cfg) {
    const size_t m = 5, n = 7, k = 3;
    std::vector<float> a(m * k, kNaN), b(k * n, kNaN), c(m * n, 2.0f);
    ops::SgemmArgs args;
    args.m = m; args.n = n; args.k = k; args.alpha = 0.0f; args.beta = 0.5f;
    args.a = a.data(); args.lda = k; args.b = b.data(); args.ldb = n; args.c = c.data(); args.ldc = n;
    std::vector<uint8_t> ws(ops::sgemm_workspace_bytes(cfg, m, n, k, 1));
    ops::sgemm(cfg, args, ws.data(), ws.size(), nullptr);
    for (float x : c) ASSERT_EQ(x, 1.0f);
  });
}

TEST(KernelsGemmEpilogue, EveryActivationWithScaleBiasOnRowsAndColumns) {
  const GemmActivation activations[] = {GemmActivation::none, GemmActivation::relu,
                                        GemmActivation::clip, GemmActivation::leaky_relu,
                                        GemmActivation::hard_swish, GemmActivation::hard_sigmoid,
                                        GemmActivation::sigmoid};
  for_each_isa([&](Isa isa, const SgemmConfig& cfg) {
    for (GemmActivation act : activations)
      for (GemmChannelAxis axis : {GemmChannelAxis::rows, GemmChannelAxis::cols})
        for (int parts = 0; parts < 4; ++parts)  // scale and/or bias
          // Column edges of every kind: a half tile, 16 + a few, a few.
          for (size_t n : {2 * cfg.nr + 5, cfg.nr + 18, cfg.nr + 3}) {
            GemmCase tc;
            tc.isa = isa; tc.m = cfg.mr + 3; tc.n = n; tc.k = 20; tc.ldc_pad = 2;
            tc.epilogue = true; tc.axis = axis; tc.activation = act;
            tc.scale = parts & 1; tc.bias = parts & 2;
            EXPECT_TRUE(check_case(tc));
          }
  });
}

TEST(KernelsGemmEpilogue, ResidualAddBeforeActivation) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    for (GemmActivation act : {GemmActivation::none, GemmActivation::relu, GemmActivation::clip})
      for (GemmChannelAxis axis : {GemmChannelAxis::rows, GemmChannelAxis::cols})
        for (size_t m : {size_t(1), cfg.mr + 1, size_t(37)})
          for (size_t n : {3 * cfg.nr - 1, cfg.nr + 17, size_t(4)}) {
            GemmCase tc;
            tc.isa = isa; tc.m = m; tc.n = n; tc.k = 300; tc.ldc_pad = 4;
            tc.epilogue = true; tc.axis = axis; tc.activation = act;
            tc.scale = true; tc.bias = true; tc.residual = true;
            EXPECT_TRUE(check_case(tc));
            tc.prepacked = true;
            EXPECT_TRUE(check_case(tc));
          }
  });
}

TEST(KernelsGemmEpilogue, ReluActuallyClampsAConvLikeLayer) {
  // Hand-checkable: A = I (2×2), B = [[1,-2],[-3,4]], bias per row {0.5, -10}, relu.
  for_each_isa([](Isa, const SgemmConfig& cfg) {
    const float a[] = {1, 0, 0, 1}, b[] = {1, -2, -3, 4}, bias[] = {0.5f, -10};
    float c[4] = {kNaN, kNaN, kNaN, kNaN};
    GemmEpilogue ep;
    ep.bias = bias;
    ep.activation = GemmActivation::relu;
    ops::SgemmArgs args;
    args.m = 2; args.n = 2; args.k = 2;
    args.a = a; args.lda = 2; args.b = b; args.ldb = 2; args.c = c; args.ldc = 2;
    args.epilogue = &ep;
    std::vector<uint8_t> ws(ops::sgemm_workspace_bytes(cfg, 2, 2, 2, 1));
    ops::sgemm(cfg, args, ws.data(), ws.size(), nullptr);
    EXPECT_EQ(c[0], 1.5f);
    EXPECT_EQ(c[1], 0.0f);
    EXPECT_EQ(c[2], 0.0f);
    EXPECT_EQ(c[3], 0.0f);
  });
}

// ---- pre-packed A --------------------------------------------------------------------------

TEST(KernelsGemmPrepacked, MatchesNaiveAndTheUnpackedPathBitwise) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    for (bool ta : {false, true})
      for (size_t m : {size_t(1), cfg.mr - 1, size_t(97), cfg.mc + 5})
        for (size_t k : {size_t(1), size_t(17), cfg.kc + 1}) {
          GemmCase tc;
          tc.isa = isa; tc.m = m; tc.n = 45; tc.k = k; tc.trans_a = ta; tc.lda_pad = 1;
          tc.prepacked = true;
          std::vector<float> packed_result, plain_result;
          ASSERT_TRUE(check_case(tc, &packed_result));
          tc.prepacked = false;
          ASSERT_TRUE(check_case(tc, &plain_result));
          EXPECT_EQ(0, std::memcmp(packed_result.data(), plain_result.data(), packed_result.size() * sizeof(float)))
              << tc.describe();
        }
  });
}

// ---- pre-packed B --------------------------------------------------------------------------

TEST(KernelsGemmPrepacked, PackedBMatchesNaiveAndTheUnpackedPathBitwise) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    for (bool tb : {false, true})
      for (size_t n : {size_t(1), cfg.nr - 1, size_t(97), cfg.nc + 5})
        for (size_t k : {size_t(1), size_t(17), cfg.kc + 1})
          for (int threads : {1, 2}) {
            GemmCase tc;
            tc.isa = isa; tc.m = 13; tc.n = n; tc.k = k; tc.trans_b = tb; tc.ldb_pad = 1;
            tc.alpha = 0.5f; tc.beta = 2.0f; tc.threads = threads;
            tc.epilogue = true; tc.axis = GemmChannelAxis::cols; tc.bias = true;
            tc.activation = GemmActivation::hard_sigmoid;
            tc.prepacked_b = true;
            std::vector<float> packed_result, plain_result;
            ASSERT_TRUE(check_case(tc, &packed_result));
            tc.prepacked_b = false;
            ASSERT_TRUE(check_case(tc, &plain_result));
            EXPECT_EQ(0, std::memcmp(packed_result.data(), plain_result.data(), packed_result.size() * sizeof(float)))
                << tc.describe();
          }
  });
}

// ---- threads -------------------------------------------------------------------------------

TEST(KernelsGemmThreads, BitwiseIdenticalRunToRunAndAcrossThreadCounts) {
  for_each_isa([](Isa isa, const SgemmConfig& cfg) {
    struct Shape { size_t m, n, k; };
    for (Shape s : {Shape{130, 97, 300}, Shape{7, 1000, 64}, Shape{700, 9, 64}, Shape{200, 300, 520}})
      for (bool prepacked : {false, true}) {
        GemmCase tc;
        tc.isa = isa; tc.m = s.m; tc.n = s.n; tc.k = s.k; tc.prepacked = prepacked;
        tc.epilogue = true; tc.bias = true; tc.activation = GemmActivation::relu;
        std::vector<float> one;
        ASSERT_TRUE(check_case(tc, &one));
        for (int threads : {2, 3}) {
          tc.threads = threads;
          std::vector<float> first, second;
          ASSERT_TRUE(check_case(tc, &first));
          ASSERT_TRUE(check_case(tc, &second));
          EXPECT_EQ(0, std::memcmp(first.data(), second.data(), first.size() * sizeof(float)))
              << "run to run: " << tc.describe();
          EXPECT_EQ(0, std::memcmp(first.data(), one.data(), first.size() * sizeof(float)))
              << "vs 1 thread: " << tc.describe();
        }
      }
  });
}

// ---- errors --------------------------------------------------------------------------------

TEST(KernelsGemmErrors, BadArgumentsThrowInsteadOfReadingOutOfBounds) {
  const SgemmConfig& cfg = kernels::sgemm_config(best_isa(CpuFeatures::host()));
  std::vector<float> a(64, 1.0f), b(64, 1.0f), c(64, 0.0f);
  ops::SgemmArgs args;
  args.m = 4; args.n = 4; args.k = 4;
  args.a = a.data(); args.lda = 4; args.b = b.data(); args.ldb = 4; args.c = c.data(); args.ldc = 4;
  std::vector<uint8_t> ws(ops::sgemm_workspace_bytes(cfg, 4, 4, 4, 1));
  EXPECT_NO_THROW(ops::sgemm(cfg, args, ws.data(), ws.size(), nullptr));
  EXPECT_THROW(ops::sgemm(cfg, args, ws.data(), 16, nullptr), Error);  // workspace too small
  auto bad = args;
  bad.lda = 3;
  EXPECT_THROW(ops::sgemm(cfg, bad, ws.data(), ws.size(), nullptr), Error);
  bad = args;
  bad.ldc = 2;
  EXPECT_THROW(ops::sgemm(cfg, bad, ws.data(), ws.size(), nullptr), Error);
  bad = args;
  bad.b = nullptr;
  EXPECT_THROW(ops::sgemm(cfg, bad, ws.data(), ws.size(), nullptr), Error);
  ops::SgemmPackedA packed(cfg, false, 4, 4, a.data(), 4);
  bad = args;
  bad.k = 3;
  EXPECT_THROW(ops::sgemm(cfg, packed, bad, ws.data(), ws.size(), nullptr), Error);
  const SgemmConfig& other = kernels::sgemm_config(Isa::generic);
  if (&other != &cfg) {
    std::vector<uint8_t> ws2(ops::sgemm_workspace_bytes(other, 4, 4, 4, 1));
    EXPECT_THROW(ops::sgemm(other, packed, args, ws2.data(), ws2.size(), nullptr), Error);
  }
  ops::SgemmPackedB packed_b(cfg, false, 4, 4, b.data(), 4);
  bad = args;
  bad.n = 5;
  bad.ldc = 5;
  EXPECT_THROW(ops::sgemm(cfg, packed_b, bad, ws.data(), ws.size(), nullptr), Error);
  bad = args;
  bad.b = nullptr;  // ignored: B comes from the packed copy
  EXPECT_NO_THROW(ops::sgemm(cfg, packed_b, bad, ws.data(), ws.size(), nullptr));
}

}  // namespace
}  // namespace castnet
