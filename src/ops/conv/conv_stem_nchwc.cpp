// The stem convolution: few input channels (the 3 of an image) and a window of several taps
// (7×7/2, 3×3/2), computed by the direct driver reading the input one channel per step
// (create_conv_direct_plain_input): each step broadcasts one input pixel against the weight
// vectors of 16 output channels, so every lane of every FMA is used without building a patch
// matrix. Measured on one Zen 5 core against the row-by-row im2col it replaces (bench in the
// report of castnet issue 3): the ResNet-50 7×7/2 stem and MobileNetV2's 3×3/2 stem both faster;
// im2col stays registered behind it (CASTNET_CONV_ALGO=conv_im2col_nchwc forces it).
#include "ops/conv/conv_stem_nchwc.h"

#include "kernels/config/conv_config.h"
#include "ops/conv/conv_nchwc_direct.h"

#include <cstdlib>
#include <cstring>

namespace castnet::ops {
namespace {

// Any 2-d group-1 f32 convolution with constant weights (and bias) whose input, if it arrives
// channel-blocked, has at most one block of channels (read a channel per step at stride 1).
bool supports(const NodeDesc& node) {
  if ((node.op_type() != "Conv" && node.op_type() != "FusedConv") || node.ctx->isa == Isa::reference) return false;
  if (!node.has_input(0) || !node.has_input(1) || !node.constant_input(1)) return false;
  if (node.has_input(2) && !node.constant_input(2)) return false;
  const ir::Value& x = node.input(0);
  const ir::Value& w = node.input(1);
  if (x.dtype != DType::f32 || x.shape.size() != 4 || w.shape.size() != 4 || node.attrs().get_int("group", 1) != 1)
    return false;
  const int block = kernels::conv_nchwc_config(node.ctx->isa).block;
  return x.layout.kind != Layout::Kind::nchwc || x.shape[1] <= block;
}

// Cost rule: at most half a block of input channels (the NCHWc kernel would first copy the
// input into blocks at least twice its size, mostly padding) and a window of several taps. Off
// when CASTNET_CONV_ALGO names another algorithm.
bool applicable(const NodeDesc& node) {
  if (!supports(node)) return false;
  const char* forced = std::getenv("CASTNET_CONV_ALGO");
  if (forced && *forced && std::strcmp(forced, "conv_stem_nchwc") != 0) return false;
  const int block = kernels::conv_nchwc_config(node.ctx->isa).block;
  return node.input(0).shape[1] * 2 <= block && node.input(1).shape[2] * node.input(1).shape[3] > 1;
}

}  // namespace

void add_conv_stem_nchwc(std::vector<OpImplementation>& out) {
  out.push_back({"Conv", "conv_stem_nchwc", false, &applicable, &create_conv_direct_plain_input, &supports});
  out.push_back({"FusedConv", "conv_stem_nchwc", false, &applicable, &create_conv_direct_plain_input, &supports});
}

}  // namespace castnet::ops
