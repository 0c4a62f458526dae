#include "zoo/zoo.h"
#include <castnet/error.h>
namespace castnet::zoo {  // STUB: to be written
std::vector<ZooEntry> list() { return {}; }
std::shared_ptr<ir::Graph> build(const std::string& name, int64_t, uint64_t) { throw Error("unknown zoo model '" + name + "'"); }
}  // namespace castnet::zoo
