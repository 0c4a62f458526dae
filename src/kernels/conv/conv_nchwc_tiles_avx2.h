// Tile shapes of the AVX2 convolution microkernels (NCHWc and plain-input instances), over the
// 16 ymm registers: mr × nb accumulators + nb weight vectors + 1 broadcast input.
// Included inside the anonymous namespace of an *_avx2.cpp file.

struct TilesAvx2 {
  static constexpr int kNbMax = 2;
  static constexpr int mr_limit(int nb) { return nb == 1 ? 12 : 6; }
};
