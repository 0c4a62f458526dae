// ONNX import and export: models built with the protobuf API are loaded and the resulting graph
// checked field by field; a hand-made graph survives export -> import; single-tensor files
// (.pb, .npy) round-trip.
#include <castnet/castnet.h>

#include "frontend/onnx/onnx_reader.h"
#include "frontend/onnx/onnx_writer.h"
#include "frontend/onnx/tensor_file.h"
#include "onnx_proto_builder.h"
#include "zoo/zoo.h"

#include <cstring>
#include <filesystem>

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
