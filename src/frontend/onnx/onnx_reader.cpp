#include "frontend/onnx/onnx_reader.h"

#include <castnet/error.h>
#include <onnx/onnx_pb.h>

#include "frontend/onnx/file_bytes.h"
#include "frontend/onnx/legacy_opset_upgrade.h"
#include "frontend/onnx/tensor_proto_convert.h"

#include <algorithm>
#include <new>
#include <unordered_map>
#include <unordered_set>

namespace castnet::onnx_import {
namespace {

// The default-domain opsets whose operator definitions castnet implements; models declaring
// opsets 1 to kMinOpset-1 are upgraded to kMinOpset on load (legacy_opset_upgrade.h).
constexpr int64_t kMinOpset = kLegacyUpgradeTarget;
constexpr int64_t kMaxOpset = 17;
constexpr int64_t kOldestUpgradableOpset = 1;

// A name from the file as it appears in an error message: quoted, control characters replaced and
// overlong names cut, so a hostile name cannot break the one-line message.
std::string in_quotes(const std::string& name) {
  constexpr size_t kMaxShown = 200;
  std::string s = "'";
  for (size_t i = 0; i < name.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    s += c < 0x20 || c == 0x7F ? '?' : name[i];
  }
  if (name.size() > kMaxShown) s += "...";
  return s + "'";
}

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// What a ValueInfoProto (graph input, output, value_info) declares about a tensor.
struct DeclaredTensor {
  bool has_dtype = false;
  DType dtype = DType::f32;
  bool has_shape = false;
  Shape shape;
  std::vector<std::string> dim_names;
};

const char* type_case_name(onnx::TypeProto::ValueCase c) {
  switch (c) {
    case onnx::TypeProto::kSequenceType: return "a sequence";
    case onnx::TypeProto::kMapType: return "a map";
    case onnx::TypeProto::kOptionalType: return "an optional";
    case onnx::TypeProto::kSparseTensorType: return "a sparse tensor";
    default: return "not a tensor";
  }
}

// Builds the IR graph from a parsed ModelProto. Every error names the file and, where there is
// one, the node.
class GraphReader {
 public:
  GraphReader(const onnx::ModelProto& model, std::string source, std::string base_dir)
      : model_(model), proto_(model.graph()), source_(std::move(source)), base_dir_(std::move(base_dir)) {}

  std::shared_ptr<ir::Graph> read() {
    graph_ = std::make_shared<ir::Graph>();
    graph_->source = source_;
    graph_->name = proto_.name();
    graph_->opset = default_opset();
    if (proto_.sparse_initializer_size() > 0) fail("sparse initializers are not supported");
    read_initializers();
    read_inputs();
    read_nodes();
    read_outputs();
    read_value_info();
    graph_->verify_and_sort();
    if (graph_->opset < kMinOpset) upgrade_legacy_opset(*graph_);
    return graph_;
  }

 private:
  [[noreturn]] void fail(const std::string& reason, const std::string& node = {}) const {
    throw Error(reason, source_, node);
  }

  int64_t default_opset() const {
    bool found = false;
    int64_t version = 0;
    for (const auto& op : model_.opset_import()) {
      if (!is_default_domain(op.domain())) continue;
      if (found && op.version() != version)
        fail("opset_import lists the default ONNX domain twice (" + std::to_string(version) + " and " +
             std::to_string(op.version()) + ")");
      found = true;
      version = op.version();
    }
    if (!found) fail("the model has no opset_import for the default ONNX domain");
    if (version < kOldestUpgradableOpset || version > kMaxOpset)
      fail("opset " + std::to_string(version) + " not supported (" + std::to_string(kMinOpset) + "-" +
           std::to_string(kMaxOpset) + "); models of opsets " + std::to_string(kOldestUpgradableOpset) + "-" +
           std::to_string(kMinOpset - 1) + " are upgraded on load");
    return version;
  }

  // `role` ("input", "output", "value_info") names the declaration in errors. Non-strict
  // declarations (value_info, which is only a hint) drop what castnet cannot represent instead of
  // failing.
  DeclaredTensor declared_tensor(const onnx::ValueInfoProto& info, const std::string& role, bool strict) const {
    DeclaredTensor d;
    if (!info.has_type()) return d;
    const onnx::TypeProto& type = info.type();
    if (type.value_case() == onnx::TypeProto::VALUE_NOT_SET) return d;
    if (type.value_case() != onnx::TypeProto::kTensorType) {
      if (strict)
        fail(role + " " + in_quotes(info.name()) + " is " + type_case_name(type.value_case()) +
             "; castnet handles tensors only");
      return d;
    }
    const onnx::TypeProto::Tensor& tensor = type.tensor_type();
    if (tensor.elem_type() != onnx::TensorProto::UNDEFINED) {
      if (onnx_io::dtype_from_onnx(tensor.elem_type(), &d.dtype)) {
        d.has_dtype = true;
      } else if (strict) {
        fail("unsupported dtype " + onnx_io::onnx_dtype_name(tensor.elem_type()) + " for " + role + " " +
             in_quotes(info.name()));
      }
    }
    if (!tensor.has_shape()) return d;
    d.has_shape = true;
    for (const auto& dim : tensor.shape().dim()) {
      if (dim.value_case() == onnx::TensorShapeProto::Dimension::kDimValue) {
        if (dim.dim_value() < 0)
          fail("negative dimension " + std::to_string(dim.dim_value()) + " in the shape of " + role + " " +
               in_quotes(info.name()));
        d.shape.push_back(dim.dim_value());
        d.dim_names.emplace_back();
      } else {
        // Symbolic ("batch") or unknown: fixed later by the session.
        d.shape.push_back(-1);
        d.dim_names.push_back(dim.value_case() == onnx::TensorShapeProto::Dimension::kDimParam ? dim.dim_param()
                                                                                               : std::string());
      }
    }
    return d;
  }

  void read_initializers() {
    for (int k = 0; k < proto_.initializer_size(); ++k) {
      const onnx::TensorProto& t = proto_.initializer(k);
      if (t.name().empty()) fail("initializer #" + std::to_string(k) + " has no name");
      if (graph_->find_value(t.name()) != ir::kNoValue) fail("initializer " + in_quotes(t.name()) + " is listed twice");
      ir::Value v;
      v.name = t.name();
      auto tensor = std::make_shared<const Tensor>(
          onnx_io::tensor_from_proto(t, "initializer " + in_quotes(t.name()), base_dir_));
      v.dtype = tensor->dtype();
      v.shape = tensor->shape();
      v.dim_names.assign(v.shape.size(), "");
      v.has_shape = true;
      v.constant = std::move(tensor);
      v.is_initializer = true;
      graph_->add_value(std::move(v));
    }
  }

  void read_inputs() {
    std::unordered_set<std::string> seen;
    for (const auto& info : proto_.input()) {
      const std::string& name = info.name();
      if (name.empty()) fail("a graph input has no name");
      if (!seen.insert(name).second) fail("graph input " + in_quotes(name) + " is listed twice");
      ir::ValueId existing = graph_->find_value(name);
      // Models before IR 4 list every initializer as an input too; the initializer stays the
      // (constant) value and the input is not a runtime input.
      if (existing != ir::kNoValue && graph_->value(existing).is_initializer) continue;
      if (!info.has_type() || info.type().value_case() == onnx::TypeProto::VALUE_NOT_SET)
        fail("input " + in_quotes(name) + " has no type");
      DeclaredTensor d = declared_tensor(info, "input", /*strict=*/true);
      if (!d.has_dtype) fail("input " + in_quotes(name) + " has no element type");
      if (!d.has_shape) fail("input " + in_quotes(name) + " has no shape");
      ir::Value v;
      v.name = name;
      v.dtype = d.dtype;
      v.has_shape = true;
      v.shape = std::move(d.shape);
      v.dim_names = std::move(d.dim_names);
      graph_->inputs.push_back(graph_->add_value(std::move(v)));
    }
  }

  ir::Attribute convert_attribute(const onnx::AttributeProto& a, const std::string& node) const {
    using AP = onnx::AttributeProto;
    const std::string what = "attribute " + in_quotes(a.name());
    if (!a.ref_attr_name().empty()) fail(what + " refers to a function attribute, which is not supported", node);
    AP::AttributeType type = a.type();
    if (type == AP::UNDEFINED) {
      // Early exporters left `type` unset; the populated field tells.
      if (a.has_f()) type = AP::FLOAT;
      else if (a.has_i()) type = AP::INT;
      else if (a.has_s()) type = AP::STRING;
      else if (a.has_t()) type = AP::TENSOR;
      else if (a.has_g()) type = AP::GRAPH;
      else if (a.floats_size() > 0) type = AP::FLOATS;
      else if (a.ints_size() > 0) type = AP::INTS;
      else if (a.strings_size() > 0) type = AP::STRINGS;
      else fail(what + " has no type", node);
    }
    ir::Attribute out;
    switch (type) {
      case AP::FLOAT: out.kind = ir::Attribute::Kind::f; out.f = a.f(); break;
      case AP::INT: out.kind = ir::Attribute::Kind::i; out.i = a.i(); break;
      case AP::STRING: out.kind = ir::Attribute::Kind::s; out.s = a.s(); break;
      case AP::FLOATS:
        out.kind = ir::Attribute::Kind::floats;
        out.floats.assign(a.floats().begin(), a.floats().end());
        break;
      case AP::INTS:
        out.kind = ir::Attribute::Kind::ints;
        out.ints.assign(a.ints().begin(), a.ints().end());
        break;
      case AP::STRINGS:
        out.kind = ir::Attribute::Kind::strings;
        out.strings.assign(a.strings().begin(), a.strings().end());
        break;
      case AP::TENSOR:
        out.kind = ir::Attribute::Kind::tensor;
        out.t = std::make_shared<const Tensor>(
            onnx_io::tensor_from_proto(a.t(), what + " of node " + in_quotes(node), base_dir_));
        break;
      default:
        fail(what + " of node " + in_quotes(node) + " has unsupported type " + AP::AttributeType_Name(type), node);
    }
    return out;
  }

  void read_nodes() {
    const int n = proto_.node_size();
    std::vector<std::string> names(static_cast<size_t>(n));
    // Pass 1: every node's outputs, so inputs may refer to values produced later in the file
    // (verify_and_sort orders the nodes afterwards).
    std::unordered_map<std::string, std::string> producer;
    for (int k = 0; k < n; ++k) {
      const onnx::NodeProto& p = proto_.node(k);
      if (p.op_type().empty()) fail("node #" + std::to_string(k) + " has no op_type");
      std::string name = p.name().empty() ? p.op_type() + "_" + std::to_string(k) : p.name();
      ir::Node node;
      node.name = name;
      node.op_type = p.op_type();
      node.domain = is_default_domain(p.domain()) ? std::string() : p.domain();
      for (const std::string& out : p.output()) {
        if (out.empty()) {
          node.outputs.push_back(ir::kNoValue);
          continue;
        }
        auto it = producer.find(out);
        if (it != producer.end())
          fail("value " + in_quotes(out) + " is produced twice (also by node " + in_quotes(it->second) + ")", name);
        if (graph_->find_value(out) != ir::kNoValue)
          fail("value " + in_quotes(out) + " is both a graph input/initializer and produced by a node", name);
        producer.emplace(out, name);
        ir::Value v;
        v.name = out;
        node.outputs.push_back(graph_->add_value(std::move(v)));
      }
      for (const auto& a : p.attribute()) {
        if (a.name().empty()) fail("an attribute has no name", name);
        if (node.attrs.has(a.name())) fail("attribute " + in_quotes(a.name()) + " is given twice", name);
        node.attrs.set(a.name(), convert_attribute(a, name));
      }
      names[static_cast<size_t>(k)] = name;
      graph_->nodes.push_back(std::move(node));
    }
    // Pass 2: inputs.
    for (int k = 0; k < n; ++k) {
      ir::Node& node = graph_->nodes[static_cast<size_t>(k)];
      for (const std::string& in : proto_.node(k).input()) {
        if (in.empty()) {
          node.inputs.push_back(ir::kNoValue);  // an omitted optional input
          continue;
        }
        ir::ValueId id = graph_->find_value(in);
        if (id == ir::kNoValue)
          fail(node.op_type + " input " + in_quotes(in) + " is not defined by any node, graph input or initializer",
               node.name);
        node.inputs.push_back(id);
      }
    }
  }

  void read_outputs() {
    for (const auto& info : proto_.output()) {
      const std::string& name = info.name();
      if (name.empty()) fail("a graph output has no name");
      ir::ValueId id = graph_->find_value(name);
      if (id == ir::kNoValue) fail("graph output " + in_quotes(name) + " is never produced");
      DeclaredTensor d = declared_tensor(info, "output", /*strict=*/true);
      annotate(id, d);
      graph_->outputs.push_back(id);
    }
  }

  void read_value_info() {
    for (const auto& info : proto_.value_info()) {
      ir::ValueId id = graph_->find_value(info.name());
      if (id == ir::kNoValue) continue;  // describes a value no node uses
      annotate(id, declared_tensor(info, "value_info", /*strict=*/false));
    }
  }

  // Declared types only fill in values computed by nodes; inputs and initializers already carry
  // their own, and shape inference has the last word.
  void annotate(ir::ValueId id, const DeclaredTensor& d) {
    ir::Value& v = graph_->value(id);
    if (v.is_constant()) return;
    if (std::find(graph_->inputs.begin(), graph_->inputs.end(), id) != graph_->inputs.end()) return;
    if (d.has_dtype) v.dtype = d.dtype;
    if (d.has_shape) {
      v.has_shape = true;
      v.shape = d.shape;
      v.dim_names = d.dim_names;
    }
  }

  const onnx::ModelProto& model_;
  const onnx::GraphProto& proto_;
  std::string source_, base_dir_;
  std::shared_ptr<ir::Graph> graph_;
};

}  // namespace

std::shared_ptr<ir::Graph> load_onnx_bytes(const std::string& bytes, const std::string& source,
                                           const std::string& base_dir) {
  if (bytes.empty()) throw Error("not a valid ONNX model: the file is empty", source);
  if (bytes.size() > onnx_io::kMaxProtobufBytes)
    throw Error("not a valid ONNX model: larger than the 2 GiB protobuf limit", source);
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes))
    throw Error("not a valid ONNX model: the protobuf cannot be parsed (truncated or not an ONNX file)", source);
  if (!model.has_ir_version()) throw Error("not a valid ONNX model: ir_version is missing", source);
  if (model.ir_version() < 1)
    throw Error("not a valid ONNX model: ir_version " + std::to_string(model.ir_version()) + " is invalid", source);
  if (!model.has_graph()) throw Error("not a valid ONNX model: it has no graph", source);
  try {
    return GraphReader(model, source, base_dir).read();
  } catch (const Error& e) {
    throw e.with_file(source);
  } catch (const std::bad_alloc&) {
    throw Error("out of memory while loading the model", source);
  }
}

std::shared_ptr<ir::Graph> load_onnx_file(const std::string& path) {
  std::string bytes = onnx_io::read_file_bytes(path, onnx_io::kMaxProtobufBytes);
  return load_onnx_bytes(bytes, path, onnx_io::folder_of(path));
}

}  // namespace castnet::onnx_import
