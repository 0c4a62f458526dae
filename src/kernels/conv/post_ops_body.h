// The post-ops of every convolution microkernel (bias and residual are added by the kernels;
// this applies the activation), over vector traits V. Included inside an anonymous namespace by
// each ISA file (see conv_nchwc_ukernel_body.h); requires <cmath> and conv_nchwc_ukernel.h.

#pragma once

template <class V>
inline typename V::Reg apply_activation(typename V::Reg x, const castnet::kernels::ConvPostOps& p) {
  using castnet::kernels::Activation;
  switch (p.activation) {
    case Activation::none: return x;
    case Activation::relu: return V::max(x, V::zero());
    case Activation::clip: return V::min(V::max(x, V::set1(p.alpha)), V::set1(p.beta));
    case Activation::leaky_relu:
      return V::add(V::max(x, V::zero()), V::mul(V::set1(p.alpha), V::min(x, V::zero())));
    case Activation::hard_sigmoid:
      return V::min(V::max(V::fma(x, V::set1(p.alpha), V::set1(p.beta)), V::zero()), V::set1(1.f));
    case Activation::hard_swish: {
      auto gate = V::min(V::max(V::fma(x, V::set1(1.f / 6.f), V::set1(0.5f)), V::zero()), V::set1(1.f));
      return V::mul(x, gate);
    }
    case Activation::sigmoid: {
      alignas(64) float lanes[V::kLanes];
      V::store(lanes, x);
      for (int i = 0; i < V::kLanes; ++i) lanes[i] = 1.f / (1.f + std::exp(-lanes[i]));
      return V::load(lanes);
    }
  }
  return x;
}
