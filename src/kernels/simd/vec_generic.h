// Vector traits for the generic kernels: V::Reg, V::kLanes, load/store/zero/set1/fma/add/mul/max/min.
// Include INSIDE AN ANONYMOUS NAMESPACE of a *_generic.cpp file, so that
// code instantiated with these flags keeps internal linkage.

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
