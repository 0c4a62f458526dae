#include <castnet/error.h>

namespace castnet {
namespace {
std::string compose(const std::string& reason, const std::string& file, const std::string& node) {
  std::string s;
  if (!file.empty()) s += file + ": ";
  if (!node.empty()) s += "node '" + node + "': ";
  return s + reason;
}
}  // namespace

Error::Error(std::string reason, std::string file, std::string node)
    : std::runtime_error(compose(reason, file, node)),
      reason_(std::move(reason)), file_(std::move(file)), node_(std::move(node)) {}

Error Error::with_file(const std::string& file) const {
  return file_.empty() ? Error(reason_, file, node_) : *this;
}
Error Error::with_node(const std::string& node) const {
  return node_.empty() ? Error(reason_, file_, node) : *this;
}

}  // namespace castnet
