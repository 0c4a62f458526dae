#include "castnet/cli_args.h"

#include <castnet/error.h>

#include "core/cpu_features.h"
#include "ir/graph.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace castnet::cli {

ArgParser::ArgParser(std::string command, std::string usage)
    : command_(std::move(command)), usage_(std::move(usage)) {}

void ArgParser::option(const std::string& name, bool repeatable) { declared_[name] = {repeatable, true}; }
void ArgParser::flag(const std::string& name) { declared_[name] = {false, false}; }

bool ArgParser::parse(int argc, char** argv) {
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      positional_.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    if (arg == "-h" || arg == "--help") {
      std::fputs(usage_.c_str(), stdout);
      return false;
    }
    std::string name = arg, value;
    bool has_value = false;
    if (size_t eq = arg.find('='); eq != std::string::npos && arg.rfind("--", 0) == 0) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      has_value = true;
    }
    auto it = declared_.find(name);
    if (it == declared_.end())
      throw Error("unknown option '" + name + "' for 'castnet " + command_ + "' (see castnet " +
                  command_ + " --help)");
    if (!it->second.takes_value) {
      if (has_value) throw Error("option '" + name + "' takes no value");
    } else if (!has_value) {
      if (i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0)
        throw Error("option '" + name + "' needs a value");
      value = argv[++i];
    }
    std::vector<std::string>& slot = values_[name];
    if (!slot.empty() && !it->second.repeatable) throw Error("option '" + name + "' given more than once");
    slot.push_back(value);
  }
  return true;
}

void ArgParser::expect_positional(size_t min, size_t max, const std::string& what) const {
  const size_t n = positional_.size();
  if (n >= min && n <= max) return;
  if (n < min) throw Error("'castnet " + command_ + "' needs " + what);
  throw Error("'castnet " + command_ + "' takes " + what + ", got unexpected argument '" +
              positional_[max] + "'");
}

bool ArgParser::has(const std::string& name) const { return values_.count(name) != 0; }

std::string ArgParser::get(const std::string& name, const std::string& def) const {
  auto it = values_.find(name);
  return it == values_.end() ? def : it->second.back();
}

const std::vector<std::string>& ArgParser::all(const std::string& name) const {
  static const std::vector<std::string> kNone;
  auto it = values_.find(name);
  return it == values_.end() ? kNone : it->second;
}

int64_t ArgParser::get_int(const std::string& name, int64_t def, int64_t min, int64_t max) const {
  return has(name) ? parse_int(get(name), min, max, name) : def;
}

double ArgParser::get_double(const std::string& name, double def, double min, double max) const {
  if (!has(name)) return def;
  const std::string text = get(name);
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v) ||
      v < min || v > max)
    throw Error(name + ": expected a number from " + std::to_string(min) + " to " +
                std::to_string(max) + ", got '" + text + "'");
  return v;
}

int64_t parse_int(const std::string& text, int64_t min, int64_t max, const std::string& what) {
  int64_t v = 0;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(first, last, v);
  if (text.empty() || ec != std::errc() || ptr != last || v < min || v > max)
    throw Error(what + ": expected an integer from " + std::to_string(min) + " to " +
                std::to_string(max) + ", got '" + text + "'");
  return v;
}

Shape parse_shape(const std::string& text, const std::string& what) {
  Shape shape;
  size_t start = 0;
  while (true) {
    size_t x = text.find('x', start);
    std::string dim = text.substr(start, x == std::string::npos ? std::string::npos : x - start);
    shape.push_back(parse_int(dim, 1, int64_t{1} << 32, what + " dimension"));
    if (x == std::string::npos) break;
    start = x + 1;
  }
  shape_numel(shape);  // rejects shapes whose element count overflows
  return shape;
}

std::pair<std::string, std::string> split_assignment(const std::string& text, const std::string& what) {
  size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
    throw Error(what + ": expected NAME=VALUE, got '" + text + "'");
  return {text.substr(0, eq), text.substr(eq + 1)};
}

void add_session_options(ArgParser& args) {
  args.option("--threads");
  args.option("--isa");
  args.option("--batch");
  args.option("--shape", /*repeatable=*/true);
  args.option("--fuse-level");
  args.option("--fuse-ops");
  args.option("--no-fuse", /*repeatable=*/true);
  args.flag("--autotune");
}

int parse_fuse_level(const std::string& text) {
  const bool o_form = text.size() == 2 && (text[0] == 'O' || text[0] == 'o');
  const std::string digits = o_form ? text.substr(1) : text;
  if (digits.size() != 1 || digits[0] < '0' || digits[0] > '3')
    throw Error("--fuse-level: expected 0..3 or O0..O3, got '" + text + "'");
  return digits[0] - '0';
}

namespace {
// Each item of a "+a,-b" list must name a known pattern; checked here so the message names the
// option rather than surfacing from inside Session creation. Empty items are skipped, as the
// library does.
void check_fuse_ops(const std::string& list) {
  const auto patterns = fusion_patterns();
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = list.find(',', start);
    std::string item = list.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    start = comma == std::string::npos ? list.size() + 1 : comma + 1;
    if (item.empty()) continue;
    if (item[0] == '+' || item[0] == '-') item.erase(0, 1);
    if (item.empty()) throw Error("--fuse-ops: a sign without a pattern name in '" + list + "'");
    bool known = false;
    std::string names;
    for (const auto& [name, level] : patterns) {
      known = known || name == item;
      names += (names.empty() ? "" : ", ") + name;
    }
    if (!known) throw Error("--fuse-ops: unknown fusion pattern '" + item + "' (known: " + names + ")");
  }
}
}  // namespace

std::string fusion_patterns_usage() {
  std::string s = "fusion patterns (--fuse-ops):";
  for (const auto& [name, level] : fusion_patterns()) s += " " + name + " (O" + std::to_string(level) + ")";
  return s + "\n";
}

Options session_options(const ArgParser& args) {
  Options o;
  o.threads = static_cast<int>(args.get_int("--threads", 0, 1, 1024));
  if (args.has("--isa")) {
    o.isa = args.get("--isa");
    parse_isa(o.isa);  // an unknown name fails here, with the list of valid ones
  }
  o.batch = args.get_int("--batch", 0, 1, 1 << 20);
  for (const std::string& s : args.all("--shape")) {
    auto [name, dims] = split_assignment(s, "--shape");
    if (o.input_shapes.count(name)) throw Error("--shape: input '" + name + "' given twice");
    o.input_shapes[name] = parse_shape(dims, "--shape " + name);
  }
  if (args.has("--fuse-level")) o.fuse_level = parse_fuse_level(args.get("--fuse-level"));
  o.autotune = args.has("--autotune");
  if (args.has("--fuse-ops")) {
    o.fuse_ops = args.get("--fuse-ops");
    check_fuse_ops(o.fuse_ops);
  }
  for (const std::string& node : args.all("--no-fuse")) {
    if (node.empty()) throw Error("--no-fuse: empty node name");
    o.no_fuse.push_back(node);
  }
  return o;
}

void check_session_options(const Options& options, const Model& model) {
  for (const std::string& name : options.no_fuse) {
    bool found = false;
    for (const ir::Node& n : model.graph().nodes) found = found || n.name == name;
    if (!found) throw Error("--no-fuse: the model has no node named '" + name + "'");
  }
}

}  // namespace castnet::cli
