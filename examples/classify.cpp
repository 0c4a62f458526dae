// Minimal use of the castnet C++ API: load a model (file or zoo), run one input, print the top
// class. Build: see examples/CMakeLists.txt, or link against the castnet library directly.
#include <castnet/castnet.h>

#include <algorithm>
#include <cstdio>

int main(int argc, char** argv) {
  try {
    castnet::Model model = castnet::Model::load(argc > 1 ? argv[1] : "zoo:resnet18");
    castnet::Session session(model, {.threads = 0});
    castnet::TensorInfo in = session.inputs().at(0);
    castnet::Tensor x(in.dtype, in.shape);
    float* p = x.data_as<float>();
    for (int64_t i = 0; i < x.numel(); ++i) p[i] = static_cast<float>((i * 7919) % 255) / 255.f - 0.5f;
    std::vector<castnet::Tensor> y = session.run({{in.name, x}});
    const float* logits = y[0].data_as<float>();
    int64_t classes = y[0].numel();
    int64_t best = std::max_element(logits, logits + classes) - logits;
    std::printf("%s: class %lld (logit %.4f)\n", in.name.c_str(), static_cast<long long>(best), logits[best]);
    return 0;
  } catch (const castnet::Error& e) {
    std::fprintf(stderr, "classify: error: %s\n", e.what());
    return 2;
  }
}
