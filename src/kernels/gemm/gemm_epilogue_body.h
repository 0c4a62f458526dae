// The GEMM epilogue in vector registers, written once over a per-ISA traits type V:
//   V::Reg, V::kLanes, zero/set1/fma/add/mul/max/min (kernels/simd/vec_*.h), and
//   sub, div, fnma, round (to nearest), scale_pow2(p, n) = p · 2^n, kExpMax (exp's upper clamp),
//   scale_negative(v, k) = v < 0 ? v · k : v, and the masked tail:
//   V::Mask, lane_mask(n) (lanes [0, n), n clamped), load_masked(p, m) (zero in the other
//   lanes, never touching their memory), store_masked(p, m, v).
// Each gemm_epilogue_<isa>.h includes it INSIDE ITS ISA NAMESPACE after defining its traits, so
// instantiations compiled with different -m flags have different names and never merge at link
// time. No include guard for the same reason; do not call std:: templates from here.
//
// Requires: gemm_epilogue.h and <immintrin.h> included, <cstddef>.

// exp(x) to ~2 ulp (Cephes' expf polynomial); x is clamped so that 2^n stays representable by
// the ISA's scale_pow2.
template <class V>
inline typename V::Reg exp_ps(typename V::Reg x) {
  using Reg = typename V::Reg;
  x = V::min(V::max(x, V::set1(-87.33654f)), V::set1(V::kExpMax));
  Reg n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  Reg r = V::fnma(n, V::set1(0.693359375f), x);
  r = V::fnma(n, V::set1(-2.12194440e-4f), r);
  Reg p = V::set1(1.9875691500e-4f);
  p = V::fma(p, r, V::set1(1.3981999507e-3f));
  p = V::fma(p, r, V::set1(8.3334519073e-3f));
  p = V::fma(p, r, V::set1(4.1665795894e-2f));
  p = V::fma(p, r, V::set1(1.6666665459e-1f));
  p = V::fma(p, r, V::set1(5.0000001201e-1f));
  p = V::fma(p, V::mul(r, r), V::add(r, V::set1(1.0f)));
  return V::scale_pow2(p, n);
}

// The activation's constants, broadcast once per tile.
template <class V>
struct ActivationConstants {
  typename V::Reg lo, hi, slope, hs_alpha, hs_beta;
  explicit ActivationConstants(const castnet::kernels::GemmEpilogue& ep)
      : lo(V::set1(ep.clip_min)), hi(V::set1(ep.clip_max)), slope(V::set1(ep.leaky_alpha)),
        hs_alpha(V::set1(ep.hard_sigmoid_alpha)), hs_beta(V::set1(ep.hard_sigmoid_beta)) {}
};

template <class V, castnet::kernels::GemmActivation Act>
__attribute__((always_inline)) inline typename V::Reg activate_ps(typename V::Reg v,
                                                                  const ActivationConstants<V>& k) {
  using castnet::kernels::GemmActivation;
  if constexpr (Act == GemmActivation::relu) {
    return V::max(v, V::zero());
  } else if constexpr (Act == GemmActivation::clip) {
    return V::min(V::max(v, k.lo), k.hi);
  } else if constexpr (Act == GemmActivation::leaky_relu) {
    return V::scale_negative(v, k.slope);
  } else if constexpr (Act == GemmActivation::hard_swish) {
    typename V::Reg gate = V::fma(v, V::set1(1.0f / 6.0f), V::set1(0.5f));
    gate = V::min(V::max(gate, V::zero()), V::set1(1.0f));
    return V::mul(v, gate);
  } else if constexpr (Act == GemmActivation::hard_sigmoid) {
    const typename V::Reg v_lin = V::fma(v, k.hs_alpha, k.hs_beta);
    return V::min(V::max(v_lin, V::zero()), V::set1(1.0f));
  } else if constexpr (Act == GemmActivation::sigmoid) {
    const typename V::Reg e = exp_ps<V>(V::sub(V::zero(), v));
    return V::div(V::set1(1.0f), V::add(V::set1(1.0f), e));
  } else {
    return v;
  }
}

// Finishes the tile acc (rows [0, mr), columns [0, nr) of an MR × NV·kLanes block) into C:
// alpha/beta, then the epilogue, then masked stores. Each step is one pass over the whole tile
// (all in registers) behind one test, so the per-vector code carries no branches; the activation
// is a template parameter for the same reason. Full and edge tiles take the same path: a full
// mask costs nothing extra, and masked loads never touch memory past the edge.
template <class V, int MR, int NV, bool HasEpilogue, castnet::kernels::GemmActivation Act>
__attribute__((always_inline)) inline void finish_tile(typename V::Reg (&acc)[MR][NV], float* c, size_t ldc,
                                                       size_t mr, size_t nr, float alpha, float beta,
                                                       const castnet::kernels::GemmEpilogue* ep) {
  using Reg = typename V::Reg;
  constexpr int L = V::kLanes;
  typename V::Mask mask[NV];
#pragma GCC unroll 8
  for (int j = 0; j < NV; ++j) mask[j] = V::lane_mask(static_cast<ptrdiff_t>(nr) - L * j);
  const size_t rows = mr < size_t(MR) ? mr : size_t(MR);

  if (alpha != 1.0f) {
    const Reg valpha = V::set1(alpha);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[i][j] = V::mul(acc[i][j], valpha);
  }
  if (beta != 0.0f) {
    const Reg vbeta = V::set1(beta);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      if (size_t(i) >= rows) break;
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j)
        acc[i][j] = V::fma(vbeta, V::load_masked(c + i * ldc + L * j, mask[j]), acc[i][j]);
    }
  }
  if constexpr (HasEpilogue) {
    const float* scale = ep->scale;
    const float* bias = ep->bias;
    if (scale || bias) {
      if (ep->channel_axis == castnet::kernels::GemmChannelAxis::rows) {
#pragma GCC unroll 16
        for (int i = 0; i < MR; ++i) {
          if (size_t(i) >= rows) break;
          const Reg s = scale ? V::set1(scale[i]) : V::set1(1.0f);
          const Reg b = bias ? V::set1(bias[i]) : V::zero();
#pragma GCC unroll 8
          for (int j = 0; j < NV; ++j) acc[i][j] = V::fma(acc[i][j], s, b);
        }
      } else {
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) {
          const Reg s = scale ? V::load_masked(scale + L * j, mask[j]) : V::set1(1.0f);
          const Reg b = bias ? V::load_masked(bias + L * j, mask[j]) : V::zero();
#pragma GCC unroll 16
          for (int i = 0; i < MR; ++i) acc[i][j] = V::fma(acc[i][j], s, b);
        }
      }
    }
    if (const float* residual = ep->residual) {
      const size_t ld = ep->residual_ld;
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
        if (size_t(i) >= rows) break;
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j)
          acc[i][j] = V::add(acc[i][j], V::load_masked(residual + i * ld + L * j, mask[j]));
      }
    }
    if constexpr (Act != castnet::kernels::GemmActivation::none) {
      const ActivationConstants<V> constants(*ep);
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
        for (int j = 0; j < NV; ++j) acc[i][j] = activate_ps<V, Act>(acc[i][j], constants);
    }
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (size_t(i) >= rows) break;
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) V::store_masked(c + i * ldc + L * j, mask[j], acc[i][j]);
  }
}

// The activation picked once per tile, so each finish_tile instance is branch-free inside.
template <class V, int MR, int NV>
__attribute__((always_inline)) inline void store_tile(typename V::Reg (&acc)[MR][NV], float* c, size_t ldc,
                                                      size_t mr, size_t nr, float alpha, float beta,
                                                      const castnet::kernels::GemmEpilogue* ep) {
  using A = castnet::kernels::GemmActivation;
  if (!ep) return finish_tile<V, MR, NV, false, A::none>(acc, c, ldc, mr, nr, alpha, beta, ep);
  switch (ep->activation) {
    case A::none: return finish_tile<V, MR, NV, true, A::none>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::relu: return finish_tile<V, MR, NV, true, A::relu>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::clip: return finish_tile<V, MR, NV, true, A::clip>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::leaky_relu:
      return finish_tile<V, MR, NV, true, A::leaky_relu>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::hard_swish:
      return finish_tile<V, MR, NV, true, A::hard_swish>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::hard_sigmoid:
      return finish_tile<V, MR, NV, true, A::hard_sigmoid>(acc, c, ldc, mr, nr, alpha, beta, ep);
    case A::sigmoid: return finish_tile<V, MR, NV, true, A::sigmoid>(acc, c, ldc, mr, nr, alpha, beta, ep);
  }
}
