#include "frontend/onnx/onnx_writer.h"

#include <castnet/error.h>
#include <onnx/onnx_pb.h>

#include "frontend/onnx/file_bytes.h"
#include "frontend/onnx/tensor_proto_convert.h"

#include <set>

namespace castnet::onnx_export {
namespace {

// IR version 8 is what ONNX 1.10-1.12 write; every reader castnet is compared with accepts it.
constexpr int64_t kIrVersion = 8;
// Custom-domain operators carry no version of their own in the IR.
constexpr int64_t kCustomDomainVersion = 1;

void write_value_info(const ir::Value& v, onnx::ValueInfoProto* info) {
  info->set_name(v.name);
  onnx::TypeProto::Tensor* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx_io::onnx_dtype_of(v.dtype));
  if (!v.has_shape) return;
  onnx::TensorShapeProto* shape = tensor->mutable_shape();
  for (size_t i = 0; i < v.shape.size(); ++i) {
    onnx::TensorShapeProto::Dimension* dim = shape->add_dim();
    const std::string& name = i < v.dim_names.size() ? v.dim_names[i] : std::string();
    if (v.shape[i] >= 0) dim->set_dim_value(v.shape[i]);
    else if (!name.empty()) dim->set_dim_param(name);
    // else: an unknown dimension, left empty as ONNX allows.
  }
}

void write_attribute(const std::string& name, const ir::Attribute& a, onnx::AttributeProto* p) {
  using AP = onnx::AttributeProto;
  p->set_name(name);
  switch (a.kind) {
    case ir::Attribute::Kind::i: p->set_type(AP::INT); p->set_i(a.i); break;
    case ir::Attribute::Kind::f: p->set_type(AP::FLOAT); p->set_f(a.f); break;
    case ir::Attribute::Kind::s: p->set_type(AP::STRING); p->set_s(a.s); break;
    case ir::Attribute::Kind::ints:
      p->set_type(AP::INTS);
      for (int64_t v : a.ints) p->add_ints(v);
      break;
    case ir::Attribute::Kind::floats:
      p->set_type(AP::FLOATS);
      for (float v : a.floats) p->add_floats(v);
      break;
    case ir::Attribute::Kind::strings:
      p->set_type(AP::STRINGS);
      for (const std::string& v : a.strings) p->add_strings(v);
      break;
    case ir::Attribute::Kind::tensor:
      if (!a.t) throw Error("tensor attribute '" + name + "' has no value");
      p->set_type(AP::TENSOR);
      onnx_io::tensor_to_proto(*a.t, "", p->mutable_t());
      break;
  }
}

void write_graph(const ir::Graph& g, onnx::ModelProto* model) {
  model->set_ir_version(kIrVersion);
  model->set_producer_name("castnet");
  model->set_producer_version("0.1.0");
  onnx::OperatorSetIdProto* opset = model->add_opset_import();
  opset->set_domain("");
  opset->set_version(g.opset);
  std::set<std::string> custom_domains;
  for (const ir::Node& n : g.nodes)
    if (!n.domain.empty() && n.domain != "ai.onnx") custom_domains.insert(n.domain);
  for (const std::string& d : custom_domains) {
    onnx::OperatorSetIdProto* op = model->add_opset_import();
    op->set_domain(d);
    op->set_version(kCustomDomainVersion);
  }

  onnx::GraphProto* graph = model->mutable_graph();
  graph->set_name(g.name.empty() ? "castnet" : g.name);

  const std::vector<int> producer = g.producers();
  std::vector<char> used(g.values.size(), 0);
  for (const ir::Node& n : g.nodes)
    for (ir::ValueId i : n.inputs)
      if (i != ir::kNoValue) used[static_cast<size_t>(i)] = 1;
  for (ir::ValueId o : g.outputs) used[static_cast<size_t>(o)] = 1;
  std::vector<char> is_graph_io(g.values.size(), 0);
  for (ir::ValueId i : g.inputs) is_graph_io[static_cast<size_t>(i)] = 1;
  for (ir::ValueId o : g.outputs) is_graph_io[static_cast<size_t>(o)] = 1;

  // Constants nobody computes become initializers (folded ones too, where something uses them).
  for (size_t v = 0; v < g.values.size(); ++v) {
    const ir::Value& value = g.values[v];
    if (!value.constant || producer[v] >= 0) continue;
    if (!value.is_initializer && !used[v]) continue;
    onnx_io::tensor_to_proto(*value.constant, value.name, graph->add_initializer());
  }
  for (ir::ValueId i : g.inputs) write_value_info(g.value(i), graph->add_input());
  for (ir::ValueId o : g.outputs) write_value_info(g.value(o), graph->add_output());
  // Known shapes of intermediate values, so tools (and castnet itself) see them without inference.
  for (size_t v = 0; v < g.values.size(); ++v)
    if (producer[v] >= 0 && !is_graph_io[v] && g.values[v].has_shape && !g.values[v].constant)
      write_value_info(g.values[v], graph->add_value_info());

  for (const ir::Node& n : g.nodes) {
    onnx::NodeProto* node = graph->add_node();
    node->set_name(n.name);
    node->set_op_type(n.op_type);
    if (!n.domain.empty()) node->set_domain(n.domain);
    for (ir::ValueId i : n.inputs) node->add_input(i == ir::kNoValue ? std::string() : g.value(i).name);
    for (ir::ValueId o : n.outputs) node->add_output(o == ir::kNoValue ? std::string() : g.value(o).name);
    for (const auto& [name, attr] : n.attrs.all()) {
      try {
        write_attribute(name, attr, node->add_attribute());
      } catch (const Error& e) {
        throw e.with_node(n.name);
      }
    }
  }
}

}  // namespace

std::string to_onnx_bytes(const ir::Graph& graph) {
  onnx::ModelProto model;
  try {
    write_graph(graph, &model);
  } catch (const Error& e) {
    throw e.with_file(graph.source);
  }
  if (model.ByteSizeLong() > onnx_io::kMaxProtobufBytes)
    throw Error("the model is larger than the 2 GiB a single ONNX protobuf can hold", graph.source);
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw Error("cannot serialise the model to ONNX", graph.source);
  return bytes;
}

void save_onnx_file(const ir::Graph& graph, const std::string& path) {
  onnx_io::write_file_bytes(path, to_onnx_bytes(graph));
}

}  // namespace castnet::onnx_export
