// castnet zoo list | zoo export NAME -o FILE: the built-in models.
#include "castnet/commands.h"

#include <castnet/error.h>

#include "castnet/cli_args.h"
#include "frontend/onnx/onnx_writer.h"
#include "zoo/model_stats.h"
#include "zoo/zoo.h"

#include <cstdint>
#include <cstdio>
#include <string>

namespace castnet::cli {
namespace {

const char* kUsage =
    "usage: castnet zoo list\n"
    "       castnet zoo export NAME -o FILE [--batch N] [--seed S]\n"
    "Lists the built-in models, or writes one as an ONNX file (weights from seed S, default 1).\n"
    "Every command also takes zoo:NAME wherever it takes a model file.\n";

}  // namespace

int cmd_zoo(int argc, char** argv) {
  ArgParser args("zoo", kUsage);
  args.option("-o");
  args.option("--output");
  args.option("--batch");
  args.option("--seed");
  if (!args.parse(argc, argv)) return 0;
  if (args.positional().empty()) throw Error("'castnet zoo' needs a subcommand: list or export");
  const std::string sub = args.positional()[0];

  if (sub == "list") {
    args.expect_positional(1, 1, "no arguments after 'list'");
    if (args.has("-o") || args.has("--output") || args.has("--batch") || args.has("--seed"))
      throw Error("'castnet zoo list' takes no options");
    for (const zoo::ZooEntry& e : zoo::list())
      std::printf("%-12s %s\n", e.name.c_str(), e.description.c_str());
    return 0;
  }
  if (sub == "export") {
    args.expect_positional(2, 2, "'export NAME'");
    if (args.has("-o") && args.has("--output")) throw Error("give the output file once (-o or --output)");
    const std::string file = args.has("-o") ? args.get("-o") : args.get("--output");
    if (file.empty()) throw Error("'castnet zoo export' needs an output file: -o FILE");
    std::string name = args.positional()[1];
    if (name.rfind("zoo:", 0) == 0) name = name.substr(4);
    const int64_t batch = args.get_int("--batch", 1, 1, 1 << 20);
    const uint64_t seed = static_cast<uint64_t>(args.get_int("--seed", 1, 0, INT64_MAX));
    std::shared_ptr<ir::Graph> graph = zoo::build(name, batch, seed);
    onnx_export::save_onnx_file(*graph, file);
    std::printf("wrote %s: %s, batch %lld, %zu nodes, %lld initializer elements\n", file.c_str(),
                name.c_str(), static_cast<long long>(batch), graph->nodes.size(),
                static_cast<long long>(zoo::count_parameters(*graph).initializer_elements));
    return 0;
  }
  throw Error("unknown zoo subcommand '" + sub + "' (expected list or export)");
}

}  // namespace castnet::cli
