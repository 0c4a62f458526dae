// A small, fully specified pseudo-random generator (SplitMix64) for the zoo's weights and the
// CLI's generated inputs. Unlike std::uniform_real_distribution, its output is the same on every
// compiler and platform, so a zoo model built from a seed is bitwise the same everywhere.
#pragma once
#include <cstdint>
#include <string_view>

namespace castnet::zoo {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, 1): the top 24 bits, exactly representable as a float.
  float unit() { return static_cast<float>(next() >> 40) * (1.0f / 16777216.0f); }
  float uniform(float lo, float hi) { return lo + (hi - lo) * unit(); }

 private:
  uint64_t state_;
};

// A seed for one named tensor: the model seed mixed with a hash of the name (FNV-1a), so a
// tensor's values do not depend on the order in which the builder creates tensors.
inline uint64_t tensor_seed(uint64_t model_seed, std::string_view name) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001B3ull;
  }
  SplitMix64 mix(h ^ (model_seed * 0xD6E8FEB86659FD93ull));
  return mix.next();
}

}  // namespace castnet::zoo
