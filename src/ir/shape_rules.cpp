#include "ir/shape_rules.h"

#include <castnet/error.h>

#include "core/data_movement.h"

#include <algorithm>
#include <numeric>

namespace castnet::ir {

int64_t normalize_axis(int64_t axis, int64_t rank, bool allow_rank) {
  const int64_t hi = allow_rank ? rank : rank - 1;
  if (axis < -rank || axis > hi)
    throw Error("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> int_values(const Tensor& t) {
  std::vector<int64_t> v(static_cast<size_t>(t.numel()));
  if (t.dtype() == DType::i64) {
    std::copy_n(t.data_as<int64_t>(), v.size(), v.begin());
  } else if (t.dtype() == DType::i32) {
    std::copy_n(t.data_as<int32_t>(), v.size(), v.begin());
  } else {
    throw Error(std::string("expected an i64 or i32 tensor, got ") + dtype_name(t.dtype()));
  }
  return v;
}

std::pair<int64_t, int64_t> shape_window(const Attributes& attrs, int64_t rank) {
  auto clamp_position = [rank](int64_t p) { return std::clamp<int64_t>(p < 0 ? p + rank : p, 0, rank); };
  const int64_t start = clamp_position(attrs.get_int("start", 0));
  const int64_t end = clamp_position(attrs.get_int("end", rank));
  return {start, std::max(start, end)};
}

std::vector<int64_t> transpose_perm(const Attributes& attrs, size_t rank) {
  std::vector<int64_t> perm(rank);
  if (attrs.has("perm")) {
    perm = attrs.get_ints("perm");
  } else {
    std::iota(perm.rbegin(), perm.rend(), int64_t{0});
  }
  check_permutation(perm, rank);
  return perm;
}

SliceRanges resolve_slice(const Shape& in_shape, const std::vector<int64_t>& starts,
                          const std::vector<int64_t>& ends, const std::vector<int64_t>& axes_in,
                          const std::vector<int64_t>& steps_in) {
  const size_t n = starts.size();
  const auto rank = static_cast<int64_t>(in_shape.size());
  if (ends.size() != n) throw Error("starts and ends differ in length");
  if (!axes_in.empty() && axes_in.size() != n) throw Error("axes and starts differ in length");
  if (!steps_in.empty() && steps_in.size() != n) throw Error("steps and starts differ in length");
  SliceRanges r;
  r.starts.assign(in_shape.size(), 0);
  r.steps.assign(in_shape.size(), 1);
  r.out_shape = in_shape;
  std::vector<char> seen(in_shape.size(), 0);
  for (size_t i = 0; i < n; ++i) {
    const int64_t axis = normalize_axis(axes_in.empty() ? static_cast<int64_t>(i) : axes_in[i], rank);
    const auto a = static_cast<size_t>(axis);
    if (seen[a]) throw Error("axis " + std::to_string(axis) + " is sliced twice");
    seen[a] = 1;
    const int64_t step = steps_in.empty() ? 1 : steps_in[i];
    if (step == 0) throw Error("slice step must not be 0");
    r.steps[a] = step;
    const int64_t dim = in_shape[a];
    if (dim < 0) {
      r.out_shape[a] = -1;
      continue;
    }
    // Negative positions count from the end; then clamp to what the direction can reach
    // ([0, dim] forwards, [-1, dim-1] backwards for the exclusive end).
    int64_t start = starts[i] < 0 ? starts[i] + dim : starts[i];
    int64_t end = ends[i] < 0 ? ends[i] + dim : ends[i];
    int64_t count;
    if (dim == 0) {
      count = 0;
    } else if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count = end > start ? (end - start - 1) / step + 1 : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      // The step's magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64.
      const uint64_t stride = uint64_t{0} - static_cast<uint64_t>(step);
      count = start > end ? static_cast<int64_t>(static_cast<uint64_t>(start - end - 1) / stride) + 1 : 0;
    }
    r.starts[a] = count > 0 ? start : 0;
    r.out_shape[a] = count;
  }
  return r;
}

}  // namespace castnet::ir
