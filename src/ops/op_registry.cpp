#include "ops/op_registry.h"

#include <deque>
#include <map>
#include <mutex>

namespace castnet::ops {
namespace {
struct Registry {
  std::mutex mu;
  std::deque<OpImplementation> storage;  // stable addresses
  std::map<std::string, std::vector<const OpImplementation*>> by_op;
};

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;
    std::vector<OpImplementation> fast, ref;
    add_fast_implementations(fast);
    add_reference_implementations(ref);
    for (auto* list : {&fast, &ref})
      for (auto& impl : *list) {
        reg->storage.push_back(std::move(impl));
        reg->by_op[reg->storage.back().op_type].push_back(&reg->storage.back());
      }
    return reg;
  }();
  return *r;
}
}  // namespace

std::vector<const OpImplementation*> implementations_for(const std::string& op_type) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.by_op.find(op_type);
  return it == r.by_op.end() ? std::vector<const OpImplementation*>{} : it->second;
}

void register_implementation(OpImplementation impl) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  r.storage.push_back(std::move(impl));
  auto& list = r.by_op[r.storage.back().op_type];
  list.insert(list.begin(), &r.storage.back());
}

}  // namespace castnet::ops
