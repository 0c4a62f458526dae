// The graph a Session actually runs (after folding, fusion and layout assignment), for
// `castnet info --graph` (text) and `--dot FILE` (Graphviz).
#pragma once
#include <cstddef>
#include <string>

namespace castnet {
class SessionImpl;
}

namespace castnet::cli {

struct StepCounts {
  size_t steps = 0;          // plan steps
  size_t reorders = 0;       // of which castnet.Reorder (layout conversions)
  size_t kernels = 0;        // the rest: steps that compute
  size_t fused_members = 0;  // original nodes absorbed into another step (Node::fused)
};
StepCounts count_steps(const SessionImpl& session);

// One entry per step: name, op type (domain-qualified outside the default domain), algorithm,
// inputs -> outputs with shapes and layouts, and the nodes fused into it.
std::string session_graph_text(const SessionImpl& session);

// One DOT node per step (reorders dashed and grey, fused steps listing their members), the
// graph's inputs and outputs as ellipses, one edge per (value, reader) labelled with the value's
// shape and, when not plain, its layout. Constants (weights) are left out.
std::string session_graph_dot(const SessionImpl& session);

}  // namespace castnet::cli
