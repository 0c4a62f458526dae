#include "castnet/session_graph.h"

#include "ir/graph.h"
#include "plan/plan.h"
#include "runtime/session_impl.h"

#include <map>
#include <string>

namespace castnet::cli {
namespace {

std::string qualified_op(const ir::Node& n) { return n.domain.empty() ? n.op_type : n.domain + "." + n.op_type; }

bool is_reorder(const ir::Node& n) { return n.domain == "castnet" && n.op_type == "Reorder"; }

// "1x64x56x56", with the layout appended when it is not plain: "1x64x56x56 nchw16c".
std::string shape_and_layout(const ir::Value& v) {
  std::string s = shape_to_string(v.shape);
  if (v.layout.kind != Layout::Kind::plain) {
    s += ' ';
    s += v.layout.to_string();
  }
  return s;
}

std::string value_text(const ir::Graph& g, ir::ValueId id) {
  if (id == ir::kNoValue) return "-";
  const ir::Value& v = g.value(id);
  return v.name + "[" + shape_to_string(v.shape) + " " + (v.constant ? std::string("const") : v.layout.to_string()) + "]";
}

std::string value_list(const ir::Graph& g, const std::vector<ir::ValueId>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + value_text(g, ids[i]);
  return s;
}

std::string joined(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s;
}

// The body of a DOT double-quoted string.
std::string dot_escaped(const std::string& text) {
  std::string s;
  for (char c : text) {
    if (c == '"' || c == '\\') s += '\\';
    if (c == '\n') {
      s += "\\n";
      continue;
    }
    s += c;
  }
  return s;
}

}  // namespace

StepCounts count_steps(const SessionImpl& session) {
  StepCounts c;
  const ir::Graph& g = session.graph();
  for (const plan::Step& step : session.plan().steps) {
    const ir::Node& n = g.nodes.at(static_cast<size_t>(step.node_index));
    ++c.steps;
    if (is_reorder(n)) ++c.reorders;
    else ++c.kernels;
    c.fused_members += n.fused.size();
  }
  return c;
}

std::string session_graph_text(const SessionImpl& session) {
  const ir::Graph& g = session.graph();
  const plan::Plan& plan = session.plan();
  std::string out = "graph after rewriting: " + std::to_string(plan.steps.size()) + " steps\n";
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const plan::Step& step = plan.steps[s];
    const ir::Node& n = g.nodes.at(static_cast<size_t>(step.node_index));
    out += "  #" + std::to_string(s) + "  " + n.name + "  " + qualified_op(n) + "  [" +
           (step.kernel ? step.kernel->algorithm() : std::string("-")) + "]\n";
    out += "      " + value_list(g, n.inputs) + " -> " + value_list(g, n.outputs) + "\n";
    if (!n.fused.empty()) out += "      fused: " + joined(n.fused) + "\n";
  }
  return out;
}

std::string session_graph_dot(const SessionImpl& session) {
  const ir::Graph& g = session.graph();
  const plan::Plan& plan = session.plan();
  std::string out = "digraph \"" + dot_escaped(g.name.empty() ? "castnet" : g.name) + "\" {\n";
  out += "  rankdir=TB;\n";
  out += "  node [fontname=\"Helvetica\", fontsize=10];\n";
  out += "  edge [fontname=\"Helvetica\", fontsize=9];\n";

  // Where each value comes from: a graph input's ellipse or the step that writes it.
  std::map<ir::ValueId, std::string> source;
  for (size_t i = 0; i < g.inputs.size(); ++i) {
    const ir::Value& v = g.value(g.inputs[i]);
    const std::string id = "in" + std::to_string(i);
    source[g.inputs[i]] = id;
    out += "  " + id + " [shape=ellipse, label=\"" + dot_escaped(v.name + "\n" + shape_and_layout(v)) + "\"];\n";
  }
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const plan::Step& step = plan.steps[s];
    const ir::Node& n = g.nodes.at(static_cast<size_t>(step.node_index));
    const std::string id = "s" + std::to_string(s);
    for (ir::ValueId o : n.outputs)
      if (o != ir::kNoValue) source[o] = id;
    const std::string algorithm = step.kernel ? step.kernel->algorithm() : "-";
    std::string label, style;
    if (is_reorder(n)) {
      const std::string to = n.outputs.empty() || n.outputs[0] == ir::kNoValue
                                 ? std::string("?")
                                 : g.value(n.outputs[0]).layout.to_string();
      label = "reorder to " + to + "\n" + n.name;
      style = "shape=box, style=\"dashed,filled\", color=\"#808080\", fillcolor=\"#eeeeee\"";
    } else if (!n.fused.empty()) {
      label = n.name + "\n" + qualified_op(n) + " [" + algorithm + "]\nfused: " + joined(n.fused);
      style = "shape=box, style=\"rounded,filled,bold\", fillcolor=\"#cfe8cf\"";
    } else {
      label = n.name + "\n" + qualified_op(n) + " [" + algorithm + "]";
      style = "shape=box, style=\"rounded,filled\", fillcolor=\"#dde8f5\"";
    }
    out += "  " + id + " [" + style + ", label=\"" + dot_escaped(label) + "\"];\n";
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) {
    const ir::Value& v = g.value(g.outputs[i]);
    out += "  out" + std::to_string(i) + " [shape=ellipse, style=bold, label=\"" +
           dot_escaped(v.name + "\n" + shape_and_layout(v)) + "\"];\n";
  }

  auto edge = [&](ir::ValueId v, const std::string& to) {
    auto it = source.find(v);
    if (it == source.end()) return;  // a constant: weights are not drawn
    out += "  " + it->second + " -> " + to + " [label=\"" + dot_escaped(shape_and_layout(g.value(v))) + "\"];\n";
  };
  for (size_t s = 0; s < plan.steps.size(); ++s) {
    const ir::Node& n = g.nodes.at(static_cast<size_t>(plan.steps[s].node_index));
    for (ir::ValueId v : n.inputs)
      if (v != ir::kNoValue) edge(v, "s" + std::to_string(s));
  }
  for (size_t i = 0; i < g.outputs.size(); ++i) edge(g.outputs[i], "out" + std::to_string(i));
  out += "}\n";
  return out;
}

}  // namespace castnet::cli
