// Tile shapes of the AVX-512 convolution microkernels (NCHWc and plain-input instances), over the
// 32 zmm registers: mr × nb accumulators + nb weight vectors + 1 broadcast input. Two blocks or
// fewer take 14 pixels (28 or 14 accumulators), three take 8, four take 6: every tile of two or
// more blocks keeps 24-28 FMAs in flight per input channel. (14 rather than 12 at two blocks:
// MobileNetV2's 3×3/2 stem, 111 interior columns = 8 tiles, measured 4-6 % faster.)
// Included inside the anonymous namespace of an *_avx512.cpp file.

struct TilesAvx512 {
  static constexpr int kNbMax = 4;
  static constexpr int mr_limit(int nb) { return nb <= 2 ? 14 : nb == 3 ? 8 : 6; }
};
