// Reference Softmax: exp(x - max) / sum(exp(x - max)) over the normalised elements, in double.
#pragma once
#include "core/tensor_view.h"

#include <cstdint>

namespace castnet::reference {

// f32 x into y (same shape). `axis` is in [0, rank). Opset 13+ semantics normalise along that one
// axis; with `coerce_2d` (opset < 13) the input is viewed as [prod(dims before axis),
// prod(dims from axis on)] and each row is normalised as a whole.
void softmax(const TensorView& x, int64_t axis, bool coerce_2d, const TensorView& y);

}  // namespace castnet::reference
