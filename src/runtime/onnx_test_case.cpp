#include "runtime/onnx_test_case.h"

#include "frontend/onnx/tensor_file.h"
#include "ir/graph.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <optional>
#include <sstream>

namespace castnet {
namespace {

namespace fs = std::filesystem;

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000u | (mantissa << 13);  // inf / NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal half: normalise into a float exponent.
    exponent = 113;
    while (!(mantissa & 0x400)) { mantissa <<= 1; --exponent; }
    bits = sign | (exponent << 23) | ((mantissa & 0x3FF) << 13);
  }
  return std::bit_cast<float>(bits);
}

// Element i of a plain tensor, widened to double for comparison.
double element(const Tensor& t, int64_t i) {
  const size_t k = static_cast<size_t>(i);
  switch (t.dtype()) {
    case DType::f32: return t.data_as<float>()[k];
    case DType::f16: return half_to_float(t.data_as<uint16_t>()[k]);
    case DType::bf16: return std::bit_cast<float>(static_cast<uint32_t>(t.data_as<uint16_t>()[k]) << 16);
    case DType::i8: return t.data_as<int8_t>()[k];
    case DType::u8: return t.data_as<uint8_t>()[k];
    case DType::i32: return t.data_as<int32_t>()[k];
    case DType::i64: return static_cast<double>(t.data_as<int64_t>()[k]);
    case DType::boolean: return t.data_as<uint8_t>()[k] ? 1.0 : 0.0;
  }
  return 0;
}

// test_data_set_0, test_data_set_1, ... in numeric order.
std::vector<fs::path> data_sets(const fs::path& dir) {
  std::vector<std::pair<long, fs::path>> found;
  const std::string prefix = "test_data_set_";
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_directory() || name.rfind(prefix, 0) != 0) continue;
    found.emplace_back(std::strtol(name.c_str() + prefix.size(), nullptr, 10), entry.path());
  }
  std::sort(found.begin(), found.end());
  std::vector<fs::path> out;
  for (auto& f : found) out.push_back(f.second);
  return out;
}

std::string describe(double v) {
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

// Compares one output; returns "" when every element is within tolerance, else why not.
std::string compare_output(const std::string& label, const Tensor& got, const Tensor& want, double rtol,
                           double atol, OnnxTestResult& result) {
  if (got.shape() != want.shape())
    return label + ": shape " + shape_to_string(got.shape()) + ", expected " + shape_to_string(want.shape());
  if (got.dtype() != want.dtype())
    return label + ": dtype " + dtype_name(got.dtype()) + ", expected " + dtype_name(want.dtype());
  if (got.layout().kind != Layout::Kind::plain) return label + ": output is not in plain layout";
  int64_t bad = 0, first_bad = -1;
  for (int64_t i = 0; i < want.numel(); ++i) {
    const double g = element(got, i), w = element(want, i);
    bool ok;
    if (std::isnan(w)) {
      ok = std::isnan(g);
    } else if (std::isinf(w)) {
      ok = g == w;
    } else {
      const double diff = std::fabs(g - w);
      ok = diff <= atol + rtol * std::fabs(w);  // false for a NaN `g`
      if (std::isfinite(diff)) {
        result.max_abs_error = std::max(result.max_abs_error, diff);
        if (w != 0) result.max_rel_error = std::max(result.max_rel_error, diff / std::fabs(w));
      }
    }
    if (!ok && bad++ == 0) first_bad = i;
  }
  if (bad == 0) return "";
  return label + ": " + std::to_string(bad) + " of " + std::to_string(want.numel()) +
         " elements out of tolerance; first at index " + std::to_string(first_bad) + ": got " +
         describe(element(got, first_bad)) + ", expected " + describe(element(want, first_bad)) +
         " (rtol " + describe(rtol) + ", atol " + describe(atol) + ")";
}

// Reads input_K.pb of one data set. Unnamed tensors take the name of the model's K-th input.
NamedTensors read_inputs(const fs::path& set, const std::vector<TensorInfo>& model_inputs) {
  NamedTensors inputs;
  for (size_t k = 0;; ++k) {
    const fs::path file = set / ("input_" + std::to_string(k) + ".pb");
    if (!fs::exists(file)) break;
    std::string name;
    Tensor t = io::read_tensor_pb(file.string(), &name);
    if (name.empty()) {
      if (k >= model_inputs.size())
        throw Error("more input files than the model has inputs (" + std::to_string(model_inputs.size()) + ")",
                    file.string());
      name = model_inputs[k].name;
    }
    inputs.emplace_back(std::move(name), std::move(t));
  }
  return inputs;
}

// castnet needs shape-like operands (Reshape's shape, Slice's starts, Unsqueeze's axes, Pad's
// pads) at load time, while the backend tests feed many of them as graph inputs. For such models
// the integer inputs are bound to this data set's values as initializers, which computes the same
// function. Moves the bound tensors out of `inputs`; returns null if there is nothing to bind.
std::shared_ptr<const ir::Graph> bind_integer_inputs(const ir::Graph& graph, NamedTensors& inputs) {
  auto bound = std::make_shared<ir::Graph>(graph);
  NamedTensors remaining;
  bool any = false;
  for (auto& [name, tensor] : inputs) {
    const ir::ValueId id = bound->find_value(name);
    auto it = std::find(bound->inputs.begin(), bound->inputs.end(), id);
    const bool integer = tensor.dtype() == DType::i64 || tensor.dtype() == DType::i32;
    if (id == ir::kNoValue || it == bound->inputs.end() || !integer) {
      remaining.emplace_back(name, std::move(tensor));
      continue;
    }
    ir::Value& v = bound->value(id);
    v.dtype = tensor.dtype();
    v.shape = tensor.shape();
    v.has_shape = true;
    v.dim_names.assign(v.shape.size(), "");
    v.constant = std::make_shared<const Tensor>(std::move(tensor));
    v.is_initializer = true;
    bound->inputs.erase(it);
    any = true;
  }
  inputs = std::move(remaining);
  return any ? bound : nullptr;
}

}  // namespace

OnnxTestResult run_onnx_test_case(const std::string& dir, const Options& options, double rtol, double atol) {
  OnnxTestResult result;
  fs::path root(dir);
  result.name = (root.has_filename() ? root.filename() : root.parent_path().filename()).string();
  try {
    const fs::path model_path = root / "model.onnx";
    const Model model = Model::load(model_path.string());
    // The model as it is, if castnet can run it so; otherwise each data set binds its integer
    // inputs (see bind_integer_inputs).
    std::optional<Session> plain;
    std::string plain_error;
    try {
      plain.emplace(model, options);
    } catch (const Error& e) {
      plain_error = e.what();
    }
    std::error_code ec;
    if (!fs::is_directory(root, ec)) throw Error("not a directory", dir);
    const std::vector<fs::path> sets = data_sets(root);
    if (sets.empty()) throw Error("no test_data_set_* folders", dir);

    std::vector<std::string> failures;
    for (const fs::path& set : sets) {
      const std::string set_name = set.filename().string();
      NamedTensors inputs = read_inputs(set, model.inputs());
      std::optional<Session> bound_session;
      if (!plain) {
        std::shared_ptr<const ir::Graph> bound = bind_integer_inputs(model.graph(), inputs);
        if (!bound) throw Error(plain_error);
        try {
          bound_session.emplace(Model(bound), options);
        } catch (const Error& e) {
          throw Error(plain_error + "; with integer inputs bound as constants: " + e.what());
        }
      }
      const Session& session = plain ? *plain : *bound_session;
      const std::vector<TensorInfo> output_infos = session.outputs();
      const std::vector<Tensor> outputs = session.run(inputs);
      size_t compared = 0;
      for (size_t k = 0;; ++k, ++compared) {
        const fs::path file = set / ("output_" + std::to_string(k) + ".pb");
        if (!fs::exists(file)) break;
        std::string name;
        const Tensor want = io::read_tensor_pb(file.string(), &name);
        // Expected outputs are matched by name when the file carries one, else by position.
        size_t index = k;
        if (!name.empty()) {
          auto it = std::find_if(output_infos.begin(), output_infos.end(),
                                 [&](const TensorInfo& info) { return info.name == name; });
          if (it != output_infos.end()) index = static_cast<size_t>(it - output_infos.begin());
        } else {
          name = k < output_infos.size() ? output_infos[k].name : "output_" + std::to_string(k);
        }
        if (index >= outputs.size())
          throw Error("expected output '" + name + "' but the model produced only " +
                          std::to_string(outputs.size()) + " outputs",
                      file.string());
        std::string why = compare_output(set_name + " output '" + name + "'", outputs[index], want, rtol, atol, result);
        if (!why.empty()) failures.push_back(why);
      }
      if (compared == 0) throw Error("no output_0.pb to compare with", set.string());
    }
    if (failures.empty()) {
      result.passed = true;
    } else {
      result.message = failures.front();
      if (failures.size() > 1) result.message += " (and " + std::to_string(failures.size() - 1) + " more)";
    }
  } catch (const Error& e) {
    result.message = e.what();
  } catch (const std::exception& e) {
    result.message = std::string("unexpected exception: ") + e.what();
  }
  return result;
}

}  // namespace castnet
