// Portable instance: B = 8 lanes held in a small struct the compiler maps to whatever vector
// registers the baseline target has. Correct everywhere, the fallback when no SIMD path applies.
#include "kernels/conv/conv_nchwc_ukernel.h"

#include <cmath>

namespace castnet::kernels {
namespace {

struct VecGeneric {
  struct Reg { float v[8]; };
  static constexpr int kLanes = 8;
  static Reg load(const float* p) { Reg r; for (int i = 0; i < 8; ++i) r.v[i] = p[i]; return r; }
  static void store(float* p, Reg a) { for (int i = 0; i < 8; ++i) p[i] = a.v[i]; }
  static Reg zero() { Reg r; for (int i = 0; i < 8; ++i) r.v[i] = 0.f; return r; }
  static Reg set1(float x) { Reg r; for (int i = 0; i < 8; ++i) r.v[i] = x; return r; }
  static Reg fma(Reg a, Reg b, Reg c) { for (int i = 0; i < 8; ++i) c.v[i] += a.v[i] * b.v[i]; return c; }
  static Reg add(Reg a, Reg b) { for (int i = 0; i < 8; ++i) a.v[i] += b.v[i]; return a; }
  static Reg mul(Reg a, Reg b) { for (int i = 0; i < 8; ++i) a.v[i] *= b.v[i]; return a; }
  static Reg max(Reg a, Reg b) { for (int i = 0; i < 8; ++i) a.v[i] = a.v[i] > b.v[i] ? a.v[i] : b.v[i]; return a; }
  static Reg min(Reg a, Reg b) { for (int i = 0; i < 8; ++i) a.v[i] = a.v[i] < b.v[i] ? a.v[i] : b.v[i]; return a; }
};

#include "kernels/conv/conv_nchwc_ukernel_body.h"

constexpr int kMr = 4, kNb = 2;

}  // namespace

const ConvNchwcUkernel& conv_nchwc_ukernel_generic() {
  static const ConvNchwcUkernel k{&conv_nchwc_dispatch<VecGeneric, kMr, kNb, 1>,
                                  &conv_nchwc_dispatch<VecGeneric, kMr, kNb, 2>,
                                  &conv_nchwc_dispatch<VecGeneric, kMr, kNb, 0>,
                                  8, kMr, kNb, "conv_nchw8c_4x2_generic"};
  return k;
}

}  // namespace castnet::kernels
