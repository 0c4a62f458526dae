#include <castnet/castnet.h>

#include "frontend/onnx/onnx_reader.h"
#include "frontend/onnx/onnx_writer.h"
#include "ir/graph.h"
#include "zoo/zoo.h"

namespace castnet {
namespace {
TensorInfo info_of(const ir::Value& v) {
  TensorInfo t;
  t.name = v.name;
  t.dtype = v.dtype;
  t.shape = v.shape;
  t.dim_names = v.dim_names;
  return t;
}
}  // namespace

Model Model::load(const std::string& path_or_zoo) {
  static const std::string kZoo = "zoo:";
  if (path_or_zoo.rfind(kZoo, 0) == 0) return from_zoo(path_or_zoo.substr(kZoo.size()));
  return Model(onnx_import::load_onnx_file(path_or_zoo));
}

Model Model::from_zoo(const std::string& name, int64_t batch, uint64_t seed) {
  return Model(zoo::build(name, batch, seed));
}

std::vector<std::string> Model::zoo_names() {
  std::vector<std::string> names;
  for (const auto& e : zoo::list()) names.push_back(e.name);
  return names;
}

void Model::save_onnx(const std::string& path) const { onnx_export::save_onnx_file(*graph_, path); }

const std::string& Model::name() const { return graph_->name; }

std::vector<TensorInfo> Model::inputs() const {
  std::vector<TensorInfo> r;
  for (ir::ValueId id : graph_->inputs) r.push_back(info_of(graph_->value(id)));
  return r;
}

std::vector<TensorInfo> Model::outputs() const {
  std::vector<TensorInfo> r;
  for (ir::ValueId id : graph_->outputs) r.push_back(info_of(graph_->value(id)));
  return r;
}

}  // namespace castnet
