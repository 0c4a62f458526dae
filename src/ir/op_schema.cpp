#include "ir/op_schema.h"

#include <castnet/error.h>

#include "ir/schemas/schema_families.h"

#include <map>
#include <mutex>

namespace castnet::ir {

// ---- InferContext ----------------------------------------------------------------------------

const Value& InferContext::input(size_t i) const {
  if (!has_input(i)) fail("input " + std::to_string(i) + " is missing");
  return graph_.value(node_.inputs[i]);
}

Value& InferContext::output(size_t i) {
  if (!has_output(i)) fail("output " + std::to_string(i) + " is missing");
  return graph_.value(node_.outputs[i]);
}

const Value& InferContext::output(size_t i) const {
  if (!has_output(i)) fail("output " + std::to_string(i) + " is missing");
  return graph_.value(node_.outputs[i]);
}

const Tensor* InferContext::constant_input(size_t i) const {
  if (!has_input(i)) return nullptr;
  return graph_.value(node_.inputs[i]).constant.get();
}

const Shape& InferContext::input_shape(size_t i) const {
  const Value& v = input(i);
  if (!v.has_shape) fail("shape of input '" + v.name + "' is unknown");
  return v.shape;
}

void InferContext::set_output(size_t i, DType dtype, Shape shape) {
  if (!has_output(i)) return;  // omitted optional output
  Value& v = output(i);
  for (int64_t d : shape)
    if (d < -1) fail("inferred a negative dimension for output '" + v.name + "'");
  v.dtype = dtype;
  v.shape = std::move(shape);
  v.has_shape = true;
  if (v.dim_names.size() != v.shape.size()) v.dim_names.assign(v.shape.size(), "");
}

void InferContext::set_output_constant(size_t i, Tensor value) {
  if (!has_output(i)) return;
  Value& v = output(i);
  v.dtype = value.dtype();
  v.shape = value.shape();
  v.has_shape = true;
  v.dim_names.assign(v.shape.size(), "");
  v.constant = std::make_shared<const Tensor>(std::move(value));
}

void InferContext::fail(const std::string& reason) const {
  throw Error(node_.op_type + ": " + reason, graph_.source, node_.name);
}

// ---- registry --------------------------------------------------------------------------------

namespace {
struct Registry {
  std::mutex mu;
  std::map<std::pair<std::string, std::string>, OpSchema> schemas;
};

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    std::vector<OpSchema> builtin;
    schemas::add_conv_schemas(builtin);
    schemas::add_pool_schemas(builtin);
    schemas::add_normalization_schemas(builtin);
    schemas::add_matmul_schemas(builtin);
    schemas::add_elementwise_schemas(builtin);
    schemas::add_activation_schemas(builtin);
    schemas::add_tensor_schemas(builtin);
    schemas::add_shape_schemas(builtin);
    schemas::add_castnet_schemas(builtin);
    for (auto& s : builtin) reg->schemas[{s.domain, s.op_type}] = std::move(s);
    return reg;
  }();
  return *r;
}
}  // namespace

void register_op_schema(OpSchema schema) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto key = std::make_pair(schema.domain, schema.op_type);
  if (r.schemas.count(key)) throw Error("operator '" + schema.op_type + "' is already registered");
  if (!schema.infer) throw Error("operator '" + schema.op_type + "' registered without shape inference");
  r.schemas.emplace(key, std::move(schema));
}

const OpSchema* find_op_schema(const std::string& op_type, const std::string& domain) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::string d = domain == "ai.onnx" ? "" : domain;
  auto it = r.schemas.find({d, op_type});
  return it == r.schemas.end() ? nullptr : &it->second;  // map nodes are stable
}

// ---- driver ----------------------------------------------------------------------------------

void infer_shapes(Graph& graph) {
  for (Node& node : graph.nodes) {
    const OpSchema* schema = find_op_schema(node.op_type, node.domain);
    if (!schema)
      throw Error("unsupported operator " + (node.domain.empty() ? "" : node.domain + ".") + node.op_type +
                      " at node " + node.name,
                  graph.source, node.name);
    InferContext ctx(graph, node);
    // Trailing omitted optional inputs do not count.
    size_t n_in = node.inputs.size();
    while (n_in > 0 && node.inputs[n_in - 1] == kNoValue) --n_in;
    if (static_cast<int>(n_in) < schema->min_inputs || static_cast<int>(n_in) > schema->max_inputs)
      ctx.fail("takes " + std::to_string(schema->min_inputs) + ".." + std::to_string(schema->max_inputs) +
               " inputs, got " + std::to_string(n_in));
    for (int i = 0; i < schema->min_inputs; ++i)
      if (!node.has_input(static_cast<size_t>(i))) ctx.fail("required input " + std::to_string(i) + " is missing");
    int n_out = static_cast<int>(node.outputs.size());
    if (n_out < schema->min_outputs || n_out > schema->max_outputs)
      ctx.fail("has " + std::to_string(n_out) + " outputs, expected " + std::to_string(schema->min_outputs) +
               ".." + std::to_string(schema->max_outputs));
    for (size_t i = 0; i < n_in; ++i)
      if (node.has_input(i) && !graph.value(node.inputs[i]).has_shape)
        ctx.fail("shape of input '" + graph.value(node.inputs[i]).name + "' is unknown");
    try {
      schema->infer(ctx);
      bool all_constant = n_in > 0;
      for (size_t i = 0; i < n_in; ++i)
        if (node.has_input(i) && !graph.value(node.inputs[i]).constant) all_constant = false;
      // Shape only needs its input's shape, not its value.
      if (schema->fold && (all_constant || node.op_type == "Shape")) schema->fold(ctx);
    } catch (const Error& e) {
      if (!e.node().empty()) throw;
      throw Error(node.op_type + ": " + e.reason(), graph.source, node.name);
    }
  }
}

int64_t node_flops(Graph& graph, Node& node) {
  const OpSchema* schema = find_op_schema(node.op_type, node.domain);
  if (!schema || !schema->flops) return 0;
  InferContext ctx(graph, node);
  return schema->flops(ctx);
}

}  // namespace castnet::ir
