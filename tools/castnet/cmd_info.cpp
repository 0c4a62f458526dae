// castnet info MODEL: inputs and outputs, parameters, FLOPs by kind of layer, the conv layers
// with the algorithm the plan chose for each, peak activation memory, how many steps the session
// runs after rewriting and, on request, the rewritten graph itself (--graph, --dot FILE).
#include "castnet/commands.h"

#include <castnet/castnet.h>
#include <castnet/error.h>

#include "castnet/cli_args.h"
#include "castnet/session_graph.h"
#include "core/cpu_features.h"
#include "ir/op_schema.h"
#include "plan/autotune.h"
#include "runtime/session_impl.h"
#include "zoo/model_stats.h"

#include <cstdio>
#include <fstream>
#include <map>
#include <string>

namespace castnet::cli {
namespace {

const char* kUsage =
    "usage: castnet info MODEL [options]\n"
    "Describes MODEL (an .onnx file or zoo:NAME): inputs, outputs, parameters, FLOPs by kind,\n"
    "each convolution with its chosen algorithm, peak activation memory, and the number of\n"
    "steps the session runs after graph rewriting.\n"
    "  --graph                print the rewritten graph: each step's op, algorithm, inputs ->\n"
    "                         outputs with shapes and layouts, and the nodes fused into it\n"
    "  --dot FILE             write the rewritten graph as Graphviz DOT to FILE\n";

// 25557032 -> "25,557,032"
std::string with_commas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return v < 0 ? "-" + out : out;
}

std::string mebibytes(size_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

void print_tensors(const char* title, const std::vector<TensorInfo>& infos) {
  std::printf("%s:\n", title);
  for (const TensorInfo& t : infos)
    std::printf("  %-24s %-5s %s\n", t.name.c_str(), dtype_name(t.dtype), shape_to_string(t.shape).c_str());
}

// The model's own graph with the session's concrete input shapes, shapes inferred throughout:
// FLOPs and conv geometry are reported per original layer, before fusion renames anything.
ir::Graph shaped_graph(const Model& model, const Session& session) {
  ir::Graph g = model.graph();
  for (const TensorInfo& info : session.inputs()) {
    ir::ValueId id = g.find_value(info.name);
    if (id == ir::kNoValue) continue;
    ir::Value& v = g.value(id);
    v.shape = info.shape;
    v.has_shape = true;
    v.dim_names.assign(info.shape.size(), "");
  }
  ir::infer_shapes(g);
  return g;
}

// How much the rewriting changed: steps run vs the model's nodes.
void print_step_counts(const SessionImpl& impl, size_t model_nodes) {
  const StepCounts c = count_steps(impl);
  const bool reference = impl.context().isa == Isa::reference;
  std::printf("steps: %zu after rewriting (%zu kernels + %zu layout reorders) for %zu model nodes; isa %s, ",
              c.steps, c.kernels, c.reorders, model_nodes, isa_name(impl.context().isa));
  if (reference) {
    std::printf("no rewriting on the reference ISA\n");
  } else {
    const Options& o = impl.options();
    std::string fusion = "fusion level " + std::to_string(o.fuse_level);
    if (!o.fuse_ops.empty()) fusion += " " + o.fuse_ops;
    for (size_t i = 0; i < o.no_fuse.size(); ++i) fusion += (i ? ", " : "; not fused: ") + o.no_fuse[i];
    std::printf("%s\n", fusion.c_str());
  }
  // Nodes neither run as their own step nor fused into one were folded at load time or removed.
  const size_t accounted = c.kernels + c.fused_members;
  std::printf("  %zu nodes fused into other kernels, %zu folded or removed\n", c.fused_members,
              model_nodes > accounted ? model_nodes - accounted : size_t{0});
}

void write_text_file(const std::string& path, const std::string& text, const std::string& option) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) throw Error(option + ": cannot open '" + path + "' for writing");
  f << text;
  f.close();
  if (!f) throw Error(option + ": cannot write '" + path + "'");
}

}  // namespace

int cmd_info(int argc, char** argv) {
  ArgParser args("info", std::string(kUsage) + kSessionOptionsUsage + fusion_patterns_usage());
  add_session_options(args);
  args.flag("--graph");
  args.option("--dot");
  if (!args.parse(argc, argv)) return 0;
  args.expect_positional(1, 1, "one MODEL (a .onnx file or zoo:NAME)");
  const Options options = session_options(args);

  Model model = Model::load(args.positional()[0]);
  check_session_options(options, model);
  Session session(model, options);
  const SessionImpl& impl = session.impl();
  const plan::Plan& plan = impl.plan();
  ir::Graph graph = shaped_graph(model, session);

  std::printf("model: %s (%s, opset %lld)\n", args.positional()[0].c_str(), graph.name.c_str(),
              static_cast<long long>(graph.opset));
  print_tensors("inputs", session.inputs());
  print_tensors("outputs", session.outputs());

  const zoo::ParameterCount params = zoo::count_parameters(graph);
  std::printf("parameters: %s (initializer elements; %s learnable, %s in BatchNorm statistics "
              "and Clip bounds)\n",
              with_commas(params.initializer_elements).c_str(), with_commas(params.learnable()).c_str(),
              with_commas(params.buffer_elements).c_str());

  std::map<std::string, int> op_counts;
  for (const ir::Node& n : graph.nodes) ++op_counts[n.op_type];
  std::string ops;
  for (const auto& [op, count] : op_counts) ops += (ops.empty() ? "" : ", ") + op + " " + std::to_string(count);
  std::printf("nodes: %zu (%s)\n", graph.nodes.size(), ops.c_str());
  print_step_counts(impl, graph.nodes.size());

  const zoo::FlopCount flops = zoo::count_flops(graph);
  const double total = static_cast<double>(flops.total());
  std::printf("FLOPs: %.4f GFLOP per inference (%.4f GMAC)\n", total / 1e9, total / 2e9);
  for (int k = 0; k < zoo::kNumFlopKinds; ++k) {
    const auto kind = static_cast<zoo::FlopKind>(k);
    const double f = static_cast<double>(flops.of(kind));
    std::printf("  %-12s %10.4f GFLOP %6.2f%%\n", zoo::flop_kind_name(kind), f / 1e9,
                total > 0 ? 100.0 * f / total : 0.0);
  }

  std::printf("peak activation memory: %s (arena), workspace %s\n", mebibytes(plan.arena_bytes).c_str(),
              mebibytes(plan.workspace_bytes).c_str());
  if (plan.largest_live_pair_bytes > 0)
    std::printf("  %.2f x the largest pair of live tensors (%s); %d output(s) written in place over an input\n",
                static_cast<double>(plan.arena_bytes) / static_cast<double>(plan.largest_live_pair_bytes),
                mebibytes(plan.largest_live_pair_bytes).c_str(), plan.inplace_outputs);

  // Each original node name -> the algorithm of the plan step that runs it (fused steps are
  // named by their nodes joined with '+').
  std::map<std::string, std::string> algorithm_of;
  for (const plan::Step& step : plan.steps) {
    std::string algorithm = step.kernel ? step.kernel->algorithm() : "-";
    if (step.selection != plan::Selection::rule) algorithm += std::string(" (") + plan::selection_name(step.selection) + ")";
    size_t start = 0;
    while (true) {
      const size_t plus = step.name.find('+', start);
      algorithm_of[step.name.substr(start, plus - start)] = algorithm;
      if (plus == std::string::npos) break;
      start = plus + 1;
    }
  }

  std::printf("conv layers:\n  %-32s %-64s %9s  %s\n", "name", "problem", "GFLOP", "algorithm");
  for (const ir::Node& n : graph.nodes) {
    if (n.op_type != "Conv" || !n.domain.empty()) continue;
    const ConvDesc d = zoo::conv_node_desc(graph, n);
    auto it = algorithm_of.find(n.name);
    std::printf("  %-32s %-64s %9.4f  %s\n", n.name.c_str(), d.to_string().c_str(),
                static_cast<double>(d.flops()) / 1e9, it == algorithm_of.end() ? "-" : it->second.c_str());
  }

  if (args.has("--graph")) std::fputs(session_graph_text(impl).c_str(), stdout);
  if (args.has("--dot")) {
    write_text_file(args.get("--dot"), session_graph_dot(impl), "--dot");
    std::printf("wrote %s\n", args.get("--dot").c_str());
  }
  return 0;
}

}  // namespace castnet::cli
