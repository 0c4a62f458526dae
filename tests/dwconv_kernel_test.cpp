// The NCHWc depthwise row kernels (src/kernels/conv/dwconv_nchwc_rows_body.h behind
// ops::DwconvRow) on every ISA this CPU has: straight against a naive double-accumulating loop
// over widths 1..40, 3×3 and 5×5, stride 1 and 2, asymmetric pads, every activation, with and
// without residual, rows asked for in several splits; outputs and guard zones around them
// poisoned with NaN. Then whole sessions (depthwise conv + activation, and the fused
// depthwise-separable block) against the reference: channels 13/37, batch 2, threads 1 and 2.
#include <castnet/castnet.h>
#include <gtest/gtest.h>

#include "core/conv_desc.h"
#include "core/cpu_features.h"
#include "kernels/conv/dwconv_nchwc_ukernel.h"
#include "ops/conv/dwconv_rows.h"
#include "runtime/session_impl.h"
#include "test_graphs.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

using namespace castnet;
using castnet::testing::random_tensor;

namespace {

struct IsaKernel {
  const char* isa;
  const kernels::DwconvNchwcUkernel* uk;
};

std::vector<IsaKernel> supported_kernels() {
  std::vector<IsaKernel> r;
  const CpuFeatures& cpu = CpuFeatures::host();
  r.push_back({"generic", &kernels::dwconv_nchwc_ukernel_generic()});
  if (isa_supported(Isa::avx2, cpu)) r.push_back({"avx2", &kernels::dwconv_nchwc_ukernel_avx2()});
  if (isa_supported(Isa::avx512, cpu)) r.push_back({"avx512", &kernels::dwconv_nchwc_ukernel_avx512()});
  return r;
}

std::vector<std::string> fast_isas() {
  std::vector<std::string> r;
  for (Isa isa : {Isa::generic, Isa::avx2, Isa::avx512})
    if (isa_supported(isa, CpuFeatures::host())) r.push_back(isa_name(isa));
  return r;
}

ConvDesc depthwise(int64_t n, int64_t c, int64_t ih, int64_t iw, int64_t k, int64_t s, int64_t pt, int64_t pl,
                   int64_t pb, int64_t pr, int64_t dil = 1) {
  ConvDesc d;
  d.batch = n; d.in_channels = c; d.out_channels = c; d.groups = c; d.rank = 2;
  d.in = {ih, iw, 1}; d.kernel = {k, k, 1}; d.stride = {s, s, 1}; d.dilation = {dil, dil, 1};
  d.pad_begin = {pt, pl, 0}; d.pad_end = {pb, pr, 0};
  d.compute_output();
  return d;
}

double activate(double x, const kernels::ConvPostOps& p) {
  using kernels::Activation;
  switch (p.activation) {
    case Activation::none: return x;
    case Activation::relu: return x > 0 ? x : 0;
    case Activation::clip: return std::min<double>(std::max<double>(x, p.alpha), p.beta);
    case Activation::leaky_relu: return x > 0 ? x : p.alpha * x;
    case Activation::hard_sigmoid: return std::min(1.0, std::max(0.0, p.alpha * x + p.beta));
    case Activation::hard_swish: return x * std::min(1.0, std::max(0.0, x / 6 + 0.5));
    case Activation::sigmoid: return 1 / (1 + std::exp(-x));
  }
  return x;
}

const char* activation_name(kernels::Activation a) {
  static const char* names[] = {"none", "relu", "clip", "leaky_relu", "hard_sigmoid", "hard_swish", "sigmoid"};
  return names[static_cast<int>(a)];
}

// One plane (one channel block, batch 1) through DwconvRow: `splits` row ranges through
// run_rows, or every row through run when splits is empty. Returns the number of failures
// (printed once each).
int check_plane(const IsaKernel& k, const ConvDesc& d, kernels::ConvPostOps act, bool residual,
                const std::vector<int64_t>& splits, std::mt19937& rng) {
  const int64_t B = k.uk->block, IH = d.ih(), IW = d.iw(), OH = d.oh(), OW = d.ow(), KH = d.kh(), KW = d.kw();
  std::uniform_real_distribution<float> dist(-1.f, 1.f);
  std::vector<float> in(static_cast<size_t>(IH * IW * B)), w(static_cast<size_t>(KH * KW * B)), bias(B);
  std::vector<float> res(static_cast<size_t>(OH * OW * B));
  for (float& v : in) v = dist(rng);
  for (float& v : w) v = dist(rng);
  for (float& v : bias) v = dist(rng);
  for (float& v : res) v = dist(rng);
  // Output with a guard zone of one row before and after, all NaN.
  const int64_t guard = OW * B + B;
  std::vector<float> out(static_cast<size_t>(OH * OW * B + 2 * guard), NAN);
  float* o = out.data() + guard;

  ops::DwconvRow rows{k.uk, &d, w.data(), bias.data(), act};
  if (splits.empty()) {
    for (int64_t oh = 0; oh < OH; ++oh)
      rows.run(in.data(), o + oh * OW * B, residual ? res.data() + oh * OW * B : nullptr, 0, oh);
  } else {
    int64_t begin = 0;
    for (int64_t end : splits) {
      end = std::min(end, OH);
      if (end > begin)
        rows.run_rows(in.data(), o + begin * OW * B, residual ? res.data() + begin * OW * B : nullptr, 0, begin, end);
      begin = std::max(begin, end);
    }
    rows.run_rows(in.data(), o + begin * OW * B, residual ? res.data() + begin * OW * B : nullptr, 0, begin, OH);
  }

  int failures = 0;
  auto fail = [&](const std::string& what) {
    if (failures++ == 0)
      ADD_FAILURE() << what << " isa=" << k.isa << " " << d.to_string() << " act=" << activation_name(act.activation)
                    << " residual=" << residual << " splits=" << splits.size();
  };
  for (int64_t i = 0; i < guard; ++i)
    if (!std::isnan(out[static_cast<size_t>(i)]) || !std::isnan(o[OH * OW * B + i])) fail("write outside the output");
  for (int64_t oh = 0; oh < OH; ++oh)
    for (int64_t ow = 0; ow < OW; ++ow)
      for (int64_t l = 0; l < B; ++l) {
        double sum = bias[l];
        for (int64_t kh = 0; kh < KH; ++kh)
          for (int64_t kw = 0; kw < KW; ++kw) {
            int64_t ih = oh * d.stride[0] - d.pad_begin[0] + kh * d.dilation[0];
            int64_t iw = ow * d.stride[1] - d.pad_begin[1] + kw * d.dilation[1];
            if (ih < 0 || ih >= IH || iw < 0 || iw >= IW) continue;
            sum += double(in[((ih * IW) + iw) * B + l]) * w[(kh * KW + kw) * B + l];
          }
        const int64_t at = (oh * OW + ow) * B + l;
        if (residual) sum += res[at];
        double want = activate(sum, act), got = o[at];
        if (!(std::fabs(got - want) <= 1e-5 * (1 + std::fabs(want))))
          fail("oh=" + std::to_string(oh) + " ow=" + std::to_string(ow) + " lane=" + std::to_string(l) +
               " got " + std::to_string(got) + " want " + std::to_string(want));
      }
  return failures;
}

std::vector<kernels::ConvPostOps> every_activation() {
  using kernels::Activation;
  std::vector<kernels::ConvPostOps> r;
  for (Activation a : {Activation::none, Activation::relu, Activation::clip, Activation::leaky_relu,
                       Activation::hard_sigmoid, Activation::hard_swish, Activation::sigmoid}) {
    kernels::ConvPostOps p;
    p.activation = a;
    if (a == Activation::clip) p.alpha = -0.5f, p.beta = 0.75f;
    if (a == Activation::leaky_relu) p.alpha = 0.13f;
    if (a == Activation::hard_sigmoid) p.alpha = 0.3f, p.beta = 0.4f;
    r.push_back(p);
  }
  return r;
}

}  // namespace

// Every width 1..40 for 3×3 and 5×5, stride 1 and 2, with the usual and asymmetric pads.
TEST(DwconvKernel, EveryWidthKernelAndStride) {
  std::mt19937 rng(11);
  for (const IsaKernel& k : supported_kernels())
    for (int64_t ksize : {3, 5})
      for (int64_t s : {1, 2})
        for (int64_t iw = 1; iw <= 40; ++iw) {
          const int64_t p = ksize / 2;
          // Symmetric "same" pads, then left-only / right-heavy pads (as TF's SAME with stride 2).
          const int64_t pl = iw % 3 == 0 ? 0 : p, pr = iw % 3 == 0 ? ksize - 1 : p;
          const int64_t ih = 1 + iw % 7 + (ksize == 5 ? 2 : 0);
          if (iw + pl + pr < ksize || ih + 2 * p < ksize) continue;
          ConvDesc d = depthwise(1, k.uk->block, ih, iw, ksize, s, p, pl, p, pr);
          kernels::ConvPostOps none;
          EXPECT_EQ(check_plane(k, d, none, false, {}, rng), 0);
          EXPECT_EQ(check_plane(k, d, none, iw % 2 == 1, {1, 3}, rng), 0);
        }
}

// Every activation, with and without residual, on heights that leave a remainder of rows and
// pads larger on one side, through both entry points.
TEST(DwconvKernel, EveryActivationResidualAndRowSplit) {
  std::mt19937 rng(12);
  const ConvDesc shapes[] = {
      depthwise(1, 16, 9, 23, 3, 1, 1, 1, 1, 1),   // MobileNet 3×3 s1, odd
      depthwise(1, 16, 12, 17, 3, 2, 0, 0, 1, 1),  // s2, pads only after (TF SAME)
      depthwise(1, 16, 7, 7, 3, 1, 1, 1, 1, 1),    // 7×7 (MobileNet's last stage)
      depthwise(1, 16, 11, 14, 5, 1, 2, 2, 2, 2),  // 5×5 s1
      depthwise(1, 16, 13, 19, 5, 2, 2, 1, 1, 2),  // 5×5 s2, asymmetric
      depthwise(1, 16, 6, 31, 3, 1, 0, 2, 2, 0),   // pads top-left only
      depthwise(1, 16, 2, 2, 3, 1, 1, 1, 1, 1),    // tiny: every pixel a border
  };
  for (const IsaKernel& k : supported_kernels())
    for (const ConvDesc& d : shapes)
      for (const kernels::ConvPostOps& act : every_activation())
        for (bool residual : {false, true}) {
          EXPECT_EQ(check_plane(k, d, act, residual, {}, rng), 0);
          EXPECT_EQ(check_plane(k, d, act, residual, {2, 5, 6}, rng), 0);
        }
}

// Shapes the tiled kernel does not take (dilation, stride 3, 7×7, non-square): the row entry
// points still compute them.
TEST(DwconvKernel, OtherGeometriesThroughTheSameEntryPoints) {
  std::mt19937 rng(13);
  ConvDesc rect = depthwise(1, 16, 8, 9, 3, 1, 1, 1, 1, 1);
  rect.kernel = {1, 3, 1};
  rect.pad_begin = {0, 1, 0};
  rect.pad_end = {0, 1, 0};
  rect.compute_output();
  const ConvDesc shapes[] = {
      depthwise(1, 16, 9, 10, 3, 1, 2, 2, 2, 2, 2),  // dilation 2
      depthwise(1, 16, 10, 11, 3, 3, 1, 0, 2, 1),    // stride 3
      depthwise(1, 16, 9, 9, 7, 2, 3, 3, 3, 3),      // 7×7
      rect,
  };
  for (const IsaKernel& k : supported_kernels())
    for (const ConvDesc& d : shapes) {
      kernels::ConvPostOps relu;
      relu.activation = kernels::Activation::relu;
      EXPECT_EQ(check_plane(k, d, relu, true, {}, rng), 0);
      EXPECT_EQ(check_plane(k, d, relu, false, {3}, rng), 0);
    }
}

namespace {

struct Builder : castnet::testing::GraphBuilder {
  Builder() : GraphBuilder(21, "test:dwconv") {}
  ir::ValueId depthwise_conv(ir::ValueId x, const ConvDesc& d, const std::string& name) {
    const float scale = 1.f / static_cast<float>(d.kh());
    Tensor w = random_tensor({d.out_channels, 1, d.kh(), d.kw()}, rng, -scale, scale);
    Tensor b = random_tensor({d.out_channels}, rng);
    ir::ValueId y = node("Conv", {x, value(name + "_w", w.shape(), &w), value(name + "_b", b.shape(), &b)}, name);
    last().attrs.set_ints("kernel_shape", {d.kh(), d.kw()});
    last().attrs.set_ints("pads", {d.pad_begin[0], d.pad_begin[1], d.pad_end[0], d.pad_end[1]});
    last().attrs.set_ints("strides", {d.stride[0], d.stride[1]});
    last().attrs.set_int("group", d.groups);
    return y;
  }
  ir::ValueId activation(const std::string& op, ir::ValueId x, const std::string& name) {
    if (op.empty()) return x;
    if (op == "Clip") {
      Tensor lo = Tensor::from_vector<float>({}, {-0.5f}), hi = Tensor::from_vector<float>({}, {0.75f});
      return node("Clip", {x, value(name + "_lo", {}, &lo), value(name + "_hi", {}, &hi)}, name);
    }
    ir::ValueId y = node(op, {x}, name);
    if (op == "LeakyRelu") last().attrs.set_float("alpha", 0.13f);
    if (op == "HardSigmoid") last().attrs.set_float("alpha", 0.3f), last().attrs.set_float("beta", 0.4f);
    return y;
  }
};

// Runs `m` on every fast ISA at 1 and 2 threads against the reference, outputs poisoned; checks
// the plan has a step of op type `want_op`.
void expect_matches_reference(const Model& m, const std::string& want_op, const std::string& what) {
  castnet::testing::PoisonScope poison;
  std::mt19937 rng(9);
  NamedTensors in;
  for (const TensorInfo& t : m.inputs()) in.push_back({t.name, random_tensor(t.shape, rng)});
  Session ref(m, Options{.threads = 1, .isa = "reference"});
  std::vector<Tensor> want = ref.run(in);
  for (const std::string& isa : fast_isas())
    for (int threads : {1, 2}) {
      Session fast(m, Options{.threads = threads, .isa = isa});
      std::vector<Tensor> got = fast.run(in);
      bool found = false;
      for (const auto& s : fast.impl().plan().steps) found = found || s.op_type == want_op;
      EXPECT_TRUE(found) << what << " isa=" << isa << ": no " << want_op << " step";
      for (size_t i = 0; i < want.size(); ++i)
        EXPECT_LE(castnet::testing::relative_l2(got[i], want[i]), 1e-5) << what << " isa=" << isa << " threads=" << threads;
    }
}

const char* const kActivations[] = {"", "Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid"};

}  // namespace

// Depthwise conv + activation as one fused step, channel tails, batch 2, strides, 5×5.
TEST(DwconvKernel, DepthwiseSessionsEveryActivation) {
  const ConvDesc shapes[] = {
      depthwise(2, 13, 11, 17, 3, 1, 1, 1, 1, 1),
      depthwise(1, 37, 15, 9, 3, 2, 0, 0, 1, 1),
      depthwise(2, 37, 9, 12, 5, 1, 2, 2, 2, 2),
      depthwise(1, 13, 14, 14, 5, 2, 1, 2, 2, 1),
      depthwise(1, 32, 3, 40, 3, 1, 1, 1, 1, 1),
  };
  int i = 0;
  for (const ConvDesc& d : shapes)
    for (const char* act : kActivations) {
      Builder b;
      ir::ValueId x = b.value("x", {d.batch, d.in_channels, d.ih(), d.iw()});
      ir::ValueId y = b.depthwise_conv(x, d, "dw");
      y = b.activation(act, y, "act");
      if (++i % 3 == 0) {  // and a residual on some
        ir::ValueId r = b.value("r", {d.batch, d.out_channels, d.oh(), d.ow()});
        y = b.node("Add", {y, r}, "add");
        expect_matches_reference(b.finish({x, r}, {y}), "FusedConv", d.to_string() + " " + act + " +residual");
      } else {
        expect_matches_reference(b.finish({x}, {y}), act[0] ? "FusedConv" : "Conv", d.to_string() + " " + act);
      }
    }
}

// The fused depthwise-separable block: depthwise (any of the shapes) → activation → 1×1 →
// activation, widths across the tile sizes, stride 2, 5×5, channel tails, batch 2.
TEST(DwconvKernel, DwsepSessions) {
  struct Case { ConvDesc d; int64_t m; const char* dw_act; const char* pw_act; };
  const Case cases[] = {
      {depthwise(1, 32, 24, 24, 3, 1, 1, 1, 1, 1), 24, "Clip", ""},
      {depthwise(2, 13, 9, 1, 3, 1, 1, 1, 1, 1), 37, "Relu", "Relu"},
      {depthwise(1, 37, 16, 33, 3, 2, 0, 0, 1, 1), 13, "HardSwish", ""},
      {depthwise(1, 16, 7, 7, 3, 1, 1, 1, 1, 1), 40, "Relu", "Clip"},
      {depthwise(2, 24, 13, 27, 5, 1, 2, 2, 2, 2), 16, "LeakyRelu", "HardSwish"},
      {depthwise(1, 40, 20, 19, 5, 2, 2, 2, 2, 2), 32, "Sigmoid", ""},
      {depthwise(1, 16, 5, 40, 3, 1, 1, 1, 1, 1), 16, "HardSigmoid", "Relu"},
  };
  for (const Case& c : cases) {
    Builder b;
    ir::ValueId x = b.value("x", {c.d.batch, c.d.in_channels, c.d.ih(), c.d.iw()});
    ir::ValueId y = b.depthwise_conv(x, c.d, "dw");
    y = b.activation(c.dw_act, y, "dw_act");
    Tensor pw = random_tensor({c.m, c.d.out_channels, 1, 1}, b.rng, -0.3f, 0.3f);
    Tensor pb = random_tensor({c.m}, b.rng);
    y = b.node("Conv", {y, b.value("pw_w", pw.shape(), &pw), b.value("pw_b", pb.shape(), &pb)}, "pw");
    y = b.activation(c.pw_act, y, "pw_act");
    expect_matches_reference(b.finish({x}, {y}), "DwsepConv", c.d.to_string() + " m=" + std::to_string(c.m));
  }
}

// The residual of a fused depthwise conv is an intermediate read by nothing after it, so the plan
// may let the output take over its buffer: the row kernels must read each residual element before
// writing the output element at the same place, and no other.
TEST(DwconvKernel, ResidualBufferTakenOverByTheOutput) {
  for (const ConvDesc& d : {depthwise(2, 37, 13, 18, 3, 1, 1, 1, 1, 1), depthwise(1, 16, 9, 9, 5, 1, 2, 2, 2, 2),
                            depthwise(1, 24, 8, 30, 3, 1, 1, 1, 1, 1)}) {
    Builder b;
    ir::ValueId x = b.value("x", {d.batch, d.in_channels, d.ih(), d.iw()});
    ir::ValueId r = b.depthwise_conv(x, d, "dw1");
    ir::ValueId y = b.depthwise_conv(x, d, "dw2");
    y = b.node("Add", {y, r}, "add");
    y = b.activation("Relu", y, "act");
    expect_matches_reference(b.finish({x}, {y}), "FusedConv", d.to_string() + " residual in place");
  }
}
