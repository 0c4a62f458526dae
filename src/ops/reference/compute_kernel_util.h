// Checks shared by the reference compute kernels (Conv, pooling, BatchNormalization, Gemm,
// MatMul): what they accept at plan time and what they verify on each run, so a buffer that is
// not what the kernel was prepared for is an error instead of an out-of-bounds read.
#pragma once
#include "ops/op_kernel.h"

#include <castnet/error.h>

#include <string>

namespace castnet::ops::reference_util {

// Every present input and output is plain-layout and of dtype `dtype`.
inline bool all_plain(const NodeDesc& node, DType dtype) {
  for (size_t i = 0; i < node.inputs.size(); ++i)
    if (node.has_input(i) && (node.input(i).dtype != dtype || node.input(i).layout.kind != Layout::Kind::plain))
      return false;
  for (const ir::Value* v : node.outputs)
    if (v && (v->dtype != dtype || v->layout.kind != Layout::Kind::plain)) return false;
  return true;
}

inline ThreadPool* pool_of(const KernelArgs& args) { return args.ctx ? args.ctx->pool : nullptr; }

// Throws unless `view` is a plain buffer of `dtype` with exactly `shape`.
inline void expect_view(const TensorView& view, DType dtype, const Shape& shape, const char* op,
                        const char* what) {
  if (!view.data || view.dtype != dtype || view.layout.kind != Layout::Kind::plain || view.shape != shape)
    throw Error(std::string(op) + ": " + what + " is " + dtype_name(view.dtype) + " " + shape_to_string(view.shape) +
                ", the kernel was prepared for plain " + dtype_name(dtype) + " " + shape_to_string(shape));
}

// The run has at least the inputs and outputs the kernel reads and writes.
inline void expect_arity(const KernelArgs& args, size_t inputs, size_t outputs, const char* op) {
  if (args.num_inputs < inputs || args.num_outputs < outputs)
    throw Error(std::string(op) + ": kernel called with too few buffers");
}

}  // namespace castnet::ops::reference_util
