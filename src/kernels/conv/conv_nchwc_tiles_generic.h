// Tile shapes of the portable convolution microkernels: 4 pixels × up to 2 blocks of 8 lanes.
// Included inside the anonymous namespace of a *_generic.cpp file.

struct TilesGeneric {
  static constexpr int kNbMax = 2;
  static constexpr int mr_limit(int) { return 4; }
};
