// Reorders between the plain NCHW layout and NCHWc (channels in blocks of `block`, the tail
// block zero-padded). Work is given as a range of (n, channel-block) planes so callers can split
// it across threads.
#pragma once
#include <cstddef>
#include <cstdint>

namespace castnet::kernels {

// src: [N][C][HW] → dst: [N][ceil(C/B)][HW][B]; planes [begin, end) of N·ceil(C/B).
void reorder_nchw_to_nchwc(const float* src, float* dst, int64_t channels, int64_t hw, int block,
                           int64_t plane_begin, int64_t plane_end);
// src: [N][ceil(C/B)][HW][B] → dst: [N][C][HW]; padded lanes dropped.
void reorder_nchwc_to_nchw(const float* src, float* dst, int64_t channels, int64_t hw, int block,
                           int64_t plane_begin, int64_t plane_end);

}  // namespace castnet::kernels
