// Counts that describe a model: parameters and FLOPs by kind of layer. Used by `castnet info`
// and by the zoo tests (which check them against the published torchvision figures). Lives
// beside the zoo because that is where the figures are checked; it reads any shaped graph.
#pragma once
#include "core/conv_desc.h"
#include "ir/graph.h"

#include <array>
#include <cstdint>
#include <string>

namespace castnet::zoo {

struct ParameterCount {
  int64_t initializer_elements = 0;  // every element of every initializer
  // Constants that are not learned weights: BatchNorm running mean/variance and Clip bounds.
  // torchvision's parameter counts leave them out.
  int64_t buffer_elements = 0;
  int64_t learnable() const { return initializer_elements - buffer_elements; }
};

ParameterCount count_parameters(const ir::Graph& graph);

enum class FlopKind : uint8_t { conv1x1, conv3x3, conv7x7, depthwise, conv_other, gemm, other };
inline constexpr int kNumFlopKinds = 7;
const char* flop_kind_name(FlopKind kind);  // "conv 1x1", "depthwise", "gemm/matmul", ...

// Depthwise first (any kernel), then square 2-d kernels 1/3/7, else other.
FlopKind classify_conv(const ConvDesc& desc);

struct FlopCount {
  std::array<int64_t, kNumFlopKinds> by_kind{};
  int64_t total() const;
  int64_t of(FlopKind k) const { return by_kind[static_cast<size_t>(k)]; }
};

// FLOPs (multiply-add = 2) of one inference. Conv and Gemm are computed here from their
// geometry (bias excluded); every other node from its op schema. Every value a node reads must
// have its shape. Throws castnet::Error for an inconsistent Conv.
FlopCount count_flops(ir::Graph& graph);

// The geometry of a Conv node (weights are input 1). Shapes must be known.
ConvDesc conv_node_desc(const ir::Graph& graph, const ir::Node& node);

}  // namespace castnet::zoo
