#include "castnet/cli_args.h"

#include <castnet/error.h>

#include "core/cpu_features.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace castnet::cli {

ArgParser::ArgParser(std::string command, std::string usage)
    : command_(std::move(command)), usage_(std::move(usage)) {}

void ArgParser::option(const std::string& name, bool repeatable) { declared_[name] = repeatable; }

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
    if (!has_value) {
      if (i + 1 >= argc || std::string(argv[i + 1]).rfind("--", 0) == 0)
        throw Error("option '" + name + "' needs a value");
      value = argv[++i];
    }
    std::vector<std::string>& slot = values_[name];
    if (!slot.empty() && !it->second) throw Error("option '" + name + "' given more than once");
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
  return o;
}

}  // namespace castnet::cli
