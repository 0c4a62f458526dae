// Hostile input: every malformed model or tensor file must end in a castnet::Error that says what
// is wrong (from Model::load, or from building a Session for what only shape inference sees),
// never a crash. The Makefile runs this suite under AddressSanitizer + UBSan.
#include <castnet/castnet.h>

#include "frontend/onnx/onnx_reader.h"
#include "frontend/onnx/tensor_file.h"
#include "onnx_proto_builder.h"

#include <filesystem>
#include <functional>
#include <random>

#include <gtest/gtest.h>

namespace castnet {
namespace {

using test_onnx::attr_int;
using test_onnx::attr_ints;
using test_onnx::Dim;
using test_onnx::ModelBuilder;
using test_onnx::ScratchDir;
using test_onnx::Storage;

// Loads `path` and builds a session on it; returns the castnet::Error's message. Fails the test if
// nothing is thrown (any other exception type fails it too, by escaping).
std::string error_of(const std::string& path) {
  try {
    Model model = Model::load(path);
    Options options;
    options.threads = 1;
    Session session(model, options);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no castnet::Error for " << path;
  return "";
}

class BadInput : public ::testing::Test {
 protected:
  // Writes the model into the scratch folder and returns the error loading it gives.
  std::string error_of_model(const ModelBuilder& b) {
    const std::string path = dir_.file("model.onnx");
    b.write(path);
    return error_of(path);
  }
  std::string error_of_bytes(const std::string& bytes) {
    const std::string path = dir_.file("model.onnx");
    test_onnx::write_bytes(path, bytes);
    return error_of(path);
  }
  std::string path() const { return dir_.file("model.onnx"); }

  ScratchDir dir_;
};

#define EXPECT_MENTIONS(message, text) \
  EXPECT_NE(std::string(message).find(text), std::string::npos) << "message: " << (message)

// x[1,1,5,5] -> Conv "conv0" (W[1,1,3,3], no bias) -> y: valid; tests break one thing in it.
ModelBuilder conv_model(int64_t opset = 13) {
  ModelBuilder b(opset);
  b.input("x", std::vector<Dim>{1, 1, 5, 5});
  b.initializer("W", {1, 1, 3, 3}, std::vector<float>(9, 0.5f));
  auto* conv = b.node("Conv", {"x", "W"}, {"y"}, "conv0");
  attr_ints(conv, "kernel_shape", {3, 3});
  b.output("y");
  return b;
}

onnx::NodeProto* conv_node(ModelBuilder& b) { return b.graph().mutable_node(0); }

// ---- the file itself ---------------------------------------------------------------------------

TEST_F(BadInput, MissingFile) {
  std::string msg = error_of(dir_.file("absent.onnx"));
  EXPECT_MENTIONS(msg, "absent.onnx");
  EXPECT_MENTIONS(msg, "not found");
}

TEST_F(BadInput, Directory) {
  std::string msg = error_of(dir_.path().string());
  EXPECT_MENTIONS(msg, "not a regular file");
}

TEST_F(BadInput, EmptyFile) {
  std::string msg = error_of_bytes("");
  EXPECT_MENTIONS(msg, "not a valid ONNX model");
  EXPECT_MENTIONS(msg, path());
}

TEST_F(BadInput, TruncatedFile) {
  const std::string bytes = conv_model().bytes();
  std::string msg = error_of_bytes(bytes.substr(0, bytes.size() / 2));
  EXPECT_MENTIONS(msg, "not a valid ONNX model");
  EXPECT_MENTIONS(msg, path());
  // Every other cut point too: each must give an error, none may crash.
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    EXPECT_THROW(onnx_import::load_onnx_bytes(bytes.substr(0, cut), "cut.onnx", ""), Error);
  }
}

TEST_F(BadInput, RandomBytes) {
  for (uint32_t seed : {1u, 2u, 3u, 4u, 5u, 6u, 7u, 8u}) {
    std::mt19937 rng(seed);
    std::string bytes(1 + rng() % 4096, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::string msg = error_of_bytes(bytes);
    EXPECT_MENTIONS(msg, "not a valid ONNX model");
    EXPECT_MENTIONS(msg, path());
  }
}

TEST_F(BadInput, FlippedBytesNeverCrashTheReader) {
  // Random single-byte corruptions of a valid model: each either loads or is rejected with a
  // castnet::Error; under the sanitizers this also proves no out-of-bounds access.
  const std::string good = conv_model().bytes();
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = good;
    for (int k = 0; k < 1 + trial % 3; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xFF);
    try {
      onnx_import::load_onnx_bytes(bytes, "flipped.onnx", "");
    } catch (const Error&) {
    }
  }
}

TEST_F(BadInput, FlippedBytesNeverCrashTheLegacyUpgrade) {
  // An opset-6 model that exercises the upgrade rules (attributes to inputs, legacy broadcast
  // needing inferred ranks, an inserted Unsqueeze), corrupted at random.
  ModelBuilder b(6);
  b.input("x", std::vector<Dim>{1, 3, 4, 4});
  b.input("s", std::vector<Dim>{3});
  b.initializer("k", {3}, {1.f, 2.f, 3.f});
  auto* pad = b.node("Pad", {"x"}, {"p"}, "pad");
  attr_ints(pad, "pads", {0, 0, 1, 1, 0, 0, 1, 1});
  auto* add = b.node("Add", {"p", "k"}, {"a"}, "add");
  attr_int(add, "broadcast", 1);
  attr_int(add, "axis", 1);
  b.node("PRelu", {"a", "s"}, {"r"}, "prelu");
  attr_ints(b.node("Reshape", {"r"}, {"y"}, "reshape"), "shape", {1, -1});
  b.output("y");
  const std::string good = b.bytes();
  ASSERT_NO_THROW(onnx_import::load_onnx_bytes(good, "legacy.onnx", ""));
  std::mt19937 rng(11);
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = good;
    for (int k = 0; k < 1 + trial % 3; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng() & 0xFF);
    try {
      onnx_import::load_onnx_bytes(bytes, "flipped.onnx", "");
    } catch (const Error&) {
    }
  }
}

TEST_F(BadInput, NoIrVersion) {
  ModelBuilder b = conv_model();
  b.model().clear_ir_version();
  EXPECT_MENTIONS(error_of_model(b), "ir_version");
}

TEST_F(BadInput, NoGraph) {
  ModelBuilder b = conv_model();
  b.model().clear_graph();
  EXPECT_MENTIONS(error_of_model(b), "no graph");
}

// ---- opset ---------------------------------------------------------------------------------------

TEST_F(BadInput, MissingOpsetImport) {
  ModelBuilder b = conv_model(/*opset=*/0);
  EXPECT_MENTIONS(error_of_model(b), "opset_import");
}

TEST_F(BadInput, OpsetOnlyForAnotherDomain) {
  ModelBuilder b = conv_model(/*opset=*/0);
  auto* op = b.model().add_opset_import();
  op->set_domain("com.example");
  op->set_version(1);
  EXPECT_MENTIONS(error_of_model(b), "opset_import");
}

TEST_F(BadInput, TooNewOpset) {
  EXPECT_MENTIONS(error_of_model(conv_model(99)), "opset 99 not supported (11-17)");
}

TEST_F(BadInput, OpsetZero) {
  ModelBuilder b = conv_model(/*opset=*/0);
  auto* op = b.model().add_opset_import();
  op->set_domain("");
  op->set_version(0);
  EXPECT_MENTIONS(error_of_model(b), "opset 0 not supported (11-17)");
}

// Opsets 1-10 are upgraded on load; these legacy forms have no opset-11 equivalent in castnet (or
// are malformed for their opset) and must be rejected by name.
TEST_F(BadInput, LegacyFormsWithoutAnUpgrade) {
  struct Case {
    const char* what;
    int64_t opset;
    std::function<void(ModelBuilder&)> build;  // adds nodes reading x [1,3,4,4], writing y
    const char* expected;
  };
  auto batch_norm = [](ModelBuilder& b, std::vector<std::string> outputs) {
    for (const char* name : {"scale", "bias", "mean", "var"}) b.initializer(name, {3}, {1.f, 1.f, 1.f});
    return b.node("BatchNormalization", {"x", "scale", "bias", "mean", "var"}, outputs, "bn");
  };
  const Case cases[] = {
      {"training BatchNormalization", 6, [&](ModelBuilder& b) { attr_int(batch_norm(b, {"y"}), "is_test", 0); },
       "opset 6: operator BatchNormalization at node 'bn' uses pre-opset-7 semantics that castnet does not "
       "support (is_test = 0: training mode)"},
      {"BatchNormalization statistics outputs", 6, [&](ModelBuilder& b) { batch_norm(b, {"y", "m", "v"}); },
       "pre-opset-7 semantics"},
      {"per-activation BatchNormalization", 8, [&](ModelBuilder& b) { attr_int(batch_norm(b, {"y"}), "spatial", 0); },
       "opset 8: operator BatchNormalization at node 'bn' uses pre-opset-9 semantics"},
      {"training Dropout", 6, [](ModelBuilder& b) { attr_int(b.node("Dropout", {"x"}, {"y"}, "drop"), "is_test", 0); },
       "opset 6: operator Dropout at node 'drop' uses pre-opset-7 semantics"},
      {"float Dropout mask", 9, [](ModelBuilder& b) { b.node("Dropout", {"x"}, {"y", "mask"}, "drop"); },
       "uses pre-opset-10 semantics that castnet does not support (the mask output"},
      {"operator newer than the opset", 10, [](ModelBuilder& b) { b.node("HardSwish", {"x"}, {"y"}, "hs"); },
       "opset 10: HardSwish: operator HardSwish is not defined before opset 14"},
      {"broadcast axis out of range", 6,
       [](ModelBuilder& b) {
         b.initializer("k", {3}, {1.f, 2.f, 3.f});
         auto* add = b.node("Add", {"x", "k"}, {"y"}, "add");
         attr_int(add, "broadcast", 1);
         attr_int(add, "axis", 4);
       },
       "axis 4 does not place B (rank 1) inside A (rank 4)"},
      {"Reshape-1 without shape", 4, [](ModelBuilder& b) { b.node("Reshape", {"x"}, {"y"}, "reshape"); },
       "opset 4: Reshape: attribute 'shape' is required"},
      {"Pad-2 with a pads input", 6,
       [](ModelBuilder& b) {
         b.initializer_i64("pads", {8}, std::vector<int64_t>(8, 0));
         b.node("Pad", {"x", "pads"}, {"y"}, "pad");
       },
       "pads is an attribute before opset 11"},
      {"Cast-1 to an unknown type", 5,
       [](ModelBuilder& b) { test_onnx::attr_string(b.node("Cast", {"x"}, {"y"}, "cast"), "to", "FLOAT99"); },
       "'to' = 'FLOAT99' names no ONNX data type"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    ModelBuilder b(c.opset);
    b.input("x", std::vector<Dim>{1, 3, 4, 4});
    c.build(b);
    b.output("y");
    const std::string msg = error_of_model(b);
    EXPECT_MENTIONS(msg, c.expected);
    EXPECT_MENTIONS(msg, path());
  }
}

// ---- initializers ------------------------------------------------------------------------------

TEST_F(BadInput, InitializerDataShorterThanDims) {
  ModelBuilder b = conv_model();
  b.graph().mutable_initializer(0)->set_raw_data(std::string(32, '\0'));
  EXPECT_MENTIONS(error_of_model(b), "initializer 'W' has 32 bytes, expected 36");
}

TEST_F(BadInput, InitializerDataLongerThanDims) {
  ModelBuilder b = conv_model();
  b.graph().mutable_initializer(0)->set_raw_data(std::string(40, '\0'));
  EXPECT_MENTIONS(error_of_model(b), "initializer 'W' has 40 bytes, expected 36");
}

TEST_F(BadInput, InitializerTypedDataShorterThanDims) {
  ModelBuilder b = conv_model();
  onnx::TensorProto* w = b.graph().mutable_initializer(0);
  w->clear_raw_data();
  for (int i = 0; i < 5; ++i) w->add_float_data(1.f);
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "initializer 'W' has 5 values in float_data, expected 9");
}

TEST_F(BadInput, InitializerWithoutData) {
  ModelBuilder b = conv_model();
  b.graph().mutable_initializer(0)->clear_raw_data();
  EXPECT_MENTIONS(error_of_model(b), "initializer 'W' has 0 values");
}

TEST_F(BadInput, NegativeDim) {
  ModelBuilder b = conv_model();
  b.graph().mutable_initializer(0)->set_dims(1, -1);
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "negative dimension -1");
  EXPECT_MENTIONS(msg, "'W'");
}

TEST_F(BadInput, NegativeDimInInputShape) {
  ModelBuilder b = conv_model();
  b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->mutable_dim(2)->set_dim_value(-5);
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "negative dimension -5");
  EXPECT_MENTIONS(msg, "'x'");
}

TEST_F(BadInput, DimsProductOverflows) {
  ModelBuilder b = conv_model();
  onnx::TensorProto* w = b.graph().mutable_initializer(0);
  w->clear_dims();
  for (int64_t d : {int64_t{1} << 32, int64_t{1} << 32, int64_t{4}}) w->add_dims(d);
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "overflow");
  EXPECT_MENTIONS(msg, "'W'");
}

TEST_F(BadInput, HugeDimsWithLittleData) {
  // 2^40 floats claimed, 36 bytes present: rejected before anything is allocated.
  ModelBuilder b = conv_model();
  onnx::TensorProto* w = b.graph().mutable_initializer(0);
  w->clear_dims();
  w->add_dims(int64_t{1} << 40);
  EXPECT_MENTIONS(error_of_model(b), "initializer 'W' has 36 bytes, expected 4398046511104");
}

TEST_F(BadInput, ZeroElementInitializerIsLegalData) {
  ModelBuilder b = conv_model();
  b.initializer("unused", {0, 4}, {});
  auto g = onnx_import::load_onnx_bytes(b.bytes(), "zero.onnx", "");
  const ir::Value& v = g->value(g->find_value("unused"));
  ASSERT_TRUE(v.is_constant());
  EXPECT_EQ(v.constant->numel(), 0);
  EXPECT_EQ(v.shape, (Shape{0, 4}));
}

TEST_F(BadInput, ZeroDimConvWeight) {
  // W[1,0,3,3]: zero input channels per group, which cannot match x's one channel.
  ModelBuilder b = conv_model();
  onnx::TensorProto* w = b.graph().mutable_initializer(0);
  w->set_dims(1, 0);
  w->set_raw_data("");
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "conv0");
}

TEST_F(BadInput, UnsupportedDtypes) {
  using TP = onnx::TensorProto;
  const std::pair<int32_t, const char*> types[] = {
      {TP::DOUBLE, "DOUBLE"}, {TP::STRING, "STRING"}, {TP::COMPLEX64, "COMPLEX64"},
      {TP::UINT16, "UINT16"}, {TP::UNDEFINED, "UNDEFINED"}, {1234, "1234"},
  };
  for (const auto& [type, name] : types) {
    SCOPED_TRACE(name);
    ModelBuilder b = conv_model();
    b.graph().mutable_initializer(0)->set_data_type(type);
    EXPECT_MENTIONS(error_of_model(b), std::string("unsupported dtype ") + name + " for initializer 'W'");
  }
}

TEST_F(BadInput, UnsupportedInputDtype) {
  ModelBuilder b = conv_model();
  b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::DOUBLE);
  EXPECT_MENTIONS(error_of_model(b), "unsupported dtype DOUBLE for input 'x'");
}

TEST_F(BadInput, InputWithoutShape) {
  ModelBuilder b = conv_model();
  b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->clear_shape();
  EXPECT_MENTIONS(error_of_model(b), "input 'x' has no shape");
}

TEST_F(BadInput, SparseInputType) {
  ModelBuilder b = conv_model();
  b.graph().mutable_input(0)->mutable_type()->mutable_sequence_type();
  EXPECT_MENTIONS(error_of_model(b), "castnet handles tensors only");
}

// ---- graph structure ---------------------------------------------------------------------------

TEST_F(BadInput, UndefinedInput) {
  ModelBuilder b = conv_model();
  conv_node(b)->set_input(1, "W_missing");
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "'W_missing'");
  EXPECT_MENTIONS(msg, "not defined");
  EXPECT_MENTIONS(msg, "conv0");
}

TEST_F(BadInput, UnknownOperator) {
  ModelBuilder b;
  b.input("x", std::vector<Dim>{2, 2});
  b.node("Foo", {"x"}, {"y"}, "n0");
  b.output("y");
  EXPECT_MENTIONS(error_of_model(b), "unsupported operator Foo at node n0");
}

TEST_F(BadInput, Cycle) {
  ModelBuilder b;
  b.input("x", std::vector<Dim>{2});
  b.node("Add", {"x", "b"}, {"a"}, "n0");
  b.node("Relu", {"a"}, {"b"}, "n1");
  b.output("b");
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "cycle");
  EXPECT_MENTIONS(msg, "n0");
}

TEST_F(BadInput, ValueProducedTwice) {
  ModelBuilder b;
  b.input("x", std::vector<Dim>{2});
  b.node("Relu", {"x"}, {"y"}, "n0");
  b.node("Sigmoid", {"x"}, {"y"}, "n1");
  b.output("y");
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "'y' is produced twice");
  EXPECT_MENTIONS(msg, "n0");
  EXPECT_MENTIONS(msg, "n1");
}

TEST_F(BadInput, NodeOverwritesAnInput) {
  ModelBuilder b;
  b.input("x", std::vector<Dim>{2});
  b.node("Relu", {"x"}, {"x"}, "n0");
  b.output("x");
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "'x'");
  EXPECT_MENTIONS(msg, "n0");
}

TEST_F(BadInput, OutputNeverProduced) {
  ModelBuilder b = conv_model();
  b.output("nowhere");
  EXPECT_MENTIONS(error_of_model(b), "graph output 'nowhere' is never produced");
}

TEST_F(BadInput, GraphAttribute) {
  ModelBuilder b = conv_model();
  auto* a = conv_node(b)->add_attribute();
  a->set_name("body");
  a->set_type(onnx::AttributeProto::GRAPH);
  a->mutable_g()->set_name("sub");
  std::string msg = error_of_model(b);
  EXPECT_MENTIONS(msg, "attribute 'body' of node 'conv0' has unsupported type GRAPH");
}

// ---- invalid Conv attributes (caught by the Conv schema during shape inference) ----------------

TEST_F(BadInput, KernelShapeDoesNotMatchWeights) {
  ModelBuilder b = conv_model();
  conv_node(b)->mutable_attribute(0)->set_ints(0, 5);
  EXPECT_MENTIONS(error_of_model(b), "conv0");
}

TEST_F(BadInput, ChannelsDoNotMatchGroup) {
  // x has 3 channels, group 2 does not divide them.
  ModelBuilder b;
  b.input("x", std::vector<Dim>{1, 3, 5, 5});
  b.initializer("W", {4, 1, 3, 3}, std::vector<float>(36, 1.f));
  auto* conv = b.node("Conv", {"x", "W"}, {"y"}, "conv0");
  attr_int(conv, "group", 2);
  b.output("y");
  EXPECT_MENTIONS(error_of_model(b), "conv0");
}

TEST_F(BadInput, OutputChannelsNotDivisibleByGroup) {
  ModelBuilder b;
  b.input("x", std::vector<Dim>{1, 3, 5, 5});
  b.initializer("W", {4, 1, 3, 3}, std::vector<float>(36, 1.f));
  auto* conv = b.node("Conv", {"x", "W"}, {"y"}, "conv0");
  attr_int(conv, "group", 3);
  b.output("y");
  EXPECT_MENTIONS(error_of_model(b), "conv0");
}

TEST_F(BadInput, ZeroStride) {
  ModelBuilder b = conv_model();
  attr_ints(conv_node(b), "strides", {0, 1});
  EXPECT_MENTIONS(error_of_model(b), "conv0");
}

TEST_F(BadInput, ZeroDilation) {
  ModelBuilder b = conv_model();
  attr_ints(conv_node(b), "dilations", {1, 0});
  EXPECT_MENTIONS(error_of_model(b), "conv0");
}

TEST_F(BadInput, NegativePads) {
  ModelBuilder b = conv_model();
  attr_ints(conv_node(b), "pads", {-1, 0, 0, 0});
  EXPECT_MENTIONS(error_of_model(b), "conv0");
}

TEST_F(BadInput, HugePads) {
  ModelBuilder b = conv_model();
  const int64_t huge = int64_t{1} << 40;
  attr_ints(conv_node(b), "pads", {huge, huge, huge, huge});
  EXPECT_MENTIONS(error_of_model(b), "conv0");
}

TEST_F(BadInput, WrongRankOfPads) {
  ModelBuilder b = conv_model();
  attr_ints(conv_node(b), "pads", {1, 1});
  EXPECT_MENTIONS(error_of_model(b), "conv0");
}

// ---- external data -----------------------------------------------------------------------------

class BadInputExternalData : public BadInput {
 protected:
  // Makes W external at `location` (with optional offset / length).
  ModelBuilder model_with_external(const std::string& location, const std::string& offset = "",
                                   const std::string& length = "") {
    ModelBuilder b = conv_model();
    onnx::TensorProto* w = b.graph().mutable_initializer(0);
    w->clear_raw_data();
    w->set_data_location(onnx::TensorProto::EXTERNAL);
    auto entry = [&](const std::string& key, const std::string& value) {
      auto* e = w->add_external_data();
      e->set_key(key);
      e->set_value(value);
    };
    entry("location", location);
    if (!offset.empty()) entry("offset", offset);
    if (!length.empty()) entry("length", length);
    return b;
  }
  void write_weights(const std::filesystem::path& file) {
    test_onnx::write_bytes(file.string(), std::string(36, '\0'));
  }
};

TEST_F(BadInputExternalData, GoodReferenceLoads) {
  write_weights(dir_.path() / "w.bin");
  model_with_external("w.bin", "0", "36").write(path());
  EXPECT_NO_THROW(onnx_import::load_onnx_file(path()));
}

TEST_F(BadInputExternalData, DotDotEscape) {
  write_weights(dir_.path().parent_path() / "castnet_escape_target.bin");
  std::string msg = error_of_model(model_with_external("../castnet_escape_target.bin"));
  std::filesystem::remove(dir_.path().parent_path() / "castnet_escape_target.bin");
  EXPECT_MENTIONS(msg, "escapes the model's folder");
  EXPECT_MENTIONS(msg, "'W'");
}

TEST_F(BadInputExternalData, DotDotInsideAPath) {
  std::filesystem::create_directories(dir_.path() / "sub");
  EXPECT_MENTIONS(error_of_model(model_with_external("sub/../../x.bin")), "escapes the model's folder");
}

TEST_F(BadInputExternalData, AbsolutePath) {
  write_weights(dir_.path() / "w.bin");
  std::string msg = error_of_model(model_with_external((dir_.path() / "w.bin").string()));
  EXPECT_MENTIONS(msg, "absolute path");
}

TEST_F(BadInputExternalData, SymlinkOutOfTheFolder) {
  ScratchDir elsewhere;
  write_weights(elsewhere.path() / "w.bin");
  std::filesystem::create_symlink(elsewhere.path() / "w.bin", dir_.path() / "link.bin");
  EXPECT_MENTIONS(error_of_model(model_with_external("link.bin")), "escapes the model's folder");
}

TEST_F(BadInputExternalData, FileAbsent) {
  EXPECT_MENTIONS(error_of_model(model_with_external("nothere.bin")), "'nothere.bin' of initializer 'W' does not exist");
}

TEST_F(BadInputExternalData, OffsetPastTheEnd) {
  write_weights(dir_.path() / "w.bin");
  EXPECT_MENTIONS(error_of_model(model_with_external("w.bin", "1000")), "past the end");
}

TEST_F(BadInputExternalData, DataRunsPastTheEnd) {
  write_weights(dir_.path() / "w.bin");
  EXPECT_MENTIONS(error_of_model(model_with_external("w.bin", "4")), "runs past the end");
}

TEST_F(BadInputExternalData, LengthDisagreesWithDims) {
  write_weights(dir_.path() / "w.bin");
  EXPECT_MENTIONS(error_of_model(model_with_external("w.bin", "0", "32")), "has length 32, expected 36");
}

TEST_F(BadInputExternalData, MalformedOffset) {
  write_weights(dir_.path() / "w.bin");
  EXPECT_MENTIONS(error_of_model(model_with_external("w.bin", "-4")), "offset '-4'");
  EXPECT_MENTIONS(error_of_model(model_with_external("w.bin", "99999999999999999999999")), "not a valid size");
}

TEST_F(BadInputExternalData, LocationIsAFolder) {
  std::filesystem::create_directories(dir_.path() / "folder");
  EXPECT_MENTIONS(error_of_model(model_with_external("folder")), "not a regular file");
}

// ---- tensor files ------------------------------------------------------------------------------

// Reads a tensor file expected to be rejected; returns the message.
std::string tensor_error(const std::string& path) {
  try {
    io::read_tensor_file(path);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no castnet::Error for " << path;
  return "";
}

TEST_F(BadInput, TensorPbEmptyAndGarbage) {
  test_onnx::write_bytes(dir_.file("empty.pb"), "");
  std::string msg = tensor_error(dir_.file("empty.pb"));
  EXPECT_MENTIONS(msg, "empty.pb");
  std::mt19937 rng(3);
  std::string junk(300, '\0');
  for (char& c : junk) c = static_cast<char>(rng() & 0xFF);
  test_onnx::write_bytes(dir_.file("junk.pb"), junk);
  EXPECT_MENTIONS(tensor_error(dir_.file("junk.pb")), "junk.pb");
}

TEST_F(BadInput, TensorPbShortData) {
  onnx::TensorProto t;
  ModelBuilder::fill_float_tensor(&t, "x", {2, 3}, {1, 2, 3}, Storage::raw);
  std::string bytes;
  t.SerializeToString(&bytes);
  test_onnx::write_bytes(dir_.file("short.pb"), bytes);
  std::string msg = tensor_error(dir_.file("short.pb"));
  EXPECT_MENTIONS(msg, "short.pb");
  EXPECT_MENTIONS(msg, "has 12 bytes, expected 24");
}

// A .npy file with the given header dict and `data_bytes` zero bytes of data.
std::string npy_bytes(const std::string& dict, size_t data_bytes) {
  std::string header = dict;
  header.append(118 - header.size() - 1, ' ');
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  return bytes + header + std::string(data_bytes, '\0');
}

TEST_F(BadInput, NpyFiles) {
  struct Case {
    const char* name;
    std::string bytes;
    const char* expect;
  };
  const Case cases[] = {
      {"magic.npy", "NOTNUMPY", "bad magic"},
      {"empty.npy", "", "bad magic"},
      {"version.npy", std::string("\x93NUMPY\x09\x00\x10\x00", 10), "version 9"},
      {"header.npy", std::string("\x93NUMPY\x01\x00\xff\x7f{'descr'", 17), "truncated"},
      {"fortran.npy", npy_bytes("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24), "Fortran"},
      {"dtype.npy", npy_bytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 16), "dtype '<f8'"},
      {"bigendian.npy", npy_bytes("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", 8), "big-endian"},
      {"short.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20), "has 20 bytes"},
      {"long.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 28), "has 28 bytes"},
      {"noshape.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, }", 4), "'shape'"},
      {"badshape.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", 8), "'shape'"},
      {"negshape.npy", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", 8), "'shape'"},
      {"overflow.npy",
       npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", 8),
       "too many elements"},
      {"unterminated.npy", npy_bytes("{'descr': '<f4", 8), "unterminated"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    test_onnx::write_bytes(dir_.file(c.name), c.bytes);
    std::string msg = tensor_error(dir_.file(c.name));
    EXPECT_MENTIONS(msg, c.name);
    EXPECT_MENTIONS(msg, c.expect);
  }
}

}  // namespace
}  // namespace castnet
