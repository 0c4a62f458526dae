// A custom operator: registers "Swish" (y = x * sigmoid(beta * x)) in the domain "example",
// writes a small ONNX model that uses it between built-in ops, loads and runs it with castnet,
// and checks the result against the same model written with the built-in Sigmoid and Mul.
//
//   example_custom_op [MODEL_OUT.onnx]
//
// The model is built with the ONNX protobuf API, as a converter or exporter would; castnet itself
// only needs the operator registered before the Session is created.
#include <castnet/castnet.h>
#include <castnet/custom_op.h>

#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace {

constexpr float kBeta = 1.5f;
constexpr int64_t kChannels = 8, kSize = 6;

void register_swish() {
  castnet::CustomOp swish;
  swish.op_type = "Swish";
  swish.domain = "example";
  swish.algorithm = "example_swish";
  // Shape and dtype: the output is like the input. Checked once, when a Session is created.
  swish.infer = [](castnet::OpInferContext& ctx) {
    if (ctx.input_dtype(0) != castnet::DType::f32) ctx.fail("Swish is implemented for f32 only");
    ctx.set_output(0, castnet::DType::f32, ctx.input_shape(0));
  };
  // The kernel: plain row-major data in and out. It may run on several threads at once (one per
  // concurrent Session::run), so it keeps no state of its own; parallel_for spreads one call over
  // the session's thread pool.
  swish.compute = [](const castnet::OpKernelContext& ctx) {
    const float beta = ctx.attributes().get_float("beta", 1.0f);
    const float* x = ctx.input(0).as<const float>();
    float* y = ctx.output(0).as<float>();
    ctx.parallel_for(ctx.output(0).numel(), [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) y[i] = x[i] / (1.0f + std::exp(-beta * x[i]));
    }, /*grain=*/1024);
  };
  castnet::register_custom_op(std::move(swish));
}

// ---- a small ONNX model: x -> Conv 3x3 -> Swish -> GlobalAveragePool -> y -------------------------

void declare(onnx::ValueInfoProto* info, const std::string& name, const std::vector<int64_t>& dims) {
  info->set_name(name);
  auto* tensor = info->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) tensor->mutable_shape()->add_dim()->set_dim_value(d);
}

void add_initializer(onnx::GraphProto* g, const std::string& name, const std::vector<int64_t>& dims,
                     const std::vector<float>& values) {
  onnx::TensorProto* t = g->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  for (float v : values) t->add_float_data(v);
}

onnx::NodeProto* add_node(onnx::GraphProto* g, const std::string& op, const std::vector<std::string>& inputs,
                          const std::string& output, const std::string& domain = "") {
  onnx::NodeProto* n = g->add_node();
  n->set_name(output);
  n->set_op_type(op);
  if (!domain.empty()) n->set_domain(domain);
  for (const std::string& i : inputs) n->add_input(i);
  n->add_output(output);
  return n;
}

// With `custom` the activation is one example.Swish node; without, the same function from
// built-in ops (Mul by beta, Sigmoid, Mul), to check the custom kernel against.
std::string model_bytes(bool custom) {
  onnx::ModelProto m;
  m.set_ir_version(8);
  m.set_producer_name("castnet example_custom_op");
  auto* onnx_opset = m.add_opset_import();
  onnx_opset->set_domain("");
  onnx_opset->set_version(17);
  if (custom) {
    auto* example_opset = m.add_opset_import();
    example_opset->set_domain("example");
    example_opset->set_version(1);
  }
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name(custom ? "swish_custom" : "swish_builtin");
  declare(g->add_input(), "x", {1, 3, kSize, kSize});
  declare(g->add_output(), "y", {1, kChannels, 1, 1});

  std::vector<float> w(static_cast<size_t>(kChannels * 3 * 3 * 3)), b(static_cast<size_t>(kChannels));
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>(static_cast<int>(i * 37 % 23) - 11) / 16.0f;
  for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>(i) / 8.0f - 0.5f;
  add_initializer(g, "w", {kChannels, 3, 3, 3}, w);
  add_initializer(g, "b", {kChannels}, b);

  onnx::NodeProto* conv = add_node(g, "Conv", {"x", "w", "b"}, "conv");
  auto* pads = conv->add_attribute();
  pads->set_name("pads");
  pads->set_type(onnx::AttributeProto::INTS);
  for (int i = 0; i < 4; ++i) pads->add_ints(1);

  if (custom) {
    onnx::NodeProto* swish = add_node(g, "Swish", {"conv"}, "act", "example");
    auto* beta = swish->add_attribute();
    beta->set_name("beta");
    beta->set_type(onnx::AttributeProto::FLOAT);
    beta->set_f(kBeta);
  } else {
    add_initializer(g, "beta", {}, {kBeta});
    add_node(g, "Mul", {"conv", "beta"}, "scaled");
    add_node(g, "Sigmoid", {"scaled"}, "gate");
    add_node(g, "Mul", {"conv", "gate"}, "act");
  }
  add_node(g, "GlobalAveragePool", {"act"}, "y");
  return m.SerializeAsString();
}

void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << bytes;
  if (!f) throw castnet::Error("cannot write " + path);
}

std::vector<float> run(const std::string& path, const castnet::Tensor& x) {
  castnet::Options options;
  options.threads = 2;
  castnet::Session session(castnet::Model::load(path), options);
  castnet::Tensor y = session.run({{"x", x}}).at(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.numel());
}

}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  try {
    register_swish();
    const std::string custom_path =
        argc > 1 ? argv[1] : (fs::temp_directory_path() / "castnet_example_swish.onnx").string();
    const std::string builtin_path = custom_path + ".builtin.onnx";
    write_file(custom_path, model_bytes(true));
    write_file(builtin_path, model_bytes(false));

    castnet::Tensor x(castnet::DType::f32, {1, 3, kSize, kSize});
    for (int64_t i = 0; i < x.numel(); ++i) x.data_as<float>()[i] = static_cast<float>(i % 13) / 6.0f - 1.0f;
    const std::vector<float> custom = run(custom_path, x);
    const std::vector<float> builtin = run(builtin_path, x);
    fs::remove(builtin_path);

    double max_diff = 0;
    std::printf("%-8s %12s %12s\n", "channel", "example.Swish", "Sigmoid*Mul");
    for (size_t c = 0; c < custom.size(); ++c) {
      std::printf("%-8zu %12.6f %12.6f\n", c, custom[c], builtin[c]);
      max_diff = std::fmax(max_diff, std::fabs(static_cast<double>(custom[c]) - builtin[c]));
    }
    std::printf("model with the custom op: %s\nmax |difference|: %.3g\n", custom_path.c_str(), max_diff);
    return max_diff <= 1e-5 ? 0 : 1;
  } catch (const castnet::Error& e) {
    std::fprintf(stderr, "example_custom_op: error: %s\n", e.what());
    return 2;
  }
}
