#include "frontend/onnx/legacy_opset_upgrade.h"

#include <castnet/error.h>
#include <onnx/onnx_pb.h>

#include "ir/op_schema.h"

#include <cctype>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

// Why rewrite instead of keeping the declared opset: the IR carries one opset for the whole graph,
// read by schemas, kernels (Softmax, Clip, Pad) and the ONNX writer. Rewriting some nodes while
// the graph still said "opset 6" would leave a graph that means something else than it claims
// (a BatchNormalization without is_test is a training-mode node at opset 6), and the writer would
// save it so. So every node is brought to its opset-11 form and the graph says 11: from here on
// nothing in castnet sees an opset below 11. Opset 11 rather than a later one because the forms
// that changed again after 11 (Softmax's axis meaning and the attribute form of Squeeze/Unsqueeze
// at 13) did not change between 1 and 11, so those nodes stay as written.

namespace castnet::onnx_import {
namespace {

// A name from the file as an error shows it: quoted, control characters replaced, cut if long.
std::string quoted(const std::string& name) {
  constexpr size_t kMaxShown = 80;
  std::string s = "'";
  for (size_t i = 0; i < name.size() && i < kMaxShown; ++i) {
    const unsigned char c = static_cast<unsigned char>(name[i]);
    s += c < 0x20 || c == 0x7F ? '?' : name[i];
  }
  if (name.size() > kMaxShown) s += "...";
  return s + "'";
}

// A 1-D i64 tensor: the form of Pad's pads, Reshape's shape and Slice's ranges as inputs.
Tensor i64_vector(const std::vector<int64_t>& values) {
  return Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values);
}

// Walks the sorted nodes once, handing each default-domain node to its rule. Rules may add
// constants and insert nodes before the current one; node() always returns the node being upgraded.
class Upgrader {
 public:
  explicit Upgrader(ir::Graph& graph) : graph_(graph), opset_(graph.opset) {}

  void run();

  // ---- for the rules ----

  ir::Node& node() { return graph_.nodes[index_]; }
  int64_t opset() const { return opset_; }

  // The node uses a legacy meaning castnet has no equivalent for; `changed_at` is the opset that
  // replaced it.
  [[noreturn]] void unsupported(int64_t changed_at, const std::string& what) {
    throw Error("opset " + std::to_string(opset_) + ": operator " + node().op_type + " at node " + quoted(node().name) +
                    " uses pre-opset-" + std::to_string(changed_at) + " semantics that castnet does not support (" +
                    what + ")",
                graph_.source, node().name);
  }
  // The node is malformed for its declared opset.
  [[noreturn]] void invalid(const std::string& reason) {
    throw Error("opset " + std::to_string(opset_) + ": " + node().op_type + ": " + reason, graph_.source,
                node().name);
  }

  void drop(const std::string& attribute) { node().attrs.erase(attribute); }

  // A new constant initializer, named after the node and its role.
  ir::ValueId add_constant(const std::string& role, Tensor value) {
    const ir::ValueId id = graph_.add_derived_value(node().name + "_" + role, value.dtype());
    ir::Value& v = graph_.value(id);
    v.shape = value.shape();
    v.has_shape = true;
    v.dim_names.assign(v.shape.size(), "");
    v.constant = std::make_shared<const Tensor>(std::move(value));
    v.is_initializer = true;
    return id;
  }

  // Input `index` of the node becomes `value`; inputs before it that do not exist are omitted ones.
  void set_input(size_t index, ir::ValueId value) {
    std::vector<ir::ValueId>& inputs = node().inputs;
    if (inputs.size() <= index) inputs.resize(index + 1, ir::kNoValue);
    inputs[index] = value;
  }

  // The shape (the rank, and the dims as far as known) of a value the current node reads:
  // constants and graph inputs say it themselves; a computed value is inferred from the nodes
  // before the current one, which are already in their opset-11 form.
  Shape shape_of(ir::ValueId id);

  // Input `index`, of shape `shape`, gets `count` trailing dimensions of size 1: a constant is
  // replaced by a reshaped copy, a computed value goes through an Unsqueeze inserted before the node.
  void append_unit_dims(size_t index, const Shape& shape, int64_t count);

 private:
  const ir::Value& inferred(ir::ValueId id);
  // An initializer no node reads any more stops being one (the writer then leaves it out).
  void release_if_unused(ir::ValueId id);

  ir::Graph& graph_;
  const int64_t opset_;
  size_t index_ = 0;
  // Shape inference over the upgraded prefix, on a copy: the graph itself keeps its declared
  // shapes and gets no folded constants (the session infers again with its own input shapes).
  std::optional<ir::Graph> probe_;
  size_t probed_nodes_ = 0;  // nodes [0, probed_nodes_) are inferred in probe_
};

Shape Upgrader::shape_of(ir::ValueId id) {
  const ir::Value& v = graph_.value(id);
  if (v.is_constant()) return v.constant->shape();
  for (ir::ValueId in : graph_.inputs)
    if (in == id) return v.shape;  // the reader requires graph inputs to declare a shape
  return inferred(id).shape;
}

const ir::Value& Upgrader::inferred(ir::ValueId id) {
  if (!probe_) {
    probe_.emplace(graph_);
    probe_->nodes.clear();
    probe_->opset = kLegacyUpgradeTarget;
    probed_nodes_ = 0;
  }
  // Values added by rules since the last probe (the ids are indices, only ever appended).
  for (size_t k = probe_->values.size(); k < graph_.values.size(); ++k) probe_->add_value(graph_.values[k]);
  // Nodes between the last probe and this node, inferred on top of what is already inferred.
  probe_->nodes.assign(graph_.nodes.begin() + static_cast<std::ptrdiff_t>(probed_nodes_),
                       graph_.nodes.begin() + static_cast<std::ptrdiff_t>(index_));
  ir::infer_shapes(*probe_);
  probed_nodes_ = index_;
  const ir::Value& v = probe_->value(id);
  if (!v.has_shape) invalid("the rank of input " + quoted(v.name) + " cannot be inferred");
  return v;
}

void Upgrader::append_unit_dims(size_t index, const Shape& shape, int64_t count) {
  const ir::ValueId source = node().input(index);
  const ir::Value& v = graph_.value(source);
  if (v.is_constant()) {
    Shape target = shape;
    target.insert(target.end(), static_cast<size_t>(count), 1);
    Tensor reshaped = v.constant->reshaped(target);
    set_input(index, add_constant("input" + std::to_string(index), std::move(reshaped)));
    release_if_unused(source);
    return;
  }
  std::vector<int64_t> axes;
  for (int64_t k = 0; k < count; ++k) axes.push_back(static_cast<int64_t>(shape.size()) + k);
  const std::string source_name = v.name;
  // The dtype as inferred where known (shape inference sets it again in any case).
  const bool probed = probe_ && static_cast<size_t>(source) < probe_->values.size();
  const DType dtype = probed ? probe_->value(source).dtype : v.dtype;
  ir::Node unsqueeze;
  unsqueeze.name = node().name + "_legacy_broadcast";
  unsqueeze.op_type = "Unsqueeze";
  unsqueeze.inputs = {source};
  unsqueeze.outputs = {graph_.add_derived_value(source_name + "_unsqueezed", dtype)};
  unsqueeze.attrs.set_ints("axes", std::move(axes));  // an attribute up to opset 12
  const ir::ValueId out = unsqueeze.outputs[0];
  graph_.nodes.insert(graph_.nodes.begin() + static_cast<std::ptrdiff_t>(index_), std::move(unsqueeze));
  ++index_;  // the sort order holds: the Unsqueeze reads what the node read, and feeds only it
  node().inputs[index] = out;
}

void Upgrader::release_if_unused(ir::ValueId id) {
  ir::Value& v = graph_.value(id);
  if (!v.is_initializer) return;
  for (ir::ValueId out : graph_.outputs)
    if (out == id) return;
  for (const ir::Node& n : graph_.nodes)
    for (ir::ValueId in : n.inputs)
      if (in == id) return;
  v.is_initializer = false;
}

// ---- the rules: one per operator whose form changed below opset 11 -------------------------------

// Gemm-1/6 `broadcast`: C is broadcast to (M, N) by matching its trailing dimensions, which numpy
// broadcasting (Gemm-7 on) also does; without it C is (M, N) already.
void upgrade_gemm(Upgrader& u) {
  if (u.opset() < 7) u.drop("broadcast");
}

void upgrade_batch_norm(Upgrader& u) {
  ir::Node& n = u.node();
  if (u.opset() < 9) {
    if (n.attrs.get_int("spatial", 1) != 1) u.unsupported(9, "spatial = 0: per-activation statistics");
    u.drop("spatial");
  }
  if (u.opset() < 7) {
    // is_test defaults to 0 (training) in BatchNormalization-1/6, but training mode also returns
    // the running and saved statistics: a node that asks for Y alone is an inference node, the
    // reading ONNX's own version converter takes too. An explicit is_test = 0 is not.
    if (n.attrs.has("is_test") && n.attrs.get_int("is_test", 1) == 0) u.unsupported(7, "is_test = 0: training mode");
    for (size_t k = 1; k < n.outputs.size(); ++k)
      if (n.outputs[k] != ir::kNoValue)
        u.unsupported(7, "the mean/var/saved_mean/saved_var outputs, which only training mode computes");
    n.outputs.resize(1);
    u.drop("is_test");
  }
}

void upgrade_dropout(Upgrader& u) {
  ir::Node& n = u.node();
  if (u.opset() < 7) {
    // As for BatchNormalization: an absent is_test is read as inference, an explicit 0 is
    // training, which draws random masks.
    if (n.attrs.has("is_test") && n.attrs.get_int("is_test", 1) == 0)
      u.unsupported(7, "is_test = 0: training mode draws random masks");
    u.drop("is_test");
  }
  if (u.opset() < 10 && n.outputs.size() > 1 && n.outputs[1] != ir::kNoValue)
    u.unsupported(10, "the mask output, of the data's float type before opset 10 (castnet's mask is bool)");
}

// Clip-1/6: min and max are float attributes (absent: unbounded in Clip-1, +-FLT_MAX in Clip-6,
// which is what an omitted bound input means from opset 11 on).
void upgrade_clip(Upgrader& u) {
  if (u.node().inputs.size() > 1) u.invalid("min and max are attributes before opset 11, not inputs");
  const std::pair<const char*, size_t> bounds[] = {{"min", 1}, {"max", 2}};
  for (const auto& [name, index] : bounds) {
    if (!u.node().attrs.has(name)) continue;
    const float bound = u.node().attrs.get_float(name, 0.f);
    u.set_input(index, u.add_constant(name, Tensor::from_vector<float>({}, {bound})));
    u.drop(name);
  }
}

// Pad-1 `paddings` / Pad-2 `pads` and `value` attributes become the pads (i64) and
// constant_value inputs of Pad-11; mode is unchanged.
void upgrade_pad(Upgrader& u) {
  if (u.node().inputs.size() > 1) u.invalid("pads is an attribute before opset 11, not an input");
  const char* pads_name = u.opset() < 2 ? "paddings" : "pads";
  if (!u.node().attrs.has(pads_name)) u.invalid(std::string("attribute '") + pads_name + "' is required");
  const std::vector<int64_t> pads = u.node().attrs.get_ints(pads_name);
  const float value = u.node().attrs.get_float("value", 0.f);
  u.drop(pads_name);
  u.drop("value");
  u.set_input(1, u.add_constant("pads", i64_vector(pads)));
  // An omitted constant_value is 0 whatever the data's float type; only another value needs an
  // input (of f32, the type castnet pads).
  if (value != 0.f || std::signbit(value))
    u.set_input(2, u.add_constant("constant_value", Tensor::from_vector<float>({}, {value})));
}

// Concat-1's axis defaulted to 1; from 4 on it is required.
void upgrade_concat(Upgrader& u) {
  if (u.opset() < 4 && !u.node().attrs.has("axis")) u.node().attrs.set_int("axis", 1);
}

// Reshape-1's shape attribute became the shape input at 5 (same 0 and -1 rules).
void upgrade_reshape(Upgrader& u) {
  if (u.opset() >= 5) return;
  if (u.node().inputs.size() > 1) u.invalid("shape is an attribute before opset 5, not an input");
  if (!u.node().attrs.has("shape")) u.invalid("attribute 'shape' is required");
  const std::vector<int64_t> shape = u.node().attrs.get_ints("shape");
  u.drop("shape");
  u.set_input(1, u.add_constant("shape", i64_vector(shape)));
}

// Slice-1's starts, ends and axes attributes became inputs at 10 (same clamping, same negative
// indices, axes still defaulting to 0..n-1; steps are new and default to 1).
void upgrade_slice(Upgrader& u) {
  if (u.opset() >= 10) return;
  if (u.node().inputs.size() > 1) u.invalid("starts, ends and axes are attributes before opset 10, not inputs");
  const std::pair<const char*, size_t> ranges[] = {{"starts", 1}, {"ends", 2}, {"axes", 3}};
  for (const auto& [name, index] : ranges) {
    if (!u.node().attrs.has(name)) {
      if (index == 3) continue;
      u.invalid(std::string("attribute '") + name + "' is required");
    }
    const std::vector<int64_t> values = u.node().attrs.get_ints(name);
    u.drop(name);
    u.set_input(index, u.add_constant(name, i64_vector(values)));
  }
}

// Cast-1 names its target type with a string ("FLOAT"); Cast-6 with the TensorProto enum value.
void upgrade_cast(Upgrader& u) {
  if (u.opset() >= 6) return;
  const ir::Attribute* to = u.node().attrs.find("to");
  if (!to || to->kind != ir::Attribute::Kind::s) return;  // absent or already an int: the schema judges
  std::string name = to->s;
  for (char& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  onnx::TensorProto::DataType type = onnx::TensorProto::UNDEFINED;
  if (!onnx::TensorProto::DataType_Parse(name, &type) || type == onnx::TensorProto::UNDEFINED)
    u.invalid("'to' = " + quoted(to->s) + " names no ONNX data type");
  u.node().attrs.set_int("to", type);
}

// PRelu-1/6: a slope of one element is shared; otherwise the slope holds one value per channel
// (axis 1, the Caffe2 meaning the op came with, and what PyTorch's exports of nn.PReLU(C) rely
// on). From 7 the slope broadcasts numpy-style, aligned to X's trailing axes, so a per-channel
// slope (C) must become (C, 1, ..., 1).
void upgrade_prelu(Upgrader& u) {
  if (u.opset() >= 7 || !u.node().has_input(0) || !u.node().has_input(1)) return;
  const Shape slope = u.shape_of(u.node().input(1));
  if (slope.size() != 1 || slope[0] == 1) return;
  const auto x_rank = static_cast<int64_t>(u.shape_of(u.node().input(0)).size());
  if (x_rank > 2) u.append_unit_dims(1, slope, x_rank - 2);
}

// Add, Sub, Mul, Div before 7: B broadcasts to A only with broadcast = 1, its dimensions lined up
// with A's from `axis` on (default: A's trailing dimensions). From 7 broadcasting is numpy's,
// which aligns trailing dimensions: the same without an axis; with one, B needs as many trailing
// 1s as A has dimensions after B's span.
void upgrade_binary(Upgrader& u) {
  if (u.opset() >= 7) return;
  const bool broadcast = u.node().attrs.get_int("broadcast", 0) != 0;
  const bool has_axis = u.node().attrs.has("axis");
  const int64_t axis = u.node().attrs.get_int("axis", 0);
  u.drop("broadcast");
  u.drop("axis");
  if (!broadcast || !has_axis || !u.node().has_input(0) || !u.node().has_input(1)) return;
  const auto a_rank = static_cast<int64_t>(u.shape_of(u.node().input(0)).size());
  const Shape b = u.shape_of(u.node().input(1));
  const auto b_rank = static_cast<int64_t>(b.size());
  const int64_t start = axis < 0 ? axis + a_rank : axis;
  const int64_t trailing = a_rank - start - b_rank;
  if (start < 0 || trailing < 0)
    u.invalid("axis " + std::to_string(axis) + " does not place B (rank " + std::to_string(b_rank) +
              ") inside A (rank " + std::to_string(a_rank) + ")");
  if (trailing > 0) u.append_unit_dims(1, b, trailing);
}

struct LegacyRule {
  const char* op_type;
  int64_t introduced;              // the first opset that defines the operator
  void (*upgrade)(Upgrader&);      // null: no form below 11 differs for castnet
};

// Every default-domain operator castnet implements, with what changed between its first version
// and opset 11. consumed_inputs (an in-place hint of opsets 1-5) is dropped for all of them.
const LegacyRule kRules[] = {
    // op                  since  rule                what changed up to opset 11
    {"Conv", 1, nullptr},                         // 11: wording of pads / auto_pad only
    {"Gemm", 1, upgrade_gemm},                    // 7: `broadcast` gone, numpy broadcasting; 11: C optional
    {"MatMul", 1, nullptr},                       // 9: integer types
    {"BatchNormalization", 1, upgrade_batch_norm},  // 7: is_test gone; 9: spatial gone
    {"MaxPool", 1, nullptr},                      // 8: Indices output; 10: ceil_mode, dilations (defaults = old)
    {"AveragePool", 1, nullptr},                  // 7: count_include_pad (default 0 = old); 10: ceil_mode
    {"GlobalAveragePool", 1, nullptr},
    {"GlobalMaxPool", 1, nullptr},
    {"Relu", 1, nullptr},                         // 6: consumed_inputs gone
    {"LeakyRelu", 1, nullptr},                    // 6: consumed_inputs gone
    {"Sigmoid", 1, nullptr},                      // 6: consumed_inputs gone
    {"HardSigmoid", 1, nullptr},                  // 6: consumed_inputs gone
    {"HardSwish", 14, nullptr},
    {"Clip", 1, upgrade_clip},                    // 11: min / max attributes became inputs
    {"PRelu", 1, upgrade_prelu},                  // 7: numpy broadcasting of slope
    {"Softmax", 1, nullptr},                      // 11: negative axis (the 2-D coercion stays until 13)
    {"Add", 1, upgrade_binary},                   // 7: broadcast / axis gone, numpy broadcasting
    {"Sub", 1, upgrade_binary},
    {"Mul", 1, upgrade_binary},
    {"Div", 1, upgrade_binary},
    {"Flatten", 1, nullptr},                      // 9: every type; 11: negative axis
    {"Reshape", 1, upgrade_reshape},              // 5: shape attribute became an input
    {"Transpose", 1, nullptr},
    {"Concat", 1, upgrade_concat},                // 4: axis required (was default 1); 11: negative axis
    {"Pad", 1, upgrade_pad},                      // 2: paddings renamed pads; 11: pads / value became inputs
    {"Identity", 1, nullptr},
    {"Dropout", 1, upgrade_dropout},              // 7: is_test gone; 10: bool mask
    {"Constant", 1, nullptr},                     // 9: more types; 11: sparse_value
    {"ConstantOfShape", 9, nullptr},
    {"Shape", 1, nullptr},
    {"Gather", 1, nullptr},                       // 11: negative indices
    {"Unsqueeze", 1, nullptr},                    // 11: negative axes (an attribute until 13)
    {"Squeeze", 1, nullptr},                      // 11: negative axes (an attribute until 13)
    {"Slice", 1, upgrade_slice},                  // 10: starts / ends / axes became inputs
    {"Cast", 1, upgrade_cast},                    // 6: `to` a string -> enum value; 9: string casts
};

const LegacyRule* find_rule(const std::string& op_type) {
  for (const LegacyRule& r : kRules)
    if (op_type == r.op_type) return &r;
  return nullptr;
}

void Upgrader::run() {
  for (index_ = 0; index_ < graph_.nodes.size(); ++index_) {
    if (!node().domain.empty()) continue;  // other domains keep their own opsets
    if (opset_ < 6) drop("consumed_inputs");
    const std::string op_type = node().op_type;
    const LegacyRule* rule = find_rule(op_type);
    if (!rule) {
      // An operator castnet implements but has no history for (a newer addition, or one a user
      // registered) cannot be trusted to mean at this opset what it means at 11. One castnet
      // does not implement at all is left for shape inference to report as unsupported.
      if (ir::find_op_schema(op_type)) unsupported(kLegacyUpgradeTarget, "castnet has no record of how it changed");
      continue;
    }
    if (opset_ < rule->introduced)
      invalid("operator " + op_type + " is not defined before opset " + std::to_string(rule->introduced));
    if (!rule->upgrade) continue;
    try {
      rule->upgrade(*this);
    } catch (const Error& e) {
      if (!e.node().empty()) throw;
      invalid(e.reason());  // an attribute of the wrong kind, say
    }
  }
  graph_.opset = kLegacyUpgradeTarget;
  graph_.verify_and_sort();
}

}  // namespace

void upgrade_legacy_opset(ir::Graph& graph) { Upgrader(graph).run(); }

}  // namespace castnet::onnx_import
