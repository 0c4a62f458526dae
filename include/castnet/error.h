// castnet::Error — the one exception type the library throws for bad input or misuse.
#pragma once
#include <stdexcept>
#include <string>

namespace castnet {

// Carries where the problem is (a file, a node) and why, so tools can print one line:
//   castnet: error: model.onnx: node 'conv1' (Conv): kernel_shape [3,3] does not match weights [7,7]
class Error : public std::runtime_error {
 public:
  explicit Error(std::string reason, std::string file = {}, std::string node = {});

  const std::string& reason() const noexcept { return reason_; }
  const std::string& file() const noexcept { return file_; }
  const std::string& node() const noexcept { return node_; }

  // A copy with the file (and node, if not yet set) filled in; used as errors cross layers.
  Error with_file(const std::string& file) const;
  Error with_node(const std::string& node) const;

 private:
  std::string reason_, file_, node_;
};

}  // namespace castnet
