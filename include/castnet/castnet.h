// castnet public C++ API.
//
//   castnet::Model model = castnet::Model::load("resnet50.onnx");   // or "zoo:resnet50"
//   castnet::Session session(model, {.threads = 2});
//   castnet::Tensor x(castnet::DType::f32, {1, 3, 224, 224});
//   std::vector<castnet::Tensor> y = session.run({{"input", x}});
//
// A Session is immutable after construction: run() may be called from several threads at once,
// each call gets its own activation memory.
#pragma once
#include <castnet/dtype.h>
#include <castnet/error.h>
#include <castnet/tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace castnet {

namespace ir { struct Graph; }

struct TensorInfo {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;                         // -1 marks a dimension not known until a session fixes it
  std::vector<std::string> dim_names;  // symbolic names ("batch", "N"), empty where fixed
};

struct Options {
  int threads = 0;           // worker threads; 0 = one per hardware thread
  std::string isa;           // "", "avx512", "avx2", "generic" or "reference"; "" = best the CPU has
                             // (the CASTNET_ISA environment variable is used when this is empty)
  int64_t batch = 0;         // > 0: overrides the first dimension of every input
  std::map<std::string, Shape> input_shapes;  // full shape overrides, by input name
  bool verbose = false;      // print each chosen algorithm (also CASTNET_VERBOSE=1)
  // Graph rewriting. Level 0: none; 1: fold_batchnorm, conv_add, conv_activation; 2: + block
  // fusion (depthwise-separable, inverted residual); 3: + whole-block patterns that measure
  // faster (none today: bottleneck fusion measured slower here and is opt-in, "+bottleneck").
  // The reference ISA always runs the graph as written.
  int fuse_level = 3;
  // Patterns to switch on or off on top of the level: comma-separated names, each optionally
  // prefixed '-' (off) or '+' (on), e.g. "-conv_add". See fusion_patterns().
  std::string fuse_ops;
  // Nodes (by name) that no rewrite may touch, e.g. the classifier head.
  std::vector<std::string> no_fuse;
  // Choose each layer's algorithm by timing the candidates once (also CASTNET_AUTOTUNE=1), the
  // choice cached on disk per (layer shape, ISA, threads) in $CASTNET_AUTOTUNE_CACHE, else
  // $XDG_CACHE_HOME/castnet/autotune.tsv, else ~/.cache/castnet/autotune.tsv. Off: cost rules.
  bool autotune = false;
};

// The fusion patterns Options::fuse_ops can name, with the level that enables each.
std::vector<std::pair<std::string, int>> fusion_patterns();

class Model {
 public:
  // Loads an ONNX file, or a built-in model named "zoo:<name>" (see zoo_names()).
  static Model load(const std::string& path_or_zoo);
  static Model from_zoo(const std::string& name, int64_t batch = 1, uint64_t seed = 1);
  static std::vector<std::string> zoo_names();

  void save_onnx(const std::string& path) const;

  const std::string& name() const;
  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;

  // Internal representation, for tools and tests inside the project.
  const ir::Graph& graph() const { return *graph_; }
  explicit Model(std::shared_ptr<const ir::Graph> graph) : graph_(std::move(graph)) {}

 private:
  std::shared_ptr<const ir::Graph> graph_;
};

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class SessionImpl;

class Session {
 public:
  explicit Session(const Model& model, const Options& options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;

  std::vector<TensorInfo> inputs() const;   // concrete shapes for this session
  std::vector<TensorInfo> outputs() const;

  // Runs one inference. Inputs are matched by name; outputs come back in graph output order,
  // in plain layout. Thread-safe.
  std::vector<Tensor> run(const NamedTensors& inputs) const;

  // Internals, for tools (info, profile) inside the project.
  const SessionImpl& impl() const { return *impl_; }

 private:
  std::unique_ptr<SessionImpl> impl_;
};

}  // namespace castnet
