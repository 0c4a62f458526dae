// Reference pooling: plain loops over each window, the oracle for any fast pooling kernel.
// Layout is plain row-major: x [batch][channels][in...], y [batch][channels][out...].
#pragma once
#include "core/pool_desc.h"
#include "core/thread_pool.h"

#include <cstdint>

namespace castnet::reference {

// Largest input element under each window (pads never win). A window that covers no input
// element (possible only with dilation) yields the type's lowest value.
void max_pool(const PoolDesc& desc, const float* x, float* y, ThreadPool* pool = nullptr);
void max_pool(const PoolDesc& desc, const uint8_t* x, uint8_t* y, ThreadPool* pool = nullptr);
void max_pool(const PoolDesc& desc, const int8_t* x, int8_t* y, ThreadPool* pool = nullptr);

// Mean over each window, summed in double. Divisor: the input elements the window covers, or,
// with count_include_pad, the window positions inside the padded input (in ceil mode a window
// may reach past the end padding; those positions are never counted). A window with a zero
// divisor yields 0.
void average_pool(const PoolDesc& desc, const float* x, float* y, ThreadPool* pool = nullptr);

// One value per (image, channel) plane of `spatial` elements: y [planes].
void global_average_pool(int64_t planes, int64_t spatial, const float* x, float* y, ThreadPool* pool = nullptr);
void global_max_pool(int64_t planes, int64_t spatial, const float* x, float* y, ThreadPool* pool = nullptr);

}  // namespace castnet::reference
