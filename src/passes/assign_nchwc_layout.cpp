// Places convolutions and the ops between them in the channel-blocked NCHWc layout, inserting
// castnet.Reorder nodes only where a blocked tensor meets an op that needs plain layout (and at
// the graph outputs, which are always plain). Graph inputs stay plain: convolutions read plain
// input directly, so a model's first conv needs no reorder.
//
// Which ops run blocked is decided from op type and shapes alone (passes never see kernels); the
// fast implementations in src/ops accept exactly these cases, and the plan refuses to hand a
// blocked tensor to an implementation that cannot take one.
#include "passes/conv_support.h"
#include "passes/pass_manager.h"

#include <algorithm>
#include <map>
#include <set>

namespace castnet::passes {
namespace {

const std::set<std::string> kUnary = {"Relu", "Clip", "LeakyRelu", "HardSigmoid", "HardSwish", "Sigmoid"};
const std::set<std::string> kBinary = {"Add", "Sub", "Mul", "Div"};
const std::set<std::string> kPool = {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"};

bool is_4d_f32(const ir::Value& v) { return v.dtype == DType::f32 && v.has_shape && v.shape.size() == 4; }

}  // namespace

int assign_nchwc_layout(ir::Graph& g, const CompileOptions& options) {
  const int B = options.nchwc_block;
  if (B <= 1) return 0;
  using Kind = Layout::Kind;
  auto blocked = [&](ir::ValueId v) { return v != ir::kNoValue && g.value(v).layout.kind == Kind::nchwc; };

  int rewrites = 0;
  std::map<std::pair<ir::ValueId, Kind>, ir::ValueId> converted;  // one reorder per value and target
  std::vector<ir::Node> out_nodes;
  auto reorder = [&](ir::ValueId v, Kind to) -> ir::ValueId {
    auto key = std::make_pair(v, to);
    auto it = converted.find(key);
    if (it != converted.end()) return it->second;
    const ir::Value src = g.value(v);
    ir::ValueId r = g.add_derived_value(src.name + (to == Kind::nchwc ? "/nchwc" : "/plain"), src.dtype);
    ir::Value& rv = g.value(r);
    rv.shape = src.shape;
    rv.has_shape = true;
    rv.dim_names.assign(src.shape.size(), "");
    rv.layout = to == Kind::nchwc ? Layout::nchwc(B) : Layout{};
    ir::Node n;
    n.name = "reorder:" + src.name + (to == Kind::nchwc ? ":nchwc" : ":plain");
    n.op_type = "Reorder";
    n.domain = "castnet";
    n.attrs.set_string("to", to == Kind::nchwc ? "nchwc" : "plain");
    n.attrs.set_int("block", B);
    n.inputs = {v};
    n.outputs = {r};
    out_nodes.push_back(std::move(n));
    ++rewrites;
    return converted[key] = r;
  };

  for (ir::Node& node : g.nodes) {
    // Built-in ONNX ops by name only in the default domain: a custom "mine.Relu" is not a Relu.
    const std::string op = node.domain.empty() || node.domain == "castnet" ? node.op_type : node.domain + "." + node.op_type;
    bool run_blocked = false;
    // Which inputs must be blocked when the node runs blocked (others stay plain; Conv's data
    // input may be either).
    std::vector<size_t> blocked_inputs;
    if ((op == "Conv" && node.domain.empty()) || (op == "FusedConv" && node.domain == "castnet")) {
      run_blocked = conv_has_nchwc_kernel(g, node);
      blocked_inputs = {3};  // a fused residual is read with the output's layout
    } else if (op == "BottleneckConv" && node.domain == "castnet") {
      run_blocked = true;       // only in fast graphs, only as an NCHWc kernel
      blocked_inputs = {0, 7};  // blocked input; residual in the output's layout
    } else if (op == "DwsepConv" && node.domain == "castnet") {
      run_blocked = true;       // only exists in fast graphs, only as an NCHWc kernel
      blocked_inputs = {0, 5};  // reads blocked input, and a residual with the output's layout
    } else if (op == "InvertedResidual" && node.domain == "castnet") {
      run_blocked = true;       // likewise: only in fast graphs, only as an NCHWc kernel
      blocked_inputs = {0, 7};  // blocked input; residual in the output's layout
    } else if (kUnary.count(op) && blocked(node.inputs[0])) {
      run_blocked = true;
      blocked_inputs = {0};
    } else if (kBinary.count(op) && node.inputs.size() == 2 && node.has_input(1)) {
      const ir::Value& a = g.value(node.inputs[0]);
      const ir::Value& b = g.value(node.inputs[1]);
      run_blocked = is_4d_f32(a) && is_4d_f32(b) && a.shape == b.shape && !a.constant && !b.constant &&
                    (blocked(node.inputs[0]) || blocked(node.inputs[1]));
      blocked_inputs = {0, 1};
    } else if ((kPool.count(op) || op == "BatchNormalization") && blocked(node.inputs[0]) &&
               node.outputs.size() == 1) {
      run_blocked = true;
      blocked_inputs = {0};
    } else if (op == "Concat" && node.attrs.get_int("axis", 0) % 4 == 1 && !node.inputs.empty()) {
      bool ok = true;
      for (size_t i = 0; i < node.inputs.size(); ++i) {
        ir::ValueId v = node.inputs[i];
        ok = ok && v != ir::kNoValue && blocked(v) && is_4d_f32(g.value(v)) &&
             (i + 1 == node.inputs.size() || g.value(v).shape[1] % B == 0);
      }
      run_blocked = ok;
      for (size_t i = 0; i < node.inputs.size(); ++i) blocked_inputs.push_back(i);
    }

    for (size_t i = 0; i < node.inputs.size(); ++i) {
      ir::ValueId v = node.inputs[i];
      if (v == ir::kNoValue) continue;
      bool want_blocked = run_blocked && std::find(blocked_inputs.begin(), blocked_inputs.end(), i) != blocked_inputs.end();
      bool conv_data = run_blocked && (op == "Conv" || op == "FusedConv") && i == 0;
      if (conv_data) continue;
      if (want_blocked && !blocked(v)) node.inputs[i] = reorder(v, Kind::nchwc);
      else if (!want_blocked && blocked(v)) node.inputs[i] = reorder(v, Kind::plain);
    }
    if (run_blocked) {
      g.value(node.outputs[0]).layout = Layout::nchwc(B);
      ++rewrites;
    }
    out_nodes.push_back(std::move(node));
  }
  g.nodes = std::move(out_nodes);

  // Graph outputs leave in plain layout: the producer writes a blocked twin, a reorder writes the
  // output under its own name.
  for (ir::ValueId& out : g.outputs) {
    if (!blocked(out)) continue;
    ir::Value& v = g.value(out);
    ir::ValueId twin = g.add_derived_value(v.name + "/nchwc", v.dtype);
    ir::Value& t = g.value(twin);
    t.shape = g.value(out).shape;
    t.has_shape = true;
    t.dim_names.assign(t.shape.size(), "");
    t.layout = g.value(out).layout;
    g.value(out).layout = Layout{};
    for (ir::Node& n : g.nodes) {
      for (ir::ValueId& o : n.outputs) if (o == out) o = twin;
      for (ir::ValueId& i : n.inputs) if (i == out) i = twin;  // readers took the blocked value
    }
    ir::Node n;
    n.name = "reorder:" + g.value(out).name + ":output";
    n.op_type = "Reorder";
    n.domain = "castnet";
    n.attrs.set_string("to", "plain");
    n.attrs.set_int("block", B);
    n.inputs = {twin};
    n.outputs = {out};
    g.nodes.push_back(std::move(n));
    ++rewrites;
  }
  g.verify_and_sort();
  return rewrites;
}

}  // namespace castnet::passes
