// castnet onnx-test DIR...: runs directories in the ONNX backend-test layout and reports each.
#include "castnet/commands.h"

#include <castnet/error.h>

#include "castnet/cli_args.h"
#include "runtime/onnx_test_case.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace castnet::cli {
namespace {

namespace fs = std::filesystem;

const char* kUsage =
    "usage: castnet onnx-test DIR... [options]\n"
    "Runs ONNX backend-test cases: each DIR holds model.onnx and test_data_set_*/, or holds such\n"
    "case directories (run in name order).\n"
    "  --rtol R               relative tolerance (default 1e-3)\n"
    "  --atol A               absolute tolerance (default 1e-5)\n";

bool is_case(const fs::path& dir) {
  std::error_code ec;
  return fs::is_regular_file(dir / "model.onnx", ec);
}

// A case directory stands for itself; any other directory for its case subdirectories, sorted.
std::vector<std::string> expand_cases(const std::string& arg) {
  const fs::path dir(arg);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw Error("not a directory", arg);
  if (is_case(dir)) return {arg};
  std::vector<std::string> cases;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->is_directory(ec) && is_case(it->path())) cases.push_back(it->path().string());
  if (ec) throw Error("cannot list directory: " + ec.message(), arg);
  if (cases.empty()) throw Error("no ONNX test cases (directories with model.onnx) found", arg);
  std::sort(cases.begin(), cases.end());
  return cases;
}

}  // namespace

int cmd_onnx_test(int argc, char** argv) {
  ArgParser args("onnx-test", std::string(kUsage) + kSessionOptionsUsage);
  args.option("--rtol");
  args.option("--atol");
  add_session_options(args);
  if (!args.parse(argc, argv)) return 0;
  args.expect_positional(1, static_cast<size_t>(-1), "at least one DIR");
  const Options options = session_options(args);
  const double rtol = args.get_double("--rtol", 1e-3, 0.0, 1e6);
  const double atol = args.get_double("--atol", 1e-5, 0.0, 1e6);

  std::vector<std::string> cases;
  for (const std::string& arg : args.positional())
    for (std::string& c : expand_cases(arg)) cases.push_back(std::move(c));

  int passed = 0, failed = 0;
  for (const std::string& dir : cases) {
    OnnxTestResult r = run_onnx_test_case(dir, options, rtol, atol);
    const std::string name = r.name.empty() ? fs::path(dir).filename().string() : r.name;
    std::printf("%s %s max_abs=%.3g max_rel=%.3g", name.c_str(), r.passed ? "PASS" : "FAIL",
                r.max_abs_error, r.max_rel_error);
    if (!r.passed && !r.message.empty()) std::printf(" %s", r.message.c_str());
    std::printf("\n");
    std::fflush(stdout);
    (r.passed ? passed : failed) += 1;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed > 0 ? 1 : 0;
}

}  // namespace castnet::cli
