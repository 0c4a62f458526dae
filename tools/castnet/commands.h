// The castnet CLI: one function per subcommand, each in its own cmd_<name>.cpp. Each returns the
// process exit code; castnet::Error escaping one is printed by main as `castnet: error: ...` with
// exit code 2.
#pragma once

namespace castnet::cli {

int cmd_run(int argc, char** argv);        // castnet run MODEL [--input NAME=FILE]... [--output-dir DIR]
int cmd_bench(int argc, char** argv);      // castnet bench [MODEL] [--batch N] [--threads N] ...
int cmd_info(int argc, char** argv);       // castnet info MODEL
int cmd_onnx_test(int argc, char** argv);  // castnet onnx-test DIR...
int cmd_zoo(int argc, char** argv);        // castnet zoo list | export NAME -o FILE
int cmd_peak(int argc, char** argv);       // castnet peak
int cmd_profile(int argc, char** argv);    // castnet profile MODEL [--trace FILE]

}  // namespace castnet::cli
