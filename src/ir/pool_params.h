// Decoding of MaxPool / AveragePool node attributes into a PoolDesc, in one place: shape
// inference, the plan and the kernels all read pooling geometry through this.
#pragma once
#include "core/pool_desc.h"
#include "ir/attributes.h"

#include <castnet/tensor.h>

namespace castnet::ir {

// Pooling of an input x_shape (N, C, spatial...), every dimension known: kernel_shape (required),
// strides, dilations, pads (ONNX order: all begins, then all ends), auto_pad (NOTSET, SAME_UPPER,
// SAME_LOWER, VALID), ceil_mode, count_include_pad. Throws castnet::Error for any inconsistency.
PoolDesc pool_desc_from_attrs(const Attributes& attrs, const Shape& x_shape);

}  // namespace castnet::ir
