#include "ir/graph.h"

#include <castnet/error.h>

#include <algorithm>

namespace castnet::ir {

bool Value::shape_is_concrete() const {
  if (!has_shape) return false;
  return std::all_of(shape.begin(), shape.end(), [](int64_t d) { return d >= 0; });
}

ValueId Graph::add_value(Value v) {
  if (v.name.empty()) v.name = "_v" + std::to_string(values.size());
  if (index_.count(v.name)) fail("value '" + v.name + "' is defined twice");
  ValueId id = static_cast<ValueId>(values.size());
  index_[v.name] = id;
  values.push_back(std::move(v));
  return id;
}

ValueId Graph::add_derived_value(const std::string& base, DType dtype) {
  std::string name = base;
  for (int k = 1; index_.count(name); ++k) name = base + "_" + std::to_string(k);
  Value v;
  v.name = name;
  v.dtype = dtype;
  return add_value(std::move(v));
}

ValueId Graph::find_value(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? kNoValue : it->second;
}

std::vector<int> Graph::producers() const {
  std::vector<int> p(values.size(), -1);
  for (size_t n = 0; n < nodes.size(); ++n)
    for (ValueId o : nodes[n].outputs)
      if (o != kNoValue) p[static_cast<size_t>(o)] = static_cast<int>(n);
  return p;
}

std::vector<std::vector<int>> Graph::consumers() const {
  std::vector<std::vector<int>> c(values.size());
  for (size_t n = 0; n < nodes.size(); ++n)
    for (ValueId i : nodes[n].inputs)
      if (i != kNoValue) c[static_cast<size_t>(i)].push_back(static_cast<int>(n));
  return c;
}

void Graph::fail(const std::string& reason, const std::string& node) const {
  throw Error(reason, source, node);
}

void Graph::verify_and_sort() {
  const size_t nv = values.size();
  std::vector<int> producer(nv, -1);
  std::vector<char> defined(nv, 0);  // graph input or constant
  for (ValueId id : inputs) {
    if (id < 0 || static_cast<size_t>(id) >= nv) fail("graph input id out of range");
    defined[static_cast<size_t>(id)] = 1;
  }
  for (size_t v = 0; v < nv; ++v)
    if (values[v].constant) defined[v] = 1;

  for (size_t n = 0; n < nodes.size(); ++n) {
    const Node& node = nodes[n];
    bool any_output = false;
    for (ValueId o : node.outputs) {
      if (o == kNoValue) continue;
      if (o < 0 || static_cast<size_t>(o) >= nv) fail("output id out of range", node.name);
      any_output = true;
      size_t ou = static_cast<size_t>(o);
      if (defined[ou])
        fail("value '" + values[ou].name + "' is both an input/initializer and produced by a node", node.name);
      if (producer[ou] >= 0)
        fail("value '" + values[ou].name + "' is produced twice (also by node '" +
             nodes[static_cast<size_t>(producer[ou])].name + "')", node.name);
      producer[ou] = static_cast<int>(n);
    }
    if (!any_output) fail("node has no outputs", node.name);
  }
  for (const Node& node : nodes)
    for (ValueId i : node.inputs) {
      if (i == kNoValue) continue;
      if (i < 0 || static_cast<size_t>(i) >= nv) fail("input id out of range", node.name);
      size_t iu = static_cast<size_t>(i);
      if (!defined[iu] && producer[iu] < 0)
        fail("input '" + values[iu].name + "' is not defined by any node, graph input or initializer", node.name);
    }
  for (ValueId o : outputs) {
    if (o < 0 || static_cast<size_t>(o) >= nv) fail("graph output id out of range");
    size_t ou = static_cast<size_t>(o);
    if (!defined[ou] && producer[ou] < 0) fail("graph output '" + values[ou].name + "' is never produced");
  }

  // Kahn's algorithm, stable: among ready nodes the earliest in file order goes first.
  std::vector<int> indegree(nodes.size(), 0);
  std::vector<std::vector<int>> users(nodes.size());
  for (size_t n = 0; n < nodes.size(); ++n)
    for (ValueId i : nodes[n].inputs) {
      if (i == kNoValue) continue;
      int p = producer[static_cast<size_t>(i)];
      if (p >= 0) { ++indegree[n]; users[static_cast<size_t>(p)].push_back(static_cast<int>(n)); }
    }
  std::vector<int> order;
  order.reserve(nodes.size());
  std::vector<int> ready;
  for (size_t n = 0; n < nodes.size(); ++n)
    if (indegree[n] == 0) ready.push_back(static_cast<int>(n));
  std::make_heap(ready.begin(), ready.end(), std::greater<int>());
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), std::greater<int>());
    int n = ready.back();
    ready.pop_back();
    order.push_back(n);
    for (int u : users[static_cast<size_t>(n)])
      if (--indegree[static_cast<size_t>(u)] == 0) {
        ready.push_back(u);
        std::push_heap(ready.begin(), ready.end(), std::greater<int>());
      }
  }
  if (order.size() != nodes.size()) {
    for (size_t n = 0; n < nodes.size(); ++n)
      if (indegree[n] > 0) fail("the graph has a cycle through this node", nodes[n].name);
  }
  std::vector<Node> sorted;
  sorted.reserve(nodes.size());
  for (int n : order) sorted.push_back(std::move(nodes[static_cast<size_t>(n)]));
  nodes = std::move(sorted);
}

void Graph::erase_nodes(const std::vector<char>& removed) {
  std::vector<Node> kept;
  kept.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i)
    if (i >= removed.size() || !removed[i]) kept.push_back(std::move(nodes[i]));
  nodes = std::move(kept);
}

int Graph::remove_dead_nodes() {
  int removed = 0;
  for (;;) {
    std::vector<char> needed(values.size(), 0);
    for (ValueId o : outputs) needed[static_cast<size_t>(o)] = 1;
    for (const Node& n : nodes)
      for (ValueId i : n.inputs)
        if (i != kNoValue) needed[static_cast<size_t>(i)] = 1;
    size_t before = nodes.size();
    std::erase_if(nodes, [&](const Node& n) {
      return std::none_of(n.outputs.begin(), n.outputs.end(),
                          [&](ValueId o) { return o != kNoValue && needed[static_cast<size_t>(o)]; });
    });
    if (nodes.size() == before) return removed;
    removed += static_cast<int>(before - nodes.size());
  }
}

}  // namespace castnet::ir
