// Pooling on the NCHWc layout: every window step works on B channels at once (contiguous lanes).
// 2-d MaxPool / AveragePool with pads, strides, dilations, ceil_mode and count_include_pad, and
// the global pools (output [N, C, 1, 1], still blocked). Max pooling whose block is the ISA's
// vector width runs in kernels/pool/maxpool_nchwc_<isa>.cpp (one vector max per window tap);
// the loops here serve the averages and other block sizes.
#include "ops/nchwc/nchwc_ops.h"

#include "ir/pool_params.h"
#include "kernels/pool/maxpool_nchwc.h"

#include <algorithm>
#include <limits>

namespace castnet::ops {
namespace {

class PoolNchwc final : public OpKernel {
 public:
  enum class Kind { max, average, global_max, global_average };
  PoolNchwc(const NodeDesc& n, Kind kind) : kind_(kind), B_(n.input(0).layout.block) {
    const Shape& s = n.input(0).shape;
    if (kind == Kind::max || kind == Kind::average) {
      d_ = ir::pool_desc_from_attrs(n.attrs(), s);
    } else {
      d_.batch = s[0]; d_.channels = s[1]; d_.rank = 2;
      d_.in = {s[2], s[3], 1}; d_.kernel = {s[2], s[3], 1};
      d_.compute_output();
    }
    // Max pooling whose block is the ISA's vector goes to the vector kernel.
    const kernels::MaxPoolNchwc& k = kernels::maxpool_nchwc_config(n.ctx->isa);
    if ((kind == Kind::max || kind == Kind::global_max) && k.block == B_) max_ = &k;
  }
  std::string algorithm() const override { return max_ ? max_->name : "pool_nchwc"; }
  Layout output_layout(size_t) const override { return Layout::nchwc(static_cast<int>(B_)); }

  void run(const KernelArgs& a) const override {
    const int64_t cb = (d_.channels + B_ - 1) / B_;
    const float* x = a.in(0).as<const float>();
    float* y = a.out(0).as<float>();
    kernels::MaxPoolPlaneArgs k;
    if (max_) {
      k.ih = d_.in[0]; k.iw = d_.in[1]; k.oh = d_.out[0]; k.ow = d_.out[1];
      k.kh = d_.kernel[0]; k.kw = d_.kernel[1];
      k.stride_h = d_.stride[0]; k.stride_w = d_.stride[1];
      k.dilation_h = d_.dilation[0]; k.dilation_w = d_.dilation[1];
      k.pad_top = d_.pad_begin[0]; k.pad_left = d_.pad_begin[1];
    }
    a.ctx->pool->parallel_for(d_.batch * cb, [&](int64_t b, int64_t e, int) {
      kernels::MaxPoolPlaneArgs p = k;
      for (int64_t plane = b; plane < e; ++plane) {
        const float* xp = x + plane * d_.in[0] * d_.in[1] * B_;
        float* yp = y + plane * d_.out[0] * d_.out[1] * B_;
        if (max_) {
          p.in = xp;
          p.out = yp;
          max_->plane(p);
        } else {
          pool_plane(xp, yp);
        }
      }
    });
  }

 private:
  void pool_plane(const float* x, float* y) const {
    // The block size is a compile-time constant in the lane loops so they become vector code.
    switch (B_) {
      case 16: return pool_plane_b<16>(x, y);
      case 8: return pool_plane_b<8>(x, y);
      default: return pool_plane_b<0>(x, y);
    }
  }

  // FIXED_B: the block size, or 0 to read it at run time.
  template <int FIXED_B>
  void pool_plane_b(const float* x, float* y) const {
    const int64_t IH = d_.in[0], IW = d_.in[1], OH = d_.out[0], OW = d_.out[1];
    const int64_t B = FIXED_B ? FIXED_B : B_;
    const bool is_max = kind_ == Kind::max || kind_ == Kind::global_max;
    constexpr int64_t kMaxB = 64;
    alignas(64) float acc[kMaxB];
    for (int64_t oh = 0; oh < OH; ++oh) {
      const int64_t h0 = oh * d_.stride[0] - d_.pad_begin[0];
      for (int64_t ow = 0; ow < OW; ++ow) {
        for (int64_t l = 0; l < B; ++l) acc[l] = is_max ? -std::numeric_limits<float>::infinity() : 0.f;
        int64_t count = 0;
        const int64_t w0 = ow * d_.stride[1] - d_.pad_begin[1];
        for (int64_t kh = 0; kh < d_.kernel[0]; ++kh) {
          int64_t ih = h0 + kh * d_.dilation[0];
          if (ih < 0 || ih >= IH) continue;
          const float* row = x + ih * IW * B;
          for (int64_t kw = 0; kw < d_.kernel[1]; ++kw) {
            int64_t iw = w0 + kw * d_.dilation[1];
            if (iw < 0 || iw >= IW) continue;
            const float* p = row + iw * B;
            if (is_max)
              for (int64_t l = 0; l < B; ++l) acc[l] = acc[l] > p[l] ? acc[l] : p[l];
            else
              for (int64_t l = 0; l < B; ++l) acc[l] += p[l];
            ++count;
          }
        }
        float* out = y + (oh * OW + ow) * B;
        if (is_max) {
          for (int64_t l = 0; l < B; ++l) out[l] = acc[l];
        } else {
          int64_t divisor = count;
          if (kind_ == Kind::average && d_.count_include_pad) {
            // The window clipped to the padded input.
            int64_t hs = std::min(h0 + (d_.kernel[0] - 1) * d_.dilation[0] + 1, IH + d_.pad_end[0]) - h0;
            int64_t ws = std::min(w0 + (d_.kernel[1] - 1) * d_.dilation[1] + 1, IW + d_.pad_end[1]) - w0;
            divisor = hs * ws;
          }
          float inv = divisor > 0 ? 1.f / static_cast<float>(divisor) : 0.f;
          for (int64_t l = 0; l < B; ++l) out[l] = acc[l] * inv;
        }
      }
    }
  }

  Kind kind_;
  int64_t B_;
  PoolDesc d_;
  const kernels::MaxPoolNchwc* max_ = nullptr;  // the vector kernel, where it serves this node
};

bool applicable(const NodeDesc& n) {
  if (n.ctx->isa == Isa::reference) return false;
  const ir::Value& x = n.input(0);
  if (x.dtype != DType::f32 || x.shape.size() != 4 || x.layout.kind != Layout::Kind::nchwc || x.layout.block > 64)
    return false;
  if (n.outputs.size() != 1 || n.output(0).layout != x.layout) return false;
  if (n.op_type() == "AveragePool" && n.attrs().get_ints("dilations", {}).size() > 0) {
    for (int64_t dl : n.attrs().get_ints("dilations")) if (dl != 1) return false;
  }
  return true;
}

template <PoolNchwc::Kind K>
std::unique_ptr<OpKernel> create(const NodeDesc& n) { return std::make_unique<PoolNchwc>(n, K); }

}  // namespace

void add_nchwc_pool(std::vector<OpImplementation>& out) {
  out.push_back({"MaxPool", "pool_nchwc", false, &applicable, &create<PoolNchwc::Kind::max>});
  out.push_back({"AveragePool", "pool_nchwc", false, &applicable, &create<PoolNchwc::Kind::average>});
  out.push_back({"GlobalMaxPool", "pool_nchwc", false, &applicable, &create<PoolNchwc::Kind::global_max>});
  out.push_back({"GlobalAveragePool", "pool_nchwc", false, &applicable, &create<PoolNchwc::Kind::global_average>});
}

}  // namespace castnet::ops
