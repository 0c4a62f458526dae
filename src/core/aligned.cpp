#include "core/aligned.h"

#include <castnet/error.h>

#include <cstdlib>
#include <new>
#include <string>

namespace castnet {

void* aligned_malloc(size_t bytes) {
  if (bytes == 0) bytes = kAlignment;
  void* p = std::aligned_alloc(kAlignment, align_up(bytes));
  if (!p) throw Error("cannot allocate " + std::to_string(bytes) + " bytes");
  return p;
}

void aligned_free(void* p) noexcept { std::free(p); }

}  // namespace castnet
