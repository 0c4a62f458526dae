// Decoding of Conv / pooling node attributes into descriptors, in one place: shape inference,
// the plan, the profiler and `castnet info` all read geometry through these.
#pragma once
#include "core/conv_desc.h"
#include "ir/attributes.h"

#include <castnet/tensor.h>

namespace castnet::ir {

// Conv with input shape x (N, C, spatial...) and weight shape w (M, C/group, k...): kernel_shape
// (defaults to w's), strides, dilations, pads (ONNX order: all begins, then all ends), auto_pad
// (NOTSET, SAME_UPPER, SAME_LOWER, VALID), group. Throws castnet::Error for any inconsistency.
ConvDesc conv_desc_from_attrs(const Attributes& attrs, const Shape& x, const Shape& w);

}  // namespace castnet::ir
