#include "reference/elementwise.h"

#include "reference/view_checks.h"

#include <algorithm>

namespace castnet::reference {

void binary(BinaryOp op, const TensorView& a, const TensorView& b, const TensorView& out) {
  const char* name = binary_op_name(op);
  require_plain(a, name);
  require_plain(b, name);
  require_plain(out, name);
  require_dtype(b, a.dtype, name);
  require_dtype(out, a.dtype, name);
  // broadcast_strides checks each input against out; out must also be no larger than needed:
  // each of its dimensions is one of the inputs' (missing dimensions count as 1).
  const size_t rank = out.shape.size();
  bool exact = rank == std::max(a.shape.size(), b.shape.size());
  for (size_t k = 0; exact && k < rank; ++k) {
    const int64_t da = k < a.shape.size() ? a.shape[a.shape.size() - 1 - k] : 1;
    const int64_t db = k < b.shape.size() ? b.shape[b.shape.size() - 1 - k] : 1;
    const int64_t d = out.shape[rank - 1 - k];
    exact = d == da || d == db;
  }
  if (!exact)
    throw Error(std::string(name) + ": output shape " + shape_to_string(out.shape) + " is not the broadcast of " +
                shape_to_string(a.shape) + " and " + shape_to_string(b.shape));
  broadcast_binary(op, a.dtype, a.data, a.shape, b.data, b.shape, out.data, out.shape);
}

}  // namespace castnet::reference
