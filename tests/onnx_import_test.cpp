// ONNX import and export: models built with the protobuf API are loaded and the resulting graph
// checked field by field; a hand-made graph survives export -> import; single-tensor files
// (.pb, .npy) round-trip.
#include <castnet/castnet.h>

#include "frontend/onnx/onnx_reader.h"
#include "frontend/onnx/onnx_writer.h"
#include "frontend/onnx/tensor_file.h"
#include "onnx_proto_builder.h"
#include "zoo/zoo.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <optional>

#include <gtest/gtest.h>

namespace castnet {
namespace {

using test_onnx::attr_int;
using test_onnx::attr_ints;
using test_onnx::attr_string;
using test_onnx::ModelBuilder;
using test_onnx::ScratchDir;
using test_onnx::Storage;

std::shared_ptr<ir::Graph> load(const ModelBuilder& b) {
  return onnx_import::load_onnx_bytes(b.bytes(), "test.onnx", "");
}

std::vector<float> ramp(size_t n, float start = 0.f, float step = 0.25f) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = start + step * static_cast<float>(i);
  return v;
}

std::vector<float> values_of(const Tensor& t) {
  EXPECT_EQ(t.dtype(), DType::f32);
  return std::vector<float>(t.data_as<float>(), t.data_as<float>() + t.numel());
}

const ir::Value& value_named(const ir::Graph& g, const std::string& name) {
  ir::ValueId id = g.find_value(name);
  EXPECT_NE(id, ir::kNoValue) << name;
  return g.value(id);
}

// x[1,3,8,8] -> Conv(W raw, B typed) -> Relu -> y, with the nodes listed in reverse order.
ModelBuilder conv_relu_model() {
  ModelBuilder b(13);
  b.input("x", std::vector<test_onnx::Dim>{1, 3, 8, 8});
  b.initializer("W", {4, 3, 3, 3}, ramp(108), Storage::raw);
  b.initializer("B", {4}, {0.5f, -1.f, 2.f, 0.f}, Storage::typed);
  b.node("Relu", {"c"}, {"y"}, "relu1");
  auto* conv = b.node("Conv", {"x", "W", "B"}, {"c"}, "conv1");
  attr_ints(conv, "kernel_shape", {3, 3});
  attr_ints(conv, "pads", {1, 1, 1, 1});
  attr_ints(conv, "strides", {2, 2});
  attr_int(conv, "group", 1);
  b.output("y", std::vector<test_onnx::Dim>{1, 4, 4, 4});
  return b;
}

TEST(OnnxImport, ConvReluGraph) {
  auto g = load(conv_relu_model());
  EXPECT_EQ(g->source, "test.onnx");
  EXPECT_EQ(g->name, "test_graph");
  EXPECT_EQ(g->opset, 13);
  ASSERT_EQ(g->inputs.size(), 1u);
  const ir::Value& x = g->value(g->inputs[0]);
  EXPECT_EQ(x.name, "x");
  EXPECT_TRUE(x.has_shape);
  EXPECT_EQ(x.shape, (Shape{1, 3, 8, 8}));
  EXPECT_FALSE(x.is_constant());

  // Sorted: the Conv feeding the Relu comes first although the file lists it second.
  ASSERT_EQ(g->nodes.size(), 2u);
  const ir::Node& conv = g->nodes[0];
  EXPECT_EQ(conv.op_type, "Conv");
  EXPECT_EQ(conv.name, "conv1");
  EXPECT_EQ(conv.domain, "");
  ASSERT_EQ(conv.inputs.size(), 3u);
  EXPECT_EQ(g->value(conv.inputs[0]).name, "x");
  EXPECT_EQ(g->value(conv.inputs[1]).name, "W");
  EXPECT_EQ(g->value(conv.inputs[2]).name, "B");
  EXPECT_EQ(conv.attrs.get_ints("kernel_shape"), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(conv.attrs.get_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(conv.attrs.get_ints("strides"), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(conv.attrs.get_int("group", 0), 1);
  EXPECT_EQ(g->nodes[1].op_type, "Relu");
  EXPECT_EQ(g->nodes[1].inputs[0], conv.outputs[0]);

  const ir::Value& w = value_named(*g, "W");
  ASSERT_TRUE(w.is_constant());
  EXPECT_TRUE(w.is_initializer);
  EXPECT_TRUE(w.has_shape);
  EXPECT_EQ(w.shape, (Shape{4, 3, 3, 3}));
  EXPECT_EQ(values_of(*w.constant), ramp(108));
  const ir::Value& bias = value_named(*g, "B");
  ASSERT_TRUE(bias.is_constant());
  EXPECT_EQ(values_of(*bias.constant), (std::vector<float>{0.5f, -1.f, 2.f, 0.f}));

  ASSERT_EQ(g->outputs.size(), 1u);
  const ir::Value& y = g->value(g->outputs[0]);
  EXPECT_EQ(y.name, "y");
  EXPECT_EQ(y.shape, (Shape{1, 4, 4, 4}));  // as declared
}

TEST(OnnxImport, RawAndTypedInitializersAgree) {
  for (Storage storage : {Storage::raw, Storage::typed}) {
    ModelBuilder b;
    b.input("x", std::vector<test_onnx::Dim>{2, 3});
    b.initializer("k", {2, 3}, {1.f, -2.f, 3.5f, 0.f, 1e-3f, -7.f}, storage);
    b.node("Add", {"x", "k"}, {"y"});
    b.output("y");
    auto g = load(b);
    EXPECT_EQ(values_of(*value_named(*g, "k").constant), (std::vector<float>{1.f, -2.f, 3.5f, 0.f, 1e-3f, -7.f}));
  }
}

TEST(OnnxImport, TypedFieldsForEveryDtype) {
  ModelBuilder b;
  b.input("x", std::vector<test_onnx::Dim>{3});
  auto add = [&](const std::string& name, int32_t type, const std::vector<int32_t>& vals) {
    onnx::TensorProto* t = b.graph().add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    t->add_dims(static_cast<int64_t>(vals.size()));
    for (int32_t v : vals) t->add_int32_data(v);
  };
  add("i8", onnx::TensorProto::INT8, {-128, 0, 127});
  add("u8", onnx::TensorProto::UINT8, {0, 200, 255});
  add("i32", onnx::TensorProto::INT32, {-5, 70000, 3});
  add("b", onnx::TensorProto::BOOL, {1, 0, 1});
  add("h", onnx::TensorProto::FLOAT16, {0x3C00, 0xC000, 0x0000});   // 1, -2, 0
  add("bf", onnx::TensorProto::BFLOAT16, {0x3F80, 0x4040, 0xBF00});  // 1, 3, -0.5
  b.initializer_i64("i64", {2}, {int64_t{1} << 40, -3});
  b.node("Identity", {"x"}, {"y"});
  b.output("y");
  auto g = load(b);

  const Tensor& i8 = *value_named(*g, "i8").constant;
  EXPECT_EQ(i8.dtype(), DType::i8);
  EXPECT_EQ(std::vector<int8_t>(i8.data_as<int8_t>(), i8.data_as<int8_t>() + 3), (std::vector<int8_t>{-128, 0, 127}));
  const Tensor& u8 = *value_named(*g, "u8").constant;
  EXPECT_EQ(u8.dtype(), DType::u8);
  EXPECT_EQ(std::vector<uint8_t>(u8.data_as<uint8_t>(), u8.data_as<uint8_t>() + 3), (std::vector<uint8_t>{0, 200, 255}));
  const Tensor& i32 = *value_named(*g, "i32").constant;
  EXPECT_EQ(i32.dtype(), DType::i32);
  EXPECT_EQ(i32.data_as<int32_t>()[1], 70000);
  const Tensor& bl = *value_named(*g, "b").constant;
  EXPECT_EQ(bl.dtype(), DType::boolean);
  EXPECT_EQ(bl.data_as<uint8_t>()[0], 1);
  EXPECT_EQ(bl.data_as<uint8_t>()[1], 0);
  const Tensor& h = *value_named(*g, "h").constant;
  EXPECT_EQ(h.dtype(), DType::f16);
  EXPECT_EQ(h.data_as<uint16_t>()[1], 0xC000);
  const Tensor& bf = *value_named(*g, "bf").constant;
  EXPECT_EQ(bf.dtype(), DType::bf16);
  EXPECT_EQ(bf.data_as<uint16_t>()[2], 0xBF00);
  const Tensor& i64 = *value_named(*g, "i64").constant;
  EXPECT_EQ(i64.dtype(), DType::i64);
  EXPECT_EQ(i64.data_as<int64_t>()[0], int64_t{1} << 40);
  EXPECT_EQ(i64.data_as<int64_t>()[1], -3);
}

TEST(OnnxImport, SymbolicDimsKeepTheirNames) {
  ModelBuilder b;
  b.input("x", std::vector<test_onnx::Dim>{"N", 3, "H", "W"});
  b.node("Relu", {"x"}, {"y"});
  b.output("y", std::vector<test_onnx::Dim>{"N", 3, "H", "W"});
  auto g = load(b);
  const ir::Value& x = g->value(g->inputs[0]);
  EXPECT_TRUE(x.has_shape);
  EXPECT_EQ(x.shape, (Shape{-1, 3, -1, -1}));
  EXPECT_EQ(x.dim_names, (std::vector<std::string>{"N", "", "H", "W"}));
  EXPECT_FALSE(x.shape_is_concrete());
  EXPECT_EQ(g->value(g->outputs[0]).dim_names[0], "N");
}

TEST(OnnxImport, InitializersListedAsInputsStayConstant) {
  // Models before IR version 4 list every initializer among the graph inputs.
  ModelBuilder b(11, 3);
  b.input("x", std::vector<test_onnx::Dim>{1, 2});
  b.input("k", std::vector<test_onnx::Dim>{1, 2});
  b.initializer("k", {1, 2}, {3.f, 4.f});
  b.node("Mul", {"x", "k"}, {"y"});
  b.output("y");
  auto g = load(b);
  ASSERT_EQ(g->inputs.size(), 1u);
  EXPECT_EQ(g->value(g->inputs[0]).name, "x");
  const ir::Value& k = value_named(*g, "k");
  EXPECT_TRUE(k.is_initializer);
  EXPECT_EQ(values_of(*k.constant), (std::vector<float>{3.f, 4.f}));
}

TEST(OnnxImport, ReluChainSortedAndNamed) {
  ModelBuilder b;
  b.input("x", std::vector<test_onnx::Dim>{4});
  b.node("Relu", {"b"}, {"y"});   // unnamed: gets "Relu_0"
  b.node("Relu", {"a"}, {"b"});   // "Relu_1"
  b.node("Relu", {"x"}, {"a"});   // "Relu_2"
  b.output("y");
  auto g = load(b);
  ASSERT_EQ(g->nodes.size(), 3u);
  EXPECT_EQ(g->nodes[0].name, "Relu_2");
  EXPECT_EQ(g->nodes[1].name, "Relu_1");
  EXPECT_EQ(g->nodes[2].name, "Relu_0");
  EXPECT_EQ(g->value(g->nodes[0].inputs[0]).name, "x");
  EXPECT_EQ(g->value(g->nodes[2].outputs[0]).name, "y");
}

TEST(OnnxImport, OmittedOptionalInputsAndOutputs) {
  ModelBuilder b;
  b.input("x", std::vector<test_onnx::Dim>{1, 2, 4});
  b.initializer_i64("pads", {6}, {0, 1, 0, 1, 0, 1});
  b.node("Pad", {"x", "pads", ""}, {"y"}, "pad");
  b.node("Dropout", {"y"}, {"z", ""}, "drop");
  b.output("z");
  auto g = load(b);
  const ir::Node& pad = g->nodes[0];
  ASSERT_EQ(pad.inputs.size(), 3u);
  EXPECT_EQ(pad.inputs[2], ir::kNoValue);
  EXPECT_FALSE(pad.has_input(2));
  EXPECT_EQ(value_named(*g, "pads").constant->data_as<int64_t>()[5], 1);
  ASSERT_EQ(g->nodes[1].outputs.size(), 2u);
  EXPECT_EQ(g->nodes[1].outputs[1], ir::kNoValue);
}

TEST(OnnxImport, AttributesOfEveryKind) {
  ModelBuilder b;
  b.input("x", std::vector<test_onnx::Dim>{2});
  auto* n = b.node("Custom", {"x"}, {"y"}, "n");
  n->set_domain("com.example");
  attr_int(n, "i", -7);
  test_onnx::attr_float(n, "f", 0.125f);
  attr_string(n, "s", "hello");
  attr_ints(n, "is", {1, -2, 3});
  auto* fs = n->add_attribute();
  fs->set_name("fs");
  fs->set_type(onnx::AttributeProto::FLOATS);
  fs->add_floats(1.5f);
  fs->add_floats(-2.f);
  auto* ss = n->add_attribute();
  ss->set_name("ss");
  ss->set_type(onnx::AttributeProto::STRINGS);
  ss->add_strings("a");
  ss->add_strings("bc");
  auto* t = n->add_attribute();
  t->set_name("t");
  t->set_type(onnx::AttributeProto::TENSOR);
  ModelBuilder::fill_float_tensor(t->mutable_t(), "", {2}, {9.f, -9.f}, Storage::raw);
  // An attribute written without `type`, as early exporters did.
  auto* untyped = n->add_attribute();
  untyped->set_name("untyped");
  untyped->set_i(42);
  b.output("y");
  auto g = load(b);
  const ir::Node& node = g->nodes[0];
  EXPECT_EQ(node.domain, "com.example");
  EXPECT_EQ(node.attrs.get_int("i", 0), -7);
  EXPECT_EQ(node.attrs.get_float("f", 0), 0.125f);
  EXPECT_EQ(node.attrs.get_string("s", ""), "hello");
  EXPECT_EQ(node.attrs.get_ints("is"), (std::vector<int64_t>{1, -2, 3}));
  EXPECT_EQ(node.attrs.get_floats("fs"), (std::vector<float>{1.5f, -2.f}));
  ASSERT_NE(node.attrs.find("ss"), nullptr);
  EXPECT_EQ(node.attrs.find("ss")->strings, (std::vector<std::string>{"a", "bc"}));
  ASSERT_NE(node.attrs.get_tensor("t"), nullptr);
  EXPECT_EQ(values_of(*node.attrs.get_tensor("t")), (std::vector<float>{9.f, -9.f}));
  EXPECT_EQ(node.attrs.get_int("untyped", 0), 42);
}

TEST(OnnxImport, DefaultDomainSpelledOut) {
  ModelBuilder b;
  b.model().mutable_opset_import(0)->set_domain("ai.onnx");
  b.model().mutable_opset_import(0)->set_version(15);
  b.input("x", std::vector<test_onnx::Dim>{2});
  b.node("Relu", {"x"}, {"y"})->set_domain("ai.onnx");
  b.output("y");
  auto g = load(b);
  EXPECT_EQ(g->opset, 15);
  EXPECT_EQ(g->nodes[0].domain, "");
}

TEST(OnnxImport, ExternalDataInTheModelFolder) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "data");
  // 16 bytes of padding, then the weights.
  std::vector<float> w = ramp(12, -1.f, 0.5f);
  std::string blob(16, '\x7f');
  blob.append(reinterpret_cast<const char*>(w.data()), w.size() * sizeof(float));
  test_onnx::write_bytes(dir.file("data/weights.bin"), blob);

  ModelBuilder b;
  b.input("x", std::vector<test_onnx::Dim>{3, 4});
  onnx::TensorProto* t = b.graph().add_initializer();
  t->set_name("k");
  t->set_data_type(onnx::TensorProto::FLOAT);
  t->add_dims(3);
  t->add_dims(4);
  t->set_data_location(onnx::TensorProto::EXTERNAL);
  auto entry = [&](const std::string& key, const std::string& value) {
    auto* e = t->add_external_data();
    e->set_key(key);
    e->set_value(value);
  };
  entry("location", "data/weights.bin");
  entry("offset", "16");
  entry("length", "48");
  b.node("Add", {"x", "k"}, {"y"});
  b.output("y");
  b.write(dir.path() / "model.onnx");

  auto g = onnx_import::load_onnx_file(dir.file("model.onnx"));
  EXPECT_EQ(g->source, dir.file("model.onnx"));
  EXPECT_EQ(values_of(*value_named(*g, "k").constant), w);

  // Without a folder to anchor it, external data is refused.
  EXPECT_THROW(onnx_import::load_onnx_bytes(b.bytes(), "mem", ""), Error);
}

TEST(OnnxImport, BackendTestModelFromDisk) {
  const std::string dir = std::string(CASTNET_ONNX_TESTDATA) + "/node/test_conv_with_strides_padding";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << "no ONNX test data at " << dir;
  auto g = onnx_import::load_onnx_file(dir + "/model.onnx");
  ASSERT_EQ(g->nodes.size(), 1u);
  EXPECT_EQ(g->nodes[0].op_type, "Conv");
  EXPECT_EQ(g->nodes[0].attrs.get_ints("strides"), (std::vector<int64_t>{2, 2}));
  ASSERT_EQ(g->inputs.size(), 2u);  // x and W are both runtime inputs in this test
  EXPECT_EQ(g->value(g->inputs[0]).shape, (Shape{1, 1, 7, 5}));
  EXPECT_EQ(g->value(g->inputs[1]).shape, (Shape{1, 1, 3, 3}));

  std::string name;
  Tensor x = io::read_tensor_pb(dir + "/test_data_set_0/input_0.pb", &name);
  EXPECT_EQ(name, "x");
  EXPECT_EQ(x.shape(), (Shape{1, 1, 7, 5}));
  // The backend test fills x with 0, 1, 2, ...
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_EQ(x.data_as<float>()[i], static_cast<float>(i));
}

// ---- models declaring opsets before 11 ---------------------------------------------------------
// One test per upgrade rule: a hand-built legacy model against the same computation written for
// opset 13, both run with the reference kernels and with the best ones for this CPU. The same
// kernels see the same computation, so the outputs must agree bit for bit; hand-computed values
// pin down what that computation is.

using test_onnx::attr_float;
using test_onnx::Dim;

std::vector<Tensor> run_model(const ModelBuilder& b, const NamedTensors& inputs, const std::string& isa) {
  ScratchDir dir;
  b.write(dir.file("model.onnx"));
  Options options;
  options.threads = 1;
  options.isa = isa;
  return Session(Model::load(dir.file("model.onnx")), options).run(inputs);
}

void expect_same_tensor(const Tensor& a, const Tensor& b) {
  ASSERT_EQ(a.dtype(), b.dtype());
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), static_cast<size_t>(a.numel()) * dtype_size(a.dtype())), 0)
      << "legacy and modern outputs differ";
}

// The legacy model loads as an opset-11 graph and computes what `modern` computes. Returns its
// outputs (reference kernels).
std::vector<Tensor> expect_equivalent(const ModelBuilder& legacy, const ModelBuilder& modern,
                                      const NamedTensors& inputs) {
  EXPECT_EQ(load(legacy)->opset, 11);
  std::vector<Tensor> reference;
  for (const std::string isa : {"reference", ""}) {
    SCOPED_TRACE("isa '" + isa + "'");
    std::vector<Tensor> a = run_model(legacy, inputs, isa);
    const std::vector<Tensor> b = run_model(modern, inputs, isa);
    EXPECT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) expect_same_tensor(a[i], b[i]);
    if (isa == "reference") reference = std::move(a);
  }
  return reference;
}

const float* floats(const std::vector<Tensor>& outputs, size_t i = 0) {
  EXPECT_GT(outputs.size(), i);
  EXPECT_EQ(outputs[i].dtype(), DType::f32);
  return outputs[i].data_as<float>();
}

// x [2,3,2,2] = -3, -2.75, ..., 2.75: negative and positive values in every channel.
NamedTensors x_input(const Shape& shape = {2, 3, 2, 2}) {
  return {{"x", Tensor::from_vector<float>(shape, ramp(static_cast<size_t>(shape_numel(shape)), -3.f))}};
}

ModelBuilder batch_norm_model(int64_t opset, const std::function<void(onnx::NodeProto*)>& legacy_attrs = {}) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3, 2, 2});
  b.initializer("scale", {3}, {0.5f, 2.f, -1.f});
  b.initializer("bias", {3}, {0.f, 1.f, -2.f});
  b.initializer("mean", {3}, {1.f, -1.f, 0.5f});
  b.initializer("var", {3}, {4.f, 0.25f, 1.f});
  auto* n = b.node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, {"y"}, "bn");
  attr_float(n, "epsilon", 0.f);
  if (legacy_attrs) legacy_attrs(n);
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, BatchNormalizationDropsIsTestAndSpatial) {
  auto legacy = batch_norm_model(6, [](onnx::NodeProto* n) {
    attr_int(n, "is_test", 1);
    attr_int(n, "spatial", 1);
  });
  auto out = expect_equivalent(legacy, batch_norm_model(13), x_input());
  // Channel 0: (x - 1) / 2 * 0.5; x[0] = -3 -> -1. Channel 2: -(x - 0.5) - 2; x[8] = -1 -> -0.5.
  EXPECT_FLOAT_EQ(floats(out)[0], -1.f);
  EXPECT_FLOAT_EQ(floats(out)[8], -0.5f);
  auto g = load(legacy);
  EXPECT_FALSE(g->nodes[0].attrs.has("is_test"));
  EXPECT_FALSE(g->nodes[0].attrs.has("spatial"));
  // Opset 1 also lists consumed_inputs; is_test absent with Y alone is an inference node too.
  auto opset1 = batch_norm_model(1, [](onnx::NodeProto* n) { attr_ints(n, "consumed_inputs", {0, 0, 0, 1, 1}); });
  expect_equivalent(opset1, batch_norm_model(13), x_input());
  EXPECT_FALSE(load(opset1)->nodes[0].attrs.has("consumed_inputs"));
}

ModelBuilder gemm_model(int64_t opset) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3});
  b.initializer("w", {4, 3}, ramp(12, -1.f));
  b.initializer("c", {4}, {1.f, 2.f, 3.f, 4.f});
  auto* n = b.node("Gemm", {"x", "w", "c"}, {"y"}, "fc");
  attr_int(n, "transB", 1);
  attr_float(n, "beta", 0.5f);
  if (opset < 7) attr_int(n, "broadcast", 1);
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, GemmDropsBroadcast) {
  auto out = expect_equivalent(gemm_model(6), gemm_model(13), x_input({2, 3}));
  // y[0][0] = x[0] . w[0] + 0.5 * c[0] = (-3)(-1) + (-2.75)(-0.75) + (-2.5)(-0.5) + 0.5.
  EXPECT_FLOAT_EQ(floats(out)[0], 3.f + 2.0625f + 1.25f + 0.5f);
  EXPECT_FALSE(load(gemm_model(6))->nodes[0].attrs.has("broadcast"));
}

// y = op(a, b) with a = Reshape(x [2,12]) to [2,3,2,2] (itself a legacy Reshape, so the rank of a
// is only known by inferring the upgraded nodes before). b has shape `b_dims`; legacy: broadcast
// from `axis`; modern: b given its trailing 1s (a constant reshaped, an input through Reshape).
ModelBuilder binary_model(int64_t opset, const std::string& op, const std::vector<int64_t>& b_dims,
                          std::optional<int64_t> axis, bool b_is_input) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 12});
  const auto b_rank = static_cast<int64_t>(b_dims.size());
  const int64_t trailing = axis ? 4 - *axis - b_rank : 0;
  std::vector<int64_t> modern_dims = b_dims;
  modern_dims.insert(modern_dims.end(), static_cast<size_t>(trailing), 1);
  const size_t b_numel = static_cast<size_t>(shape_numel(b_dims));
  const std::vector<float> b_values = ramp(b_numel, 0.5f, 0.75f);
  std::string b_name = "b";
  if (b_is_input) {
    std::vector<Dim> dims(b_dims.begin(), b_dims.end());
    b.input("b", dims);
    if (opset >= 7 && trailing > 0) {
      b.initializer_i64("b_shape", {static_cast<int64_t>(modern_dims.size())}, modern_dims);
      b.node("Reshape", {"b", "b_shape"}, {"b_full"}, "b_reshape");
      b_name = "b_full";
    }
  } else {
    b.initializer("b", opset >= 7 ? modern_dims : b_dims, b_values);
  }
  if (opset < 5) {
    attr_ints(b.node("Reshape", {"x"}, {"a"}, "reshape"), "shape", {2, 3, 2, 2});
  } else {
    b.initializer_i64("a_shape", {4}, {2, 3, 2, 2});
    b.node("Reshape", {"x", "a_shape"}, {"a"}, "reshape");
  }
  auto* n = b.node(op, {"a", b_name}, {"y"}, "binary");
  if (opset < 7) {
    attr_int(n, "broadcast", 1);
    if (axis) attr_int(n, "axis", *axis);
  }
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, BinaryOpsBroadcastFromAxis) {
  struct Case {
    std::vector<int64_t> b_dims;
    std::optional<int64_t> axis;
  };
  const Case cases[] = {{{3}, 1}, {{2, 3}, 0}, {{2}, std::nullopt}, {{3, 2}, 1}, {{3, 2, 2}, std::nullopt}};
  for (const std::string op : {"Add", "Sub", "Mul", "Div"}) {
    for (const Case& c : cases) {
      for (bool b_is_input : {false, true}) {
        SCOPED_TRACE(op + " b " + shape_to_string(c.b_dims) + " axis " + (c.axis ? std::to_string(*c.axis) : "none") +
                     (b_is_input ? " (input)" : " (constant)"));
        NamedTensors in = x_input({2, 12});
        if (b_is_input)
          in.emplace_back("b", Tensor::from_vector<float>(c.b_dims, ramp(static_cast<size_t>(shape_numel(c.b_dims)),
                                                                          0.5f, 0.75f)));
        for (int64_t opset : {4, 6}) {
          SCOPED_TRACE("opset " + std::to_string(opset));
          auto out = expect_equivalent(binary_model(opset, op, c.b_dims, c.axis, b_is_input),
                                       binary_model(13, op, c.b_dims, c.axis, b_is_input), in);
          if (op == "Add" && c.axis == 1 && c.b_dims.size() == 1) {
            // a[0][1][0][0] = x[4] = -2 gets b[1] = 1.25.
            EXPECT_FLOAT_EQ(floats(out)[4], -0.75f);
          }
        }
      }
    }
  }
  // A constant operand is reshaped in place of an Unsqueeze; an input goes through one.
  auto constant = load(binary_model(6, "Add", {3}, 1, false));
  EXPECT_EQ(constant->nodes.size(), 2u);
  auto input = load(binary_model(6, "Add", {3}, 1, true));
  ASSERT_EQ(input->nodes.size(), 3u);
  EXPECT_EQ(input->nodes[1].op_type, "Unsqueeze");
  EXPECT_EQ(input->nodes[1].attrs.get_ints("axes"), (std::vector<int64_t>{1, 2}));
}

ModelBuilder prelu_model(int64_t opset, bool slope_is_input) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3, 2, 2});
  const std::vector<float> slope = {0.5f, -1.f, 2.f};
  if (slope_is_input) {
    b.input("slope", std::vector<Dim>{3});
    if (opset >= 7) {
      b.initializer_i64("slope_shape", {3}, {3, 1, 1});
      b.node("Reshape", {"slope", "slope_shape"}, {"slope_c11"}, "slope_reshape");
    }
  } else {
    b.initializer("slope", opset >= 7 ? std::vector<int64_t>{3, 1, 1} : std::vector<int64_t>{3}, slope);
  }
  b.node("Identity", {"x"}, {"t"}, "identity");  // X of PRelu is a computed value
  b.node("PRelu", {"t", opset >= 7 && slope_is_input ? "slope_c11" : "slope"}, {"y"}, "prelu");
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, PReluSlopeIsPerChannel) {
  for (bool slope_is_input : {false, true}) {
    SCOPED_TRACE(slope_is_input ? "slope input" : "slope constant");
    NamedTensors in = x_input();
    if (slope_is_input) in.emplace_back("slope", Tensor::from_vector<float>({3}, {0.5f, -1.f, 2.f}));
    auto out = expect_equivalent(prelu_model(6, slope_is_input), prelu_model(13, slope_is_input), in);
    // Channel 1 (slope -1): x[4] = -2 -> 2; channel 2 (slope 2): x[8] = -1 -> -2.
    EXPECT_FLOAT_EQ(floats(out)[4], 2.f);
    EXPECT_FLOAT_EQ(floats(out)[8], -2.f);
  }
}

ModelBuilder pad_model(int64_t opset, float value) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{1, 2, 2, 2});
  const std::vector<int64_t> pads = {0, 0, 1, 0, 0, 0, 0, 2};  // one row on top, two columns right
  if (opset < 11) {
    auto* n = b.node("Pad", {"x"}, {"y"}, "pad");
    attr_ints(n, opset < 2 ? "paddings" : "pads", pads);
    if (value != 0.f) attr_float(n, "value", value);
    attr_string(n, "mode", "constant");
  } else {
    b.initializer_i64("pads", {8}, pads);
    std::vector<std::string> inputs = {"x", "pads"};
    if (value != 0.f) {
      b.initializer("value", {}, {value});
      inputs.push_back("value");
    }
    b.node("Pad", inputs, {"y"}, "pad");
  }
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, PadAttributesBecomeInputs) {
  for (int64_t opset : {1, 2, 6}) {
    for (float value : {0.f, 1.5f}) {
      SCOPED_TRACE("opset " + std::to_string(opset) + " value " + std::to_string(value));
      auto out = expect_equivalent(pad_model(opset, value), pad_model(13, value), x_input({1, 2, 2, 2}));
      ASSERT_EQ(out[0].shape(), (Shape{1, 2, 3, 4}));
      EXPECT_EQ(floats(out)[0], value);       // the padded top row
      EXPECT_EQ(floats(out)[4], -3.f);        // x[0] below it
      EXPECT_EQ(floats(out)[6], value);       // right of x[0][1]
    }
  }
}

ModelBuilder clip_model(int64_t opset, std::optional<float> min, std::optional<float> max) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3, 2, 2});
  if (opset < 11) {
    auto* n = b.node("Clip", {"x"}, {"y"}, "clip");
    if (min) attr_float(n, "min", *min);
    if (max) attr_float(n, "max", *max);
    if (opset < 6) attr_ints(n, "consumed_inputs", {0});
  } else {
    if (min) b.initializer("min", {}, {*min});
    if (max) b.initializer("max", {}, {*max});
    b.node("Clip", {"x", min ? "min" : "", max ? "max" : ""}, {"y"}, "clip");
  }
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, ClipAttributesBecomeInputs) {
  for (int64_t opset : {1, 6}) {
    SCOPED_TRACE("opset " + std::to_string(opset));
    auto out = expect_equivalent(clip_model(opset, -1.f, 0.5f), clip_model(13, -1.f, 0.5f), x_input());
    EXPECT_EQ(floats(out)[0], -1.f);
    EXPECT_EQ(floats(out)[23], 0.5f);
    out = expect_equivalent(clip_model(opset, std::nullopt, 0.5f), clip_model(13, std::nullopt, 0.5f), x_input());
    EXPECT_EQ(floats(out)[0], -3.f);
    EXPECT_EQ(floats(out)[23], 0.5f);
  }
}

ModelBuilder dropout_model(int64_t opset, std::optional<int64_t> is_test) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3, 2, 2});
  auto* n = b.node("Dropout", {"x"}, {"y"}, "dropout");
  attr_float(n, "ratio", 0.25f);
  if (is_test) attr_int(n, "is_test", *is_test);
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, DropoutDropsIsTest) {
  for (std::optional<int64_t> is_test : {std::optional<int64_t>(1), std::optional<int64_t>()}) {
    auto out = expect_equivalent(dropout_model(6, is_test), dropout_model(13, std::nullopt), x_input());
    EXPECT_EQ(std::vector<float>(floats(out), floats(out) + 24), ramp(24, -3.f));
  }
}

ModelBuilder reshape_model(int64_t opset) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3, 2, 2});
  if (opset < 5) {
    auto* n = b.node("Reshape", {"x"}, {"y"}, "reshape");
    attr_ints(n, "shape", {0, -1, 2});
    attr_ints(n, "consumed_inputs", {0});
  } else {
    b.initializer_i64("shape", {3}, {0, -1, 2});
    b.node("Reshape", {"x", "shape"}, {"y"}, "reshape");
  }
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, ReshapeShapeBecomesAnInput) {
  auto out = expect_equivalent(reshape_model(4), reshape_model(13), x_input());
  EXPECT_EQ(out[0].shape(), (Shape{2, 6, 2}));
}

ModelBuilder slice_model(int64_t opset, bool with_axes) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3, 2, 2});
  const std::vector<int64_t> starts = with_axes ? std::vector<int64_t>{1, -1} : std::vector<int64_t>{1, 0, 1};
  const std::vector<int64_t> ends = with_axes ? std::vector<int64_t>{1000, 1000} : std::vector<int64_t>{2, -1, 2};
  const std::vector<int64_t> axes = {1, 3};
  if (opset < 10) {
    auto* n = b.node("Slice", {"x"}, {"y"}, "slice");
    attr_ints(n, "starts", starts);
    attr_ints(n, "ends", ends);
    if (with_axes) attr_ints(n, "axes", axes);
  } else {
    const auto n = static_cast<int64_t>(starts.size());
    b.initializer_i64("starts", {n}, starts);
    b.initializer_i64("ends", {n}, ends);
    std::vector<std::string> inputs = {"x", "starts", "ends"};
    if (with_axes) {
      b.initializer_i64("axes", {n}, axes);
      inputs.push_back("axes");
    }
    b.node("Slice", inputs, {"y"}, "slice");
  }
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, SliceAttributesBecomeInputs) {
  auto out = expect_equivalent(slice_model(9, true), slice_model(13, true), x_input());
  EXPECT_EQ(out[0].shape(), (Shape{2, 2, 2, 1}));
  out = expect_equivalent(slice_model(1, false), slice_model(13, false), x_input());
  EXPECT_EQ(out[0].shape(), (Shape{1, 2, 1, 2}));
}

ModelBuilder concat_model(int64_t opset) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3, 2, 2});
  b.initializer("k", {2, 1, 2, 2}, ramp(8, 10.f));
  auto* n = b.node("Concat", {"x", "k"}, {"y"}, "concat");
  if (opset >= 4) attr_int(n, "axis", 1);
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, ConcatAxisDefaultsToOne) {
  auto out = expect_equivalent(concat_model(3), concat_model(13), x_input());
  EXPECT_EQ(out[0].shape(), (Shape{2, 4, 2, 2}));
  EXPECT_EQ(load(concat_model(3))->nodes[0].attrs.get_int("axis", -1), 1);
}

ModelBuilder cast_model(int64_t opset) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{4});
  auto* n = b.node("Cast", {"x"}, {"y"}, "cast");
  if (opset < 6) attr_string(n, "to", "int32");
  else attr_int(n, "to", onnx::TensorProto::INT32);
  b.output("y", std::nullopt, onnx::TensorProto::INT32);
  return b;
}

TEST(OnnxImportLegacyOpset, CastTypeNameBecomesAnEnum) {
  const NamedTensors in = {{"x", Tensor::from_vector<float>({4}, {1.5f, -2.75f, 3.f, 0.f})}};
  auto out = expect_equivalent(cast_model(5), cast_model(13), in);
  ASSERT_EQ(out[0].dtype(), DType::i32);
  EXPECT_EQ(std::vector<int32_t>(out[0].data_as<int32_t>(), out[0].data_as<int32_t>() + 4),
            (std::vector<int32_t>{1, -2, 3, 0}));
}

// Relu -> LeakyRelu -> HardSigmoid -> Sigmoid -> Add(x): consumed_inputs on each before opset 6.
ModelBuilder activation_chain_model(int64_t opset) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3, 2, 2});
  std::vector<onnx::NodeProto*> nodes = {
      b.node("LeakyRelu", {"x"}, {"a"}, "leaky"), b.node("Relu", {"a"}, {"r"}, "relu"),
      b.node("HardSigmoid", {"a"}, {"h"}, "hard_sigmoid"), b.node("Sigmoid", {"h"}, {"s"}, "sigmoid"),
      b.node("Add", {"r", "s"}, {"y"}, "add")};
  attr_float(nodes[0], "alpha", 0.5f);
  if (opset < 6)
    for (auto* n : nodes) attr_ints(n, "consumed_inputs", {0});
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, ConsumedInputsDropped) {
  auto out = expect_equivalent(activation_chain_model(1), activation_chain_model(13), x_input());
  // x[0] = -3: leaky -1.5, relu 0, hard sigmoid 0.2 * -1.5 + 0.5 = 0.2, sigmoid(0.2).
  EXPECT_NEAR(floats(out)[0], 1.0 / (1.0 + std::exp(-0.2)), 1e-6);
  const auto g = load(activation_chain_model(5));
  for (const ir::Node& n : g->nodes) EXPECT_FALSE(n.attrs.has("consumed_inputs"));
}

ModelBuilder softmax_squeeze_model(int64_t opset) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{2, 3, 4});
  if (opset < 13) {
    attr_ints(b.node("Unsqueeze", {"x"}, {"u"}, "unsqueeze"), "axes", {0});
    attr_ints(b.node("Squeeze", {"u"}, {"s"}, "squeeze"), "axes", {0});
  } else {
    b.initializer_i64("axes", {1}, {0});
    b.node("Unsqueeze", {"x", "axes"}, {"u"}, "unsqueeze");
    b.node("Squeeze", {"u", "axes"}, {"s"}, "squeeze");
  }
  b.node("Softmax", {"s"}, {"y"}, "softmax");  // the default axis, 1
  b.output("y");
  return b;
}

TEST(OnnxImportLegacyOpset, SoftmaxAndSqueezeKeepTheirPreOpset13Meaning) {
  // Softmax before 13 normalises over everything from the axis on (here 3 x 4 values per batch
  // item); an opset-13 model would mean one axis: the equivalent is the opset-12 model.
  auto out = expect_equivalent(softmax_squeeze_model(6), softmax_squeeze_model(12), x_input({2, 3, 4}));
  double sum = 0;
  for (int i = 0; i < 12; ++i) sum += floats(out)[i];
  EXPECT_NEAR(sum, 1.0, 1e-5);
  EXPECT_GT(std::abs(floats(out)[0] + floats(out)[4] + floats(out)[8] - 1.f), 0.1f);
}

TEST(OnnxImportLegacyOpset, UpgradedGraphExportsAsOpset11) {
  // The written model is a valid opset-11 model: attributes that became inputs are initializers,
  // the inserted Unsqueeze carries its axes, and it loads back to the same computation.
  for (const ModelBuilder& legacy : {prelu_model(6, true), pad_model(2, 1.5f), binary_model(6, "Mul", {3}, 1, false)}) {
    auto upgraded = load(legacy);
    const std::string bytes = onnx_export::to_onnx_bytes(*upgraded);
    onnx::ModelProto proto;
    ASSERT_TRUE(proto.ParseFromString(bytes));
    ASSERT_EQ(proto.opset_import_size(), 1);
    EXPECT_EQ(proto.opset_import(0).version(), 11);
    auto reloaded = onnx_import::load_onnx_bytes(bytes, "upgraded.onnx", "");
    EXPECT_EQ(reloaded->nodes.size(), upgraded->nodes.size());
    for (size_t i = 0; i < reloaded->nodes.size() && i < upgraded->nodes.size(); ++i) {
      EXPECT_EQ(reloaded->nodes[i].op_type, upgraded->nodes[i].op_type);
      EXPECT_EQ(reloaded->nodes[i].inputs.size(), upgraded->nodes[i].inputs.size());
    }
  }
}

TEST(OnnxImportLegacyOpset, PassThroughOperatorsUnchanged) {
  // Conv, pooling, Flatten, Transpose, MatMul: the same attributes and inputs as written.
  ModelBuilder b(6);
  b.input("x", std::vector<Dim>{1, 2, 4, 4});
  b.initializer("w", {2, 2, 3, 3}, ramp(36, -1.f, 0.0625f));
  attr_ints(b.node("Conv", {"x", "w"}, {"c"}, "conv"), "pads", {1, 1, 1, 1});
  attr_ints(b.node("MaxPool", {"c"}, {"m"}, "max_pool"), "kernel_shape", {2, 2});
  attr_ints(b.node("AveragePool", {"m"}, {"p"}, "avg_pool"), "kernel_shape", {2, 2});
  b.node("GlobalAveragePool", {"c"}, {"g"}, "gap");
  b.node("Flatten", {"g"}, {"f"}, "flatten");
  attr_ints(b.node("Transpose", {"f"}, {"t"}, "transpose"), "perm", {1, 0});
  b.node("MatMul", {"f", "t"}, {"y"}, "matmul");
  b.output("y");
  b.output("p");
  auto g = load(b);
  EXPECT_EQ(g->opset, 11);
  ASSERT_EQ(g->nodes.size(), 7u);
  for (const ir::Node& n : g->nodes) {
    const size_t expected_inputs = n.op_type == "Conv" || n.op_type == "MatMul" ? 2u : 1u;
    EXPECT_EQ(n.inputs.size(), expected_inputs) << n.name;
  }
  EXPECT_EQ(g->nodes[0].attrs.get_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  EXPECT_EQ(g->values.size(), load(b)->values.size());  // no constant added
  Options options;
  options.threads = 1;
  ScratchDir dir;
  b.write(dir.file("model.onnx"));
  EXPECT_NO_THROW(Session(Model::load(dir.file("model.onnx")), options).run(x_input({1, 2, 4, 4})));
}

// ---- export -> import ------------------------------------------------------------------------

// A graph with something of every kind the writer must carry: symbolic dims, initializers of
// several dtypes, attributes of every kind, an omitted optional input and output, a custom domain.
std::shared_ptr<ir::Graph> hand_made_graph() {
  auto g = std::make_shared<ir::Graph>();
  g->name = "handmade";
  g->opset = 16;
  ir::Value x;
  x.name = "x";
  x.has_shape = true;
  x.shape = {-1, 3, 8, -1};
  x.dim_names = {"batch", "", "", ""};  // the last one is unknown and unnamed
  g->inputs.push_back(g->add_value(x));

  auto constant = [&](const std::string& name, Tensor t) {
    ir::Value v;
    v.name = name;
    v.dtype = t.dtype();
    v.has_shape = true;
    v.shape = t.shape();
    v.dim_names.assign(v.shape.size(), "");
    v.constant = std::make_shared<const Tensor>(std::move(t));
    v.is_initializer = true;
    return g->add_value(v);
  };
  ir::ValueId w = constant("w", Tensor::from_vector<float>({4, 3, 1, 1}, ramp(12, -3.f, 0.5f)));
  ir::ValueId shape = constant("shape", Tensor::from_vector<int64_t>({2}, {0, -1}));
  ir::ValueId mask = constant("mask", Tensor::from_vector<bool>({3}, {true, false, true}));
  ir::ValueId empty = constant("empty", Tensor(DType::i8, {0, 5}));

  auto value = [&](const std::string& name) {
    ir::Value v;
    v.name = name;
    return g->add_value(v);
  };
  ir::ValueId c = value("c"), r = value("r"), y = value("y"), z = value("z");
  g->value(c).has_shape = true;
  g->value(c).shape = {-1, 4, 8, -1};
  g->value(c).dim_names = {"batch", "", "", ""};

  ir::Node conv;
  conv.name = "conv";
  conv.op_type = "Conv";
  conv.inputs = {g->inputs[0], w, ir::kNoValue};
  conv.outputs = {c};
  conv.attrs.set_ints("kernel_shape", {1, 1});
  conv.attrs.set_int("group", 1);
  conv.attrs.set_string("auto_pad", "NOTSET");
  g->nodes.push_back(conv);

  ir::Node reshape;
  reshape.name = "reshape";
  reshape.op_type = "Reshape";
  reshape.inputs = {c, shape};
  reshape.outputs = {r};
  g->nodes.push_back(reshape);

  ir::Node custom;
  custom.name = "custom";
  custom.op_type = "Thing";
  custom.domain = "com.example";
  custom.inputs = {r, mask, empty};
  custom.outputs = {y, ir::kNoValue, z};
  custom.attrs.set_float("alpha", 0.75f);
  custom.attrs.set_floats("scales", {1.f, 0.5f});
  ir::Attribute names;
  names.kind = ir::Attribute::Kind::strings;
  names.strings = {"p", "q"};
  custom.attrs.set("names", names);
  custom.attrs.set_tensor("table", std::make_shared<const Tensor>(Tensor::from_vector<int32_t>({2, 2}, {1, 2, 3, 4})));
  g->nodes.push_back(custom);

  g->outputs = {y, z};
  g->value(y).dtype = DType::f32;
  g->value(y).has_shape = true;
  g->value(y).shape = {-1, 96};
  g->value(y).dim_names = {"batch", ""};
  g->value(z).dtype = DType::i64;
  g->verify_and_sort();
  return g;
}

bool same_tensor(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.nbytes() == b.nbytes() &&
         std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

void expect_same_attrs(const ir::Attributes& a, const ir::Attributes& b, const std::string& node) {
  ASSERT_EQ(a.all().size(), b.all().size()) << node;
  for (const auto& [name, x] : a.all()) {
    const ir::Attribute* y = b.find(name);
    ASSERT_NE(y, nullptr) << node << "." << name;
    EXPECT_EQ(x.kind, y->kind) << node << "." << name;
    EXPECT_EQ(x.i, y->i);
    EXPECT_EQ(x.f, y->f);
    EXPECT_EQ(x.s, y->s);
    EXPECT_EQ(x.ints, y->ints);
    EXPECT_EQ(x.floats, y->floats);
    EXPECT_EQ(x.strings, y->strings);
    EXPECT_EQ(x.t != nullptr, y->t != nullptr);
    if (x.t && y->t) {
      EXPECT_TRUE(same_tensor(*x.t, *y->t)) << node << "." << name;
    }
  }
}

std::string value_name(const ir::Graph& g, ir::ValueId id) { return id == ir::kNoValue ? "" : g.value(id).name; }

void expect_same_value(const ir::Graph& ga, ir::ValueId a, const ir::Graph& gb, ir::ValueId b) {
  const ir::Value& va = ga.value(a);
  const ir::Value& vb = gb.value(b);
  SCOPED_TRACE(va.name);
  EXPECT_EQ(va.name, vb.name);
  EXPECT_EQ(va.dtype, vb.dtype);
  EXPECT_EQ(va.has_shape, vb.has_shape);
  EXPECT_EQ(va.shape, vb.shape);
  if (va.has_shape) {
    EXPECT_EQ(va.dim_names, vb.dim_names);
  }
  EXPECT_EQ(va.is_initializer, vb.is_initializer);
  EXPECT_EQ(va.is_constant(), vb.is_constant());
  if (va.constant && vb.constant) {
    EXPECT_TRUE(same_tensor(*va.constant, *vb.constant));
  }
}

// load(save(g)) is g: values, nodes, attributes and constants, field by field.
void expect_same_graph(const ir::Graph& original, const ir::Graph& loaded) {
  EXPECT_EQ(loaded.name, original.name);
  EXPECT_EQ(loaded.opset, original.opset);
  ASSERT_EQ(loaded.inputs.size(), original.inputs.size());
  for (size_t i = 0; i < original.inputs.size(); ++i)
    expect_same_value(original, original.inputs[i], loaded, loaded.inputs[i]);
  ASSERT_EQ(loaded.outputs.size(), original.outputs.size());
  for (size_t i = 0; i < original.outputs.size(); ++i)
    expect_same_value(original, original.outputs[i], loaded, loaded.outputs[i]);
  for (const ir::Value& v : original.values) {
    ir::ValueId id = loaded.find_value(v.name);
    ASSERT_NE(id, ir::kNoValue) << v.name;
    expect_same_value(original, original.find_value(v.name), loaded, id);
  }
  ASSERT_EQ(loaded.nodes.size(), original.nodes.size());
  for (size_t n = 0; n < original.nodes.size(); ++n) {
    const ir::Node& a = original.nodes[n];
    const ir::Node& b = loaded.nodes[n];
    SCOPED_TRACE(a.name);
    EXPECT_EQ(a.name, b.name);
    EXPECT_EQ(a.op_type, b.op_type);
    EXPECT_EQ(a.domain, b.domain);
    ASSERT_EQ(a.inputs.size(), b.inputs.size());
    for (size_t i = 0; i < a.inputs.size(); ++i)
      EXPECT_EQ(value_name(original, a.inputs[i]), value_name(loaded, b.inputs[i]));
    ASSERT_EQ(a.outputs.size(), b.outputs.size());
    for (size_t i = 0; i < a.outputs.size(); ++i)
      EXPECT_EQ(value_name(original, a.outputs[i]), value_name(loaded, b.outputs[i]));
    expect_same_attrs(a.attrs, b.attrs, a.name);
  }
}

TEST(OnnxImportExport, RoundTripKeepsTheGraph) {
  auto original = hand_made_graph();
  const std::string bytes = onnx_export::to_onnx_bytes(*original);
  auto loaded = onnx_import::load_onnx_bytes(bytes, "roundtrip.onnx", "");
  expect_same_graph(*original, *loaded);
  // Export is a function of the graph: exporting the re-imported graph gives the same bytes.
  EXPECT_EQ(onnx_export::to_onnx_bytes(*loaded), bytes);
}

TEST(OnnxImportExport, SmallZooModelsRoundTrip) {
  for (const char* name : {"dwsep_block", "bottleneck"}) {
    SCOPED_TRACE(name);
    auto original = zoo::build(name, 2, 1);
    const std::string bytes = onnx_export::to_onnx_bytes(*original);
    auto loaded = onnx_import::load_onnx_bytes(bytes, "zoo.onnx", "");
    expect_same_graph(*original, *loaded);
    EXPECT_EQ(onnx_export::to_onnx_bytes(*loaded), bytes);
  }
}

TEST(OnnxImportExport, SavedFileLoadsWithTheModelApi) {
  ScratchDir dir;
  auto g = hand_made_graph();
  onnx_export::save_onnx_file(*g, dir.file("m.onnx"));
  auto loaded = onnx_import::load_onnx_file(dir.file("m.onnx"));
  EXPECT_EQ(loaded->nodes.size(), 3u);
  EXPECT_EQ(loaded->source, dir.file("m.onnx"));
  EXPECT_THROW(onnx_export::save_onnx_file(*g, dir.file("no/such/folder/m.onnx")), Error);
}

// ---- single-tensor files ---------------------------------------------------------------------

TEST(OnnxImportTensorFile, PbRoundTrip) {
  ScratchDir dir;
  Tensor t = Tensor::from_vector<float>({2, 3}, ramp(6, 1.f, -0.5f));
  io::write_tensor_pb(dir.file("t.pb"), t, "input");
  std::string name;
  Tensor back = io::read_tensor_pb(dir.file("t.pb"), &name);
  EXPECT_EQ(name, "input");
  EXPECT_TRUE(same_tensor(t, back));
  EXPECT_TRUE(same_tensor(t, io::read_tensor_file(dir.file("t.pb"))));
}

TEST(OnnxImportTensorFile, NpyRoundTripEveryDtype) {
  ScratchDir dir;
  std::vector<Tensor> tensors = {
      Tensor::from_vector<float>({2, 2}, {1.f, -2.f, 0.5f, 3.f}),
      Tensor::from_vector<int64_t>({3}, {-1, int64_t{1} << 50, 7}),
      Tensor::from_vector<int32_t>({1, 1, 2}, {5, -6}),
      Tensor::from_vector<uint8_t>({4}, {0, 1, 254, 255}),
      Tensor::from_vector<int8_t>({2}, {-128, 127}),
      Tensor::from_vector<bool>({2}, {true, false}),
      Tensor::from_vector<float>({}, {42.f}),  // a scalar
      Tensor(DType::f32, {0, 3}),              // no elements
  };
  Tensor half(DType::f16, {2});
  half.data_as<uint16_t>()[0] = 0x3C00;
  half.data_as<uint16_t>()[1] = 0x7BFF;
  tensors.push_back(half);
  for (size_t i = 0; i < tensors.size(); ++i) {
    const std::string path = dir.file(std::to_string(i) + "_t.npy");
    io::write_npy(path, tensors[i]);
    Tensor back = io::read_npy(path);
    EXPECT_TRUE(same_tensor(tensors[i], back)) << dtype_name(tensors[i].dtype()) << " "
                                              << shape_to_string(tensors[i].shape());
    EXPECT_TRUE(same_tensor(tensors[i], io::read_tensor_file(path)));
  }
  EXPECT_THROW(io::write_npy(dir.file("bf.npy"), Tensor(DType::bf16, {2})), Error);
}

// The exact bytes NumPy 1.24 writes for np.save(f, np.arange(6, dtype='<f4').reshape(2, 3)).
std::string numpy_written_2x3_f32() {
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  header.append(128 - 10 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xFF);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header;
  for (int i = 0; i < 6; ++i) {
    float v = static_cast<float>(i);
    bytes.append(reinterpret_cast<const char*>(&v), 4);
  }
  return bytes;
}

TEST(OnnxImportTensorFile, NpyMatchesNumpyBytes) {
  ScratchDir dir;
  test_onnx::write_bytes(dir.file("np.npy"), numpy_written_2x3_f32());
  Tensor t = io::read_npy(dir.file("np.npy"));
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(values_of(t), (std::vector<float>{0, 1, 2, 3, 4, 5}));
  // The writer produces NumPy's own bytes.
  io::write_npy(dir.file("ours.npy"), t);
  std::ifstream in(dir.file("ours.npy"), std::ios::binary);
  std::string ours((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(ours, numpy_written_2x3_f32());
}

TEST(OnnxImportTensorFile, UnknownExtensionRejected) {
  ScratchDir dir;
  test_onnx::write_bytes(dir.file("t.txt"), "1 2 3");
  try {
    io::read_tensor_file(dir.file("t.txt"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.txt"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace castnet
