// An OpKernel whose run is one call into the reference library, with the node's attributes
// captured when the kernel is created. What most reference wrappers need and nothing more.
#pragma once
#include "ops/op_kernel.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>

namespace castnet::ops {

class FunctionKernel final : public OpKernel {
 public:
  using RunFn = std::function<void(const KernelArgs&)>;
  explicit FunctionKernel(RunFn fn) : fn_(std::move(fn)) {}
  std::string algorithm() const override { return "reference"; }
  void run(const KernelArgs& args) const override { fn_(args); }

 private:
  RunFn fn_;
};

inline std::unique_ptr<OpKernel> reference_kernel(FunctionKernel::RunFn fn) {
  return std::make_unique<FunctionKernel>(std::move(fn));
}

}  // namespace castnet::ops
