// Test helpers: ONNX ModelProtos built with the protobuf API, and a scratch folder per test for
// the files they are written to. Used by the OnnxImport* and BadInput* suites.
#pragma once
#include <onnx/onnx_pb.h>

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

namespace castnet::test_onnx {

// One dimension of a declared shape: a size, or a symbolic name ("N").
struct Dim {
  int64_t value = -1;
  std::string param;
  template <std::integral T>
  Dim(T v) : value(static_cast<int64_t>(v)) {}  // NOLINT: implicit on purpose, {1, 3, 8, 8}
  Dim(const char* name) : param(name) {}       // NOLINT
};

enum class Storage { raw, typed };

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13, int64_t ir_version = 8) {
    model_.set_ir_version(ir_version);
    model_.set_producer_name("castnet-tests");
    if (opset > 0) {
      onnx::OperatorSetIdProto* op = model_.add_opset_import();
      op->set_domain("");
      op->set_version(opset);
    }
    model_.mutable_graph()->set_name("test_graph");
  }

  onnx::ModelProto& model() { return model_; }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  onnx::ValueInfoProto* input(const std::string& name, std::optional<std::vector<Dim>> dims,
                              int32_t elem_type = onnx::TensorProto::FLOAT) {
    return declare(graph().add_input(), name, dims, elem_type);
  }
  onnx::ValueInfoProto* output(const std::string& name, std::optional<std::vector<Dim>> dims = std::nullopt,
                               int32_t elem_type = onnx::TensorProto::FLOAT) {
    return declare(graph().add_output(), name, dims, elem_type);
  }

  onnx::TensorProto* initializer(const std::string& name, const std::vector<int64_t>& dims,
                                 const std::vector<float>& values, Storage storage = Storage::raw) {
    onnx::TensorProto* t = graph().add_initializer();
    fill_float_tensor(t, name, dims, values, storage);
    return t;
  }
  onnx::TensorProto* initializer_i64(const std::string& name, const std::vector<int64_t>& dims,
                                     const std::vector<int64_t>& values) {
    onnx::TensorProto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t v : values) t->add_int64_data(v);
    return t;
  }

  onnx::NodeProto* node(const std::string& op_type, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    onnx::NodeProto* n = graph().add_node();
    n->set_op_type(op_type);
    if (!name.empty()) n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return n;
  }

  std::string bytes() const {
    std::string s;
    EXPECT_TRUE(model_.SerializeToString(&s));
    return s;
  }
  void write(const std::filesystem::path& path) const {
    std::ofstream out(path, std::ios::binary);
    const std::string b = bytes();
    out.write(b.data(), static_cast<std::streamsize>(b.size()));
  }

  static void fill_float_tensor(onnx::TensorProto* t, const std::string& name, const std::vector<int64_t>& dims,
                                const std::vector<float>& values, Storage storage) {
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    if (storage == Storage::raw)
      t->set_raw_data(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
    else
      for (float v : values) t->add_float_data(v);
  }

 private:
  static onnx::ValueInfoProto* declare(onnx::ValueInfoProto* info, const std::string& name,
                                       const std::optional<std::vector<Dim>>& dims, int32_t elem_type) {
    info->set_name(name);
    onnx::TypeProto::Tensor* t = info->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem_type);
    if (dims) {
      onnx::TensorShapeProto* shape = t->mutable_shape();
      for (const Dim& d : *dims) {
        auto* dim = shape->add_dim();
        if (!d.param.empty()) dim->set_dim_param(d.param);
        else dim->set_dim_value(d.value);
      }
    }
    return info;
  }

  onnx::ModelProto model_;
};

inline void attr_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void attr_float(onnx::NodeProto* n, const std::string& name, float v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void attr_string(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void attr_ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

// A folder under the system temp dir, unique to this process and test, removed afterwards.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string tag = info ? std::string(info->test_suite_name()) + "_" + info->name() : "castnet";
    for (char& c : tag)
      if (c == '/') c = '_';
    path_ = std::filesystem::temp_directory_path() /
            ("castnet_" + tag + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

inline void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace castnet::test_onnx
