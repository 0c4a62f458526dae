// Option parsing shared by the castnet subcommands. Each command declares its options; anything
// undeclared, a missing value or a malformed number is a castnet::Error, which main turns into
// `castnet: error: ...` and exit code 2.
#pragma once
#include <castnet/castnet.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace castnet::cli {

class ArgParser {
 public:
  // `command` names the subcommand in messages; `usage` is printed for -h / --help.
  ArgParser(std::string command, std::string usage);

  // Declares an option that takes a value ("--threads", "-o"). Accepted as `--name VALUE` and
  // `--name=VALUE`; unless `repeatable`, giving it twice is an error.
  void option(const std::string& name, bool repeatable = false);
  // Declares an option that takes no value ("--graph"); has() says whether it was given.
  void flag(const std::string& name);

  // Parses argv[1..argc) (argv[0] is the command's own name). Returns false when help was asked
  // for (the usage has been printed; the command should exit 0).
  bool parse(int argc, char** argv);

  const std::vector<std::string>& positional() const { return positional_; }
  // Exactly `min`..`max` positional arguments, else an error naming what was expected.
  void expect_positional(size_t min, size_t max, const std::string& what) const;

  bool has(const std::string& name) const;
  std::string get(const std::string& name, const std::string& def = {}) const;
  const std::vector<std::string>& all(const std::string& name) const;
  int64_t get_int(const std::string& name, int64_t def, int64_t min, int64_t max) const;
  double get_double(const std::string& name, double def, double min, double max) const;

  const std::string& command() const { return command_; }

 private:
  std::string command_, usage_;
  struct Declared {
    bool repeatable = false;
    bool takes_value = true;
  };
  std::map<std::string, Declared> declared_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positional_;
};

// The options every command that builds a Session takes.
inline constexpr const char* kSessionOptionsUsage =
    "  --threads N            worker threads (default: one per hardware thread)\n"
    "  --isa NAME             reference | generic | avx2 | avx512 (default: best available)\n"
    "  --batch N              override the first dimension of every input\n"
    "  --shape NAME=DIMS      override one input's shape, e.g. input=1x3x224x224 (repeatable)\n"
    "  --fuse-level N         graph rewriting 0..3 (or O0..O3; default 3): 0 none, 1 BatchNorm folding\n"
    "                         and conv epilogues (bias, residual add, activation), 2 + block fusion,\n"
    "                         3 + bottleneck fusion\n"
    "  --fuse-ops LIST        switch fusion patterns on (+NAME) or off (-NAME) on top of the level,\n"
    "                         comma-separated, e.g. -conv_add (castnet info --help lists them)\n"
    "  --no-fuse NODE         keep node NODE out of every rewrite (repeatable)\n"
    "  --autotune             time each layer's candidate algorithms once and keep the fastest; choices\n"
    "                         cached in $CASTNET_AUTOTUNE_CACHE (default ~/.cache/castnet/autotune.tsv)\n";
void add_session_options(ArgParser& args);
Options session_options(const ArgParser& args);
// Every --no-fuse name must be a node of the model (a misspelt name would silently do nothing).
void check_session_options(const Options& options, const Model& model);
// "fusion patterns (--fuse-ops): fold_batchnorm (level 1), ..." for usage texts.
std::string fusion_patterns_usage();
// "2", "O2" or "o2" -> 2; anything else outside 0..3 is an error.
int parse_fuse_level(const std::string& text);

// Parses a decimal integer in [min, max]; `what` names it in the error.
int64_t parse_int(const std::string& text, int64_t min, int64_t max, const std::string& what);
// "1x3x224x224" -> {1, 3, 224, 224}; every dimension positive.
Shape parse_shape(const std::string& text, const std::string& what);
// "NAME=VALUE" -> {NAME, VALUE}; both non-empty.
std::pair<std::string, std::string> split_assignment(const std::string& text, const std::string& what);

}  // namespace castnet::cli
