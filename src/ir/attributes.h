// Node attributes (ONNX AttributeProto, reduced to what inference needs).
#pragma once
#include <castnet/tensor.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace castnet::ir {

struct Attribute {
  enum class Kind : uint8_t { i, f, s, ints, floats, strings, tensor };
  Kind kind = Kind::i;
  int64_t i = 0;
  float f = 0.f;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  std::vector<std::string> strings;
  std::shared_ptr<const Tensor> t;
};

// Typed lookups. A present attribute of the wrong kind throws castnet::Error naming it; the
// caller (shape inference) adds the node name.
class Attributes {
 public:
  bool has(const std::string& name) const { return map_.count(name) != 0; }
  void set(const std::string& name, Attribute a) { map_[name] = std::move(a); }
  void set_int(const std::string& name, int64_t v);
  void set_float(const std::string& name, float v);
  void set_string(const std::string& name, std::string v);
  void set_ints(const std::string& name, std::vector<int64_t> v);
  void set_floats(const std::string& name, std::vector<float> v);
  void set_tensor(const std::string& name, std::shared_ptr<const Tensor> t);
  void erase(const std::string& name) { map_.erase(name); }

  int64_t get_int(const std::string& name, int64_t def) const;
  float get_float(const std::string& name, float def) const;
  std::string get_string(const std::string& name, const std::string& def) const;
  std::vector<int64_t> get_ints(const std::string& name, const std::vector<int64_t>& def = {}) const;
  std::vector<float> get_floats(const std::string& name, const std::vector<float>& def = {}) const;
  std::shared_ptr<const Tensor> get_tensor(const std::string& name) const;  // null if absent
  const Attribute* find(const std::string& name) const;

  const std::map<std::string, Attribute>& all() const { return map_; }

 private:
  std::map<std::string, Attribute> map_;
};

}  // namespace castnet::ir
