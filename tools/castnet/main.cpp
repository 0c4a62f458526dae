#include "castnet/commands.h"

#include <castnet/error.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {
void usage() {
  std::puts(
      "usage: castnet <command> [args]\n"
      "  run MODEL        run one inference, write outputs as .npy\n"
      "  bench [MODEL]    time inference (default zoo:resnet50)\n"
      "  info MODEL       inputs, outputs, parameters, FLOPs, memory\n"
      "  onnx-test DIR..  run ONNX backend-test directories\n"
      "  zoo list|export  built-in models\n"
      "  profile MODEL    time every step, FLOP/s, bytes, fusion effect, trace\n"
      "  peak             measure FLOP/s and memory bandwidth");
}
}  // namespace

int main(int argc, char** argv) {
  using namespace castnet::cli;
  if (argc < 2 || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "--help")) {
    usage();
    return argc < 2 ? 2 : 0;
  }
  std::string cmd = argv[1];
  try {
    if (cmd == "run") return cmd_run(argc - 1, argv + 1);
    if (cmd == "bench") return cmd_bench(argc - 1, argv + 1);
    if (cmd == "info") return cmd_info(argc - 1, argv + 1);
    if (cmd == "onnx-test") return cmd_onnx_test(argc - 1, argv + 1);
    if (cmd == "zoo") return cmd_zoo(argc - 1, argv + 1);
    if (cmd == "peak") return cmd_peak(argc - 1, argv + 1);
    if (cmd == "profile") return cmd_profile(argc - 1, argv + 1);
    std::fprintf(stderr, "castnet: error: unknown command '%s' (try castnet --help)\n", cmd.c_str());
    return 2;
  } catch (const castnet::Error& e) {
    std::fprintf(stderr, "castnet: error: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "castnet: error: %s\n", e.what());
    return 2;
  }
}
