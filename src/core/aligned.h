// 64-byte-aligned allocation: every tensor, arena and packed-weight buffer starts on a cache line
// so vector loads never split one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

namespace castnet {

constexpr size_t kAlignment = 64;

inline size_t align_up(size_t n, size_t a = kAlignment) { return (n + a - 1) / a * a; }

// Throws castnet::Error when the allocation fails (a hostile model can ask for a lot).
void* aligned_malloc(size_t bytes);
void aligned_free(void* p) noexcept;

struct AlignedDeleter {
  void operator()(void* p) const noexcept { aligned_free(p); }
};

// A move-only, uninitialised, aligned byte buffer.
class AlignedBuffer {
 public:
  AlignedBuffer() = default;
  explicit AlignedBuffer(size_t bytes) : data_(static_cast<uint8_t*>(aligned_malloc(bytes))), size_(bytes) {}
  uint8_t* data() { return data_.get(); }
  const uint8_t* data() const { return data_.get(); }
  size_t size() const { return size_; }
  template <typename T> T* as() { return reinterpret_cast<T*>(data_.get()); }
  template <typename T> const T* as() const { return reinterpret_cast<const T*>(data_.get()); }

 private:
  std::unique_ptr<uint8_t[], AlignedDeleter> data_;
  size_t size_ = 0;
};

}  // namespace castnet
