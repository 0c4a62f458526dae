// The built-in models: structure, parameter and FLOP counts against the published torchvision
// figures, a naive recomputation of the small blocks at sampled pixels, and ONNX round trips.
#include <castnet/castnet.h>
#include <castnet/error.h>

#include "frontend/onnx/onnx_reader.h"
#include "frontend/onnx/onnx_writer.h"
#include "ir/graph.h"
#include "ir/op_schema.h"
#include "zoo/deterministic_rng.h"
#include "zoo/model_stats.h"
#include "zoo/zoo.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace castnet {
namespace {

Options test_options() {
  Options o;
  o.threads = 2;
  return o;
}

std::map<std::string, int> op_counts(const ir::Graph& g) {
  std::map<std::string, int> counts;
  for (const ir::Node& n : g.nodes) ++counts[n.op_type];
  return counts;
}

const Tensor& initializer(const ir::Graph& g, const std::string& name) {
  ir::ValueId id = g.find_value(name);
  if (id == ir::kNoValue || !g.value(id).constant) throw Error("no initializer '" + name + "'");
  return *g.value(id).constant;
}

Tensor deterministic_input(const Shape& shape, uint64_t seed) {
  Tensor t(DType::f32, shape);
  zoo::SplitMix64 rng(seed);
  for (int64_t i = 0; i < t.numel(); ++i) t.data_as<float>()[i] = rng.uniform(-1.0f, 1.0f);
  return t;
}

std::vector<Tensor> run_graph(std::shared_ptr<const ir::Graph> g, const Tensor& input,
                              Options options = test_options()) {
  Session session(Model(std::move(g)), options);
  return session.run({{"input", input}});
}

void expect_finite(const Tensor& t) {
  const float* p = t.data_as<float>();
  int64_t bad = 0;
  for (int64_t i = 0; i < t.numel(); ++i) bad += !std::isfinite(p[i]);
  EXPECT_EQ(bad, 0) << "non-finite values in output of shape " << shape_to_string(t.shape());
}

double rms(const Tensor& t) {
  double s = 0;
  for (int64_t i = 0; i < t.numel(); ++i) s += double(t.data_as<float>()[i]) * t.data_as<float>()[i];
  return std::sqrt(s / double(t.numel()));
}

void expect_bitwise_equal(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * dtype_size(a.dtype())), 0);
}

// Every intermediate shape the builder wrote must be what the op schemas infer from the inputs.
void expect_shapes_match_inference(const ir::Graph& built) {
  ir::Graph g = built;
  for (ir::Value& v : g.values)
    if (!v.constant && g.find_value(v.name) != g.inputs[0]) v.has_shape = false, v.shape.clear();
  ir::infer_shapes(g);
  for (size_t i = 0; i < g.values.size(); ++i) {
    ASSERT_TRUE(g.values[i].has_shape) << g.values[i].name;
    EXPECT_EQ(g.values[i].shape, built.values[i].shape) << g.values[i].name;
  }
}

// Export to ONNX bytes and import again: same nodes, same initializers bit for bit.
std::shared_ptr<ir::Graph> round_trip(const ir::Graph& g) {
  const std::string bytes = onnx_export::to_onnx_bytes(g);
  std::shared_ptr<ir::Graph> back = onnx_import::load_onnx_bytes(bytes, "roundtrip:" + g.name, "");
  EXPECT_EQ(back->nodes.size(), g.nodes.size());
  for (size_t i = 0; i < std::min(back->nodes.size(), g.nodes.size()); ++i) {
    EXPECT_EQ(back->nodes[i].op_type, g.nodes[i].op_type);
    EXPECT_EQ(back->nodes[i].name, g.nodes[i].name);
  }
  for (const ir::Value& v : g.values) {
    if (!v.is_initializer) continue;
    ir::ValueId id = back->find_value(v.name);
    EXPECT_NE(id, ir::kNoValue) << v.name;
    if (id == ir::kNoValue) continue;
    const ir::Value& w = back->value(id);
    EXPECT_TRUE(w.is_initializer && w.constant) << v.name;
    if (w.constant) expect_bitwise_equal(*v.constant, *w.constant);
  }
  return back;
}

// ---- naive recomputation of the small blocks at single pixels --------------------------------

struct BatchNormParams {
  const float *gamma, *beta, *mean, *var;
  double apply(int64_t c, double v) const {
    return (v - mean[c]) / std::sqrt(double(var[c]) + 1e-5) * gamma[c] + beta[c];
  }
};

BatchNormParams bn_params(const ir::Graph& g, const std::string& name) {
  return {initializer(g, name + ".weight").data_as<float>(), initializer(g, name + ".bias").data_as<float>(),
          initializer(g, name + ".running_mean").data_as<float>(),
          initializer(g, name + ".running_var").data_as<float>()};
}

double relu(double v) { return v > 0 ? v : 0; }

const std::vector<std::pair<int64_t, int64_t>> kSamplePixels = {
    {0, 0}, {0, 55}, {55, 0}, {55, 55}, {0, 27}, {27, 0}, {31, 17}, {13, 44}, {54, 1}, {28, 28}};

// One image, NCHW, zero outside.
struct Image {
  const float* p;
  int64_t c, h, w;
  double at(int64_t ci, int64_t y, int64_t x) const {
    if (y < 0 || y >= h || x < 0 || x >= w) return 0;
    return p[(ci * h + y) * w + x];
  }
};

// dwsep block output, all channels, at pixel (y, x).
std::vector<double> naive_dwsep_pixel(const ir::Graph& g, const Image& in, int64_t y, int64_t x) {
  const int64_t c = 128;
  const float* wdw = initializer(g, "dw.weight").data_as<float>();
  const float* wpw = initializer(g, "pw.weight").data_as<float>();
  const BatchNormParams bn1 = bn_params(g, "dw_bn"), bn2 = bn_params(g, "pw_bn");
  std::vector<double> mid(c), out(c);
  for (int64_t ch = 0; ch < c; ++ch) {
    double s = 0;
    for (int64_t ky = 0; ky < 3; ++ky)
      for (int64_t kx = 0; kx < 3; ++kx) s += in.at(ch, y + ky - 1, x + kx - 1) * wdw[ch * 9 + ky * 3 + kx];
    mid[ch] = relu(bn1.apply(ch, s));
  }
  for (int64_t o = 0; o < c; ++o) {
    double s = 0;
    for (int64_t ch = 0; ch < c; ++ch) s += wpw[o * c + ch] * mid[ch];
    out[o] = relu(bn2.apply(o, s));
  }
  return out;
}

// bottleneck block output, all 256 channels, at pixel (y, x).
std::vector<double> naive_bottleneck_pixel(const ir::Graph& g, const Image& in, int64_t y, int64_t x) {
  const int64_t cin = 256, width = 64;
  const float* w1 = initializer(g, "conv1.weight").data_as<float>();
  const float* w2 = initializer(g, "conv2.weight").data_as<float>();
  const float* w3 = initializer(g, "conv3.weight").data_as<float>();
  const BatchNormParams bn1 = bn_params(g, "bn1"), bn2 = bn_params(g, "bn2"), bn3 = bn_params(g, "bn3");
  // relu1 output at the 3x3 neighbourhood; zero padding applies to it, not to the input.
  std::vector<double> a1(9 * width, 0.0);
  for (int64_t ky = 0; ky < 3; ++ky)
    for (int64_t kx = 0; kx < 3; ++kx) {
      const int64_t yy = y + ky - 1, xx = x + kx - 1;
      if (yy < 0 || yy >= in.h || xx < 0 || xx >= in.w) continue;
      for (int64_t m = 0; m < width; ++m) {
        double s = 0;
        for (int64_t ci = 0; ci < cin; ++ci) s += w1[m * cin + ci] * in.at(ci, yy, xx);
        a1[(ky * 3 + kx) * width + m] = relu(bn1.apply(m, s));
      }
    }
  std::vector<double> a2(width);
  for (int64_t m = 0; m < width; ++m) {
    double s = 0;
    for (int64_t ci = 0; ci < width; ++ci)
      for (int64_t k = 0; k < 9; ++k) s += w2[(m * width + ci) * 9 + k] * a1[k * width + ci];
    a2[m] = relu(bn2.apply(m, s));
  }
  std::vector<double> out(cin);
  for (int64_t o = 0; o < cin; ++o) {
    double s = 0;
    for (int64_t m = 0; m < width; ++m) s += w3[o * width + m] * a2[m];
    out[o] = relu(bn3.apply(o, s) + in.at(o, y, x));
  }
  return out;
}

template <typename NaivePixel>
void expect_matches_naive(const ir::Graph& g, const Tensor& input, const Tensor& output, NaivePixel naive) {
  const Shape& s = output.shape();
  const Image in{input.data_as<float>(), input.shape()[1], input.shape()[2], input.shape()[3]};
  for (auto [y, x] : kSamplePixels) {
    std::vector<double> want = naive(g, in, y, x);
    ASSERT_EQ(static_cast<int64_t>(want.size()), s[1]);
    for (int64_t c = 0; c < s[1]; ++c) {
      const double got = output.data_as<float>()[(c * s[2] + y) * s[3] + x];
      ASSERT_NEAR(got, want[c], 1e-4 + 1e-4 * std::fabs(want[c])) << "channel " << c << " pixel " << y << "," << x;
    }
  }
}

// ---- small blocks ------------------------------------------------------------------------------

TEST(ZooSmall, ListsAllModelsAndRejectsUnknownNames) {
  std::vector<std::string> names;
  for (const auto& e : zoo::list()) {
    names.push_back(e.name);
    EXPECT_FALSE(e.description.empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"resnet18", "resnet50", "mobilenetv2", "dwsep_block", "bottleneck"}));
  try {
    zoo::build("resnet51");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("resnet51"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("mobilenetv2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(zoo::build("bottleneck", 0), Error);
}

TEST(ZooSmall, DwsepBlockStructure) {
  auto g = zoo::build("dwsep_block", 2, 1);
  EXPECT_EQ(g->source, "zoo:dwsep_block");
  EXPECT_EQ(g->opset, 17);
  ASSERT_EQ(g->inputs.size(), 1u);
  ASSERT_EQ(g->outputs.size(), 1u);
  EXPECT_EQ(g->value(g->inputs[0]).name, "input");
  EXPECT_EQ(g->value(g->inputs[0]).shape, (Shape{2, 128, 56, 56}));
  EXPECT_EQ(g->value(g->outputs[0]).name, "output");
  EXPECT_EQ(g->value(g->outputs[0]).shape, (Shape{2, 128, 56, 56}));
  std::vector<std::string> ops;
  for (const auto& n : g->nodes) ops.push_back(n.op_type);
  EXPECT_EQ(ops, (std::vector<std::string>{"Conv", "BatchNormalization", "Relu", "Conv", "BatchNormalization", "Relu"}));
  EXPECT_EQ(g->nodes[0].attrs.get_int("group", 1), 128);
  EXPECT_EQ(initializer(*g, "dw.weight").shape(), (Shape{128, 1, 3, 3}));
  EXPECT_EQ(initializer(*g, "pw.weight").shape(), (Shape{128, 128, 1, 1}));

  // DW 128*9 + PW 128*128 + two BatchNorms of 128 (gamma, beta learnable; mean, var buffers).
  const zoo::ParameterCount p = zoo::count_parameters(*g);
  EXPECT_EQ(p.learnable(), 1152 + 16384 + 2 * 256);
  EXPECT_EQ(p.initializer_elements, 1152 + 16384 + 2 * 512);
  const zoo::FlopCount f = zoo::count_flops(*g);
  EXPECT_EQ(f.of(zoo::FlopKind::depthwise), 2 * 2 * 128 * 9 * 56 * 56);
  EXPECT_EQ(f.of(zoo::FlopKind::conv1x1), 2 * 2 * 128 * 128 * 56 * 56);
  EXPECT_EQ(f.of(zoo::FlopKind::conv3x3), 0);
}

TEST(ZooSmall, BottleneckStructure) {
  auto g = zoo::build("bottleneck", 1, 1);
  EXPECT_EQ(g->value(g->inputs[0]).shape, (Shape{1, 256, 56, 56}));
  EXPECT_EQ(g->value(g->outputs[0]).name, "output");
  EXPECT_EQ(g->value(g->outputs[0]).shape, (Shape{1, 256, 56, 56}));
  auto ops = op_counts(*g);
  EXPECT_EQ(ops["Conv"], 3);
  EXPECT_EQ(ops["BatchNormalization"], 3);
  EXPECT_EQ(ops["Relu"], 3);
  EXPECT_EQ(ops["Add"], 1);
  EXPECT_EQ(g->nodes.size(), 10u);
  EXPECT_NE(g->find_value("conv2"), ir::kNoValue);
  EXPECT_NE(g->find_value("relu1"), ir::kNoValue);
  // torchvision Bottleneck(256, 64): 70,400 parameters; plus 2 * (64 + 64 + 256) BN statistics.
  const zoo::ParameterCount p = zoo::count_parameters(*g);
  EXPECT_EQ(p.learnable(), 70400);
  EXPECT_EQ(p.initializer_elements, 70400 + 768);
  const zoo::FlopCount f = zoo::count_flops(*g);
  EXPECT_EQ(f.of(zoo::FlopKind::conv1x1), 2 * 2 * 256 * 64 * 3136);
  EXPECT_EQ(f.of(zoo::FlopKind::conv3x3), 2 * 64 * 64 * 9 * 3136);
}

TEST(ZooSmall, WeightsAreDeterministicAndNotIdentity) {
  auto a = zoo::build("bottleneck", 1, 7), b = zoo::build("bottleneck", 1, 7), c = zoo::build("bottleneck", 1, 8);
  for (const char* name : {"conv1.weight", "bn2.running_var", "conv3.weight"}) {
    expect_bitwise_equal(initializer(*a, name), initializer(*b, name));
    EXPECT_NE(std::memcmp(initializer(*a, name).data(), initializer(*c, name).data(), 64), 0) << name;
  }
  // BatchNorm statistics in the documented ranges, and spread out (not identity).
  const Tensor& var = initializer(*a, "bn1.running_var");
  const Tensor& mean = initializer(*a, "bn1.running_mean");
  float vmin = 10, vmax = 0;
  for (int64_t i = 0; i < var.numel(); ++i) {
    vmin = std::min(vmin, var.data_as<float>()[i]);
    vmax = std::max(vmax, var.data_as<float>()[i]);
    EXPECT_LE(std::fabs(mean.data_as<float>()[i]), 0.1f);
  }
  EXPECT_GE(vmin, 0.5f);
  EXPECT_LE(vmax, 1.5f);
  EXPECT_GT(vmax - vmin, 0.5f);
  // He-uniform bound for conv2 (fan_in 64 * 9).
  const Tensor& w = initializer(*a, "conv2.weight");
  float wmax = 0;
  for (int64_t i = 0; i < w.numel(); ++i) wmax = std::max(wmax, std::fabs(w.data_as<float>()[i]));
  EXPECT_LE(wmax, std::sqrt(6.0f / 576.0f));
  EXPECT_GT(wmax, 0.9f * std::sqrt(6.0f / 576.0f));
}

TEST(ZooSmall, BuiltShapesMatchShapeInference) {
  expect_shapes_match_inference(*zoo::build("dwsep_block", 3, 1));
  expect_shapes_match_inference(*zoo::build("bottleneck", 1, 1));
}

TEST(ZooSmall, DwsepBlockRunsAndMatchesNaive) {
  auto g = zoo::build("dwsep_block", 1, 1);
  const Tensor x = deterministic_input({1, 128, 56, 56}, 11);
  std::vector<Tensor> y = run_graph(g, x);
  ASSERT_EQ(y.size(), 1u);
  ASSERT_EQ(y[0].shape(), (Shape{1, 128, 56, 56}));
  expect_finite(y[0]);
  expect_matches_naive(*g, x, y[0], naive_dwsep_pixel);
}

TEST(ZooSmall, BottleneckRunsAndMatchesNaive) {
  auto g = zoo::build("bottleneck", 1, 1);
  const Tensor x = deterministic_input({1, 256, 56, 56}, 12);
  std::vector<Tensor> y = run_graph(g, x);
  ASSERT_EQ(y.size(), 1u);
  ASSERT_EQ(y[0].shape(), (Shape{1, 256, 56, 56}));
  expect_finite(y[0]);
  expect_matches_naive(*g, x, y[0], naive_bottleneck_pixel);
}

TEST(ZooSmall, ExportImportGivesIdenticalOutputs) {
  for (const char* name : {"dwsep_block", "bottleneck"}) {
    SCOPED_TRACE(name);
    auto g = zoo::build(name, 1, 3);
    std::shared_ptr<ir::Graph> back = round_trip(*g);
    ASSERT_TRUE(back);
    const Tensor x = deterministic_input(g->value(g->inputs[0]).shape, 5);
    std::vector<Tensor> a = run_graph(g, x), b = run_graph(back, x);
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(b.size(), 1u);
    expect_bitwise_equal(a[0], b[0]);
  }
}

// ---- full networks -----------------------------------------------------------------------------

TEST(ZooResNet50, ParametersFlopsAndStructure) {
  auto g = zoo::build("resnet50", 1, 1);
  EXPECT_EQ(g->value(g->inputs[0]).name, "input");
  EXPECT_EQ(g->value(g->inputs[0]).shape, (Shape{1, 3, 224, 224}));
  EXPECT_EQ(g->value(g->outputs[0]).name, "logits");
  EXPECT_EQ(g->value(g->outputs[0]).shape, (Shape{1, 1000}));
  auto ops = op_counts(*g);
  EXPECT_EQ(ops["Conv"], 53);
  EXPECT_EQ(ops["BatchNormalization"], 53);
  EXPECT_EQ(ops["Relu"], 49);
  EXPECT_EQ(ops["Add"], 16);
  EXPECT_EQ(ops["MaxPool"], 1);
  EXPECT_EQ(ops["GlobalAveragePool"], 1);
  EXPECT_EQ(ops["Gemm"], 1);
  // v1.5: the stride sits on the 3x3 of the first block of a stage.
  const ir::Node* conv2 = nullptr;
  for (const auto& n : g->nodes) if (n.name == "layer2.0.conv2") conv2 = &n;
  ASSERT_NE(conv2, nullptr);
  EXPECT_EQ(conv2->attrs.get_ints("strides"), (std::vector<int64_t>{2, 2}));
  EXPECT_NE(g->find_value("layer3.0.downsample.0.weight"), ir::kNoValue);
  EXPECT_EQ(g->find_value("layer3.1.downsample.0.weight"), ir::kNoValue);

  // torchvision resnet50: 25,557,032 parameters; BatchNorm channels sum to 26,560.
  const zoo::ParameterCount p = zoo::count_parameters(*g);
  EXPECT_EQ(p.learnable(), 25557032);
  EXPECT_EQ(p.buffer_elements, 2 * 26560);
  // 4.1 GMAC: the stem is 64*3*49*112*112 MAC, the classifier 2048*1000.
  const zoo::FlopCount f = zoo::count_flops(*g);
  EXPECT_EQ(f.of(zoo::FlopKind::conv7x7), 2 * 118013952LL);
  EXPECT_EQ(f.of(zoo::FlopKind::gemm), 2 * 2048000LL);
  EXPECT_EQ(f.of(zoo::FlopKind::depthwise), 0);
  // All convolutions: 4,087,136,256 MAC (summed layer by layer from the torchvision layout).
  EXPECT_EQ(f.of(zoo::FlopKind::conv1x1) + f.of(zoo::FlopKind::conv3x3) + f.of(zoo::FlopKind::conv7x7),
            2 * 4087136256LL);
  EXPECT_EQ(f.of(zoo::FlopKind::conv_other), 0);
}

TEST(ZooResNet18, ParametersFlopsAndStructure) {
  auto g = zoo::build("resnet18", 2, 1);
  EXPECT_EQ(g->value(g->inputs[0]).shape, (Shape{2, 3, 224, 224}));
  EXPECT_EQ(g->value(g->outputs[0]).shape, (Shape{2, 1000}));
  auto ops = op_counts(*g);
  EXPECT_EQ(ops["Conv"], 20);
  EXPECT_EQ(ops["BatchNormalization"], 20);
  EXPECT_EQ(ops["Relu"], 17);
  EXPECT_EQ(ops["Add"], 8);
  const zoo::ParameterCount p = zoo::count_parameters(*g);
  EXPECT_EQ(p.learnable(), 11689512);
  EXPECT_EQ(p.buffer_elements, 2 * 4800);
  // 1,813,561,344 conv MAC + 512,000 for the classifier, per image; batch 2.
  const zoo::FlopCount f = zoo::count_flops(*g);
  EXPECT_EQ(f.total() - f.of(zoo::FlopKind::other), 2 * 2 * (1813561344LL + 512000));
  EXPECT_EQ(f.of(zoo::FlopKind::conv7x7), 2 * 2 * 118013952LL);
}

TEST(ZooMobileNetV2, ParametersFlopsAndStructure) {
  auto g = zoo::build("mobilenetv2", 1, 1);
  EXPECT_EQ(g->value(g->outputs[0]).name, "logits");
  EXPECT_EQ(g->value(g->outputs[0]).shape, (Shape{1, 1000}));
  auto ops = op_counts(*g);
  EXPECT_EQ(ops["Conv"], 52);
  EXPECT_EQ(ops["BatchNormalization"], 52);
  EXPECT_EQ(ops["Clip"], 35);
  EXPECT_EQ(ops["Add"], 10);
  EXPECT_EQ(ops["Relu"], 0);
  EXPECT_NE(g->find_value("features.17.conv.1.0.weight"), ir::kNoValue);  // last depthwise
  EXPECT_EQ(initializer(*g, "features.18.0.weight").shape(), (Shape{1280, 320, 1, 1}));
  const zoo::ParameterCount p = zoo::count_parameters(*g);
  EXPECT_EQ(p.learnable(), 3504872);
  const zoo::FlopCount f = zoo::count_flops(*g);
  EXPECT_GT(f.of(zoo::FlopKind::depthwise), 0);
  EXPECT_EQ(f.of(zoo::FlopKind::conv7x7), 0);
  // torchvision's 0.30 GMAC: 299,494,272 conv MAC + 1,280,000 for the classifier.
  EXPECT_EQ(f.total() - f.of(zoo::FlopKind::other), 2 * (299494272LL + 1280000));
  EXPECT_EQ(p.buffer_elements, 2 * 17056 + 2);  // BatchNorm statistics + the Clip bounds
}

TEST(ZooResNet50, ShapesMatchShapeInference) {
  expect_shapes_match_inference(*zoo::build("resnet50", 1, 1));
  expect_shapes_match_inference(*zoo::build("mobilenetv2", 1, 1));
}

// Activations must stay finite and of ordinary size through the whole depth: the residual
// branches' last BatchNorm is scaled so the stacks neither blow up nor die out.
void expect_sensible_logits(const Tensor& logits) {
  expect_finite(logits);
  const double r = rms(logits);
  // Measured: ResNet-50 block outputs stay at RMS 1.4-5 from stem to head, logits about 5.
  EXPECT_GT(r, 0.2);
  EXPECT_LT(r, 20.0);
}

TEST(ZooResNet50, RunsAndRoundTripsThroughOnnx) {
  auto g = zoo::build("resnet50", 1, 1);
  const Tensor x = deterministic_input({1, 3, 224, 224}, 21);
  std::vector<Tensor> a = run_graph(g, x);
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(a[0].shape(), (Shape{1, 1000}));
  expect_sensible_logits(a[0]);
  std::shared_ptr<ir::Graph> back = round_trip(*g);
  std::vector<Tensor> b = run_graph(back, x);
  ASSERT_EQ(b.size(), 1u);
  expect_bitwise_equal(a[0], b[0]);
}

TEST(ZooResNet18, Runs) {
  std::vector<Tensor> y = run_graph(zoo::build("resnet18", 1, 1), deterministic_input({1, 3, 224, 224}, 22));
  ASSERT_EQ(y.size(), 1u);
  ASSERT_EQ(y[0].shape(), (Shape{1, 1000}));
  expect_sensible_logits(y[0]);
}

TEST(ZooMobileNetV2, Runs) {
  std::vector<Tensor> y = run_graph(zoo::build("mobilenetv2", 1, 1), deterministic_input({1, 3, 224, 224}, 23));
  ASSERT_EQ(y.size(), 1u);
  ASSERT_EQ(y[0].shape(), (Shape{1, 1000}));
  expect_sensible_logits(y[0]);
}

}  // namespace
}  // namespace castnet
