// What a Session holds: the optimised graph, its plan, the thread pool and the context.
#pragma once
#include <castnet/castnet.h>

#include "core/context.h"
#include "core/thread_pool.h"
#include "ir/graph.h"
#include "plan/plan.h"

#include "core/aligned.h"

#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace castnet {

// Called around each step of a run (the profiler's hook); nullptr for plain runs.
struct StepObserver {
  virtual ~StepObserver() = default;
  virtual void before_step(size_t step_index) {}
  virtual void after_step(size_t step_index) {}
};

class SessionImpl {
 public:
  SessionImpl(const Model& model, const Options& options);

  std::vector<Tensor> run(const NamedTensors& inputs, StepObserver* observer = nullptr) const;

  const ir::Graph& graph() const { return graph_; }
  const plan::Plan& plan() const { return plan_; }
  const Context& context() const { return ctx_; }
  const Options& options() const { return options_; }
  std::vector<TensorInfo> input_infos() const;
  std::vector<TensorInfo> output_infos() const;

 private:
  Options options_;
  ir::Graph graph_;
  std::unique_ptr<ThreadPool> pool_;
  Context ctx_;
  plan::Plan plan_;
  bool poison_ = false;

  // Activation + scratch memory of one run. Reused across runs (fresh allocations would fault
  // their pages in on every run); concurrent runs each take their own from the free list.
  struct RunMemory {
    AlignedBuffer arena, workspace;
  };
  std::unique_ptr<RunMemory> acquire_memory() const;
  void release_memory(std::unique_ptr<RunMemory> m) const;
  mutable std::mutex memory_mu_;
  mutable std::vector<std::unique_ptr<RunMemory>> free_memory_;  // CASTNET_POISON=1: fill activations with NaN before each run
};

}  // namespace castnet
