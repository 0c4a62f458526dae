// castnet run MODEL [--input NAME=FILE]... [--output-dir DIR]: one inference, outputs summarised
// and optionally written as .npy.
#include "castnet/commands.h"

#include <castnet/castnet.h>
#include <castnet/error.h>

#include "castnet/cli_args.h"
#include "castnet/random_inputs.h"
#include "castnet/tensor_summary.h"
#include "frontend/onnx/tensor_file.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <set>

namespace castnet::cli {
namespace {

const char* kUsage =
    "usage: castnet run MODEL [options]\n"
    "Runs one inference of MODEL (an .onnx file or zoo:NAME) and prints each output's shape and\n"
    "min/max/mean. Inputs not given are filled with deterministic random data.\n"
    "  --input NAME=FILE      input tensor from a .npy or ONNX TensorProto .pb file (repeatable;\n"
    "                         NAME= may be left out when the model has one input)\n"
    "  --output-dir DIR       write each output as DIR/NAME.npy\n";

// An output name as a file name: characters outside [A-Za-z0-9._-] become '_', and names that
// would be special to the file system ("", ".", "..", leading '.') get a '_' prefix.
std::string file_name_for(const std::string& name) {
  std::string s;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    s += ok ? c : '_';
  }
  if (s.empty() || s[0] == '.') s = "_" + s;
  return s;
}

const TensorInfo* find_input(const std::vector<TensorInfo>& inputs, const std::string& name) {
  for (const TensorInfo& i : inputs)
    if (i.name == name) return &i;
  return nullptr;
}

std::string input_names(const std::vector<TensorInfo>& inputs) {
  std::string names;
  for (const TensorInfo& i : inputs) names += (names.empty() ? "inputs: " : ", ") + i.name;
  return names;
}

// The tensors given with --input, checked against what the session expects.
NamedTensors read_given_inputs(const std::vector<std::string>& specs,
                               const std::vector<TensorInfo>& expected) {
  NamedTensors given;
  std::set<std::string> seen;
  for (const std::string& spec : specs) {
    std::string name, path;
    const size_t eq = spec.find('=');
    if (eq != std::string::npos && eq > 0 && find_input(expected, spec.substr(0, eq))) {
      name = spec.substr(0, eq);
      path = spec.substr(eq + 1);
    } else if (eq != std::string::npos && eq > 0 && !std::filesystem::exists(spec)) {
      throw Error("--input '" + spec + "': the model has no input '" + spec.substr(0, eq) + "' (" +
                  input_names(expected) + ")");
    } else if (expected.size() == 1) {
      name = expected[0].name;
      path = spec;
    } else {
      throw Error("--input '" + spec + "': expected NAME=FILE with NAME one of the model's inputs (" +
                  input_names(expected) + ")");
    }
    if (path.empty()) throw Error("--input '" + spec + "': no file given");
    if (!seen.insert(name).second) throw Error("--input: input '" + name + "' given twice");
    const TensorInfo& info = *find_input(expected, name);
    Tensor t = io::read_tensor_file(path);
    if (t.dtype() != info.dtype)
      throw Error("input '" + name + "' has dtype " + dtype_name(t.dtype()) + ", the model expects " +
                  dtype_name(info.dtype), path);
    bool shape_ok = t.shape().size() == info.shape.size();
    for (size_t d = 0; shape_ok && d < info.shape.size(); ++d)
      shape_ok = info.shape[d] < 0 || info.shape[d] == t.shape()[d];
    if (!shape_ok)
      throw Error("input '" + name + "' has shape " + shape_to_string(t.shape()) +
                  ", the model expects " + shape_to_string(info.shape), path);
    given.emplace_back(name, std::move(t));
  }
  return given;
}

}  // namespace

int cmd_run(int argc, char** argv) {
  ArgParser args("run", std::string(kUsage) + kSessionOptionsUsage);
  args.option("--input", /*repeatable=*/true);
  args.option("--output-dir");
  add_session_options(args);
  if (!args.parse(argc, argv)) return 0;
  args.expect_positional(1, 1, "one MODEL (a .onnx file or zoo:NAME)");
  const Options options = session_options(args);

  Model model = Model::load(args.positional()[0]);
  check_session_options(options, model);
  Session session(model, options);
  const std::vector<TensorInfo> expected = session.inputs();

  NamedTensors inputs = read_given_inputs(args.all("--input"), expected);
  for (const TensorInfo& info : expected) {
    bool given = false;
    for (const auto& [name, t] : inputs) given = given || name == info.name;
    if (!given) inputs.emplace_back(info.name, random_input(info));
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<Tensor> outputs = session.run(inputs);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();

  const std::vector<TensorInfo> output_infos = session.outputs();
  const std::string dir = args.get("--output-dir");
  if (!dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw Error("cannot create output directory: " + ec.message(), dir);
  }
  std::set<std::string> used_files;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const std::string name = i < output_infos.size() ? output_infos[i].name : "output" + std::to_string(i);
    std::printf("%s: %s\n", name.c_str(), describe(outputs[i]).c_str());
    if (dir.empty()) continue;
    std::string file = file_name_for(name);
    // Two names that sanitise alike must not overwrite each other.
    for (int k = 1; used_files.count(file); ++k) file = file_name_for(name) + "_" + std::to_string(k);
    used_files.insert(file);
    io::write_npy((std::filesystem::path(dir) / (file + ".npy")).string(), outputs[i]);
  }
  std::printf("inference: %.2f ms\n", ms);
  return 0;
}

}  // namespace castnet::cli
