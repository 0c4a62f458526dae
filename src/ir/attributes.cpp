#include "ir/attributes.h"

#include <castnet/error.h>

namespace castnet::ir {
namespace {
const char* kind_name(Attribute::Kind k) {
  switch (k) {
    case Attribute::Kind::i: return "int";
    case Attribute::Kind::f: return "float";
    case Attribute::Kind::s: return "string";
    case Attribute::Kind::ints: return "ints";
    case Attribute::Kind::floats: return "floats";
    case Attribute::Kind::strings: return "strings";
    case Attribute::Kind::tensor: return "tensor";
  }
  return "?";
}
const Attribute* expect(const std::map<std::string, Attribute>& m, const std::string& name,
                        Attribute::Kind kind) {
  auto it = m.find(name);
  if (it == m.end()) return nullptr;
  if (it->second.kind != kind)
    throw Error("attribute '" + name + "' is " + kind_name(it->second.kind) + ", expected " + kind_name(kind));
  return &it->second;
}
}  // namespace

void Attributes::set_int(const std::string& n, int64_t v) { Attribute a; a.kind = Attribute::Kind::i; a.i = v; map_[n] = a; }
void Attributes::set_float(const std::string& n, float v) { Attribute a; a.kind = Attribute::Kind::f; a.f = v; map_[n] = a; }
void Attributes::set_string(const std::string& n, std::string v) { Attribute a; a.kind = Attribute::Kind::s; a.s = std::move(v); map_[n] = a; }
void Attributes::set_ints(const std::string& n, std::vector<int64_t> v) { Attribute a; a.kind = Attribute::Kind::ints; a.ints = std::move(v); map_[n] = a; }
void Attributes::set_floats(const std::string& n, std::vector<float> v) { Attribute a; a.kind = Attribute::Kind::floats; a.floats = std::move(v); map_[n] = a; }
void Attributes::set_tensor(const std::string& n, std::shared_ptr<const Tensor> t) { Attribute a; a.kind = Attribute::Kind::tensor; a.t = std::move(t); map_[n] = a; }

int64_t Attributes::get_int(const std::string& n, int64_t def) const {
  const Attribute* a = expect(map_, n, Attribute::Kind::i);
  return a ? a->i : def;
}
float Attributes::get_float(const std::string& n, float def) const {
  const Attribute* a = expect(map_, n, Attribute::Kind::f);
  return a ? a->f : def;
}
std::string Attributes::get_string(const std::string& n, const std::string& def) const {
  const Attribute* a = expect(map_, n, Attribute::Kind::s);
  return a ? a->s : def;
}
std::vector<int64_t> Attributes::get_ints(const std::string& n, const std::vector<int64_t>& def) const {
  const Attribute* a = expect(map_, n, Attribute::Kind::ints);
  return a ? a->ints : def;
}
std::vector<float> Attributes::get_floats(const std::string& n, const std::vector<float>& def) const {
  const Attribute* a = expect(map_, n, Attribute::Kind::floats);
  return a ? a->floats : def;
}
std::shared_ptr<const Tensor> Attributes::get_tensor(const std::string& n) const {
  const Attribute* a = expect(map_, n, Attribute::Kind::tensor);
  return a ? a->t : nullptr;
}
const Attribute* Attributes::find(const std::string& n) const {
  auto it = map_.find(n);
  return it == map_.end() ? nullptr : &it->second;
}

}  // namespace castnet::ir
