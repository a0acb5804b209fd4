#include "trainers/model/lora.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <mutex>

namespace qb::train {

namespace {

// SplitMix64's output function: a bijective 64-bit mix, so distinct counters give
// independent-looking words (Steele, Lea & Flood 2014).
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace

torch::Tensor adapter_dropout(const torch::Tensor& x, double p) {
  TORCH_CHECK(p >= 0 && p < 1, "adapter dropout must be in [0, 1)");
  uint64_t seed;
  {
    auto gen = at::detail::getDefaultCPUGenerator();
    std::lock_guard<std::mutex> lock(gen.mutex());
    seed = gen.get<at::CPUGeneratorImpl>()->random64();
  }
  auto mask = torch::empty(x.sizes(), torch::TensorOptions().dtype(torch::kFloat32));
  float* m = mask.data_ptr<float>();
  const int64_t n = mask.numel(), words = (n + 1) / 2;
  // Element i is dropped when its 32-bit draw is below p·2³²; kept ones are scaled by 1/(1-p).
  const uint64_t threshold = static_cast<uint64_t>(std::min(p * 4294967296.0, 4294967295.0));
  const float keep = static_cast<float>(1.0 / (1.0 - p));
  at::parallel_for(0, words, 1 << 14, [&](int64_t begin, int64_t end) {
    for (int64_t w = begin; w < end; ++w) {
      const uint64_t h = mix64(seed + static_cast<uint64_t>(w + 1) * 0x9e3779b97f4a7c15ULL);
      const int64_t i = 2 * w;
      m[i] = (h & 0xffffffffULL) >= threshold ? keep : 0.f;
      if (i + 1 < n) m[i + 1] = (h >> 32) >= threshold ? keep : 0.f;
    }
  });
  return x * (x.scalar_type() == torch::kFloat32 ? mask : mask.to(x.scalar_type()));
}

torch::Tensor LoraAdapter::forward(const torch::Tensor& x, const torch::Tensor& W, bool training) const {
  auto base = at::linear(x, W);
  auto xin = (training && dropout > 0) ? adapter_dropout(x, dropout) : x;
  // One kernel for base + scale·low-rank (add with alpha) instead of a scaled copy and an add.
  return at::add(base, at::linear(at::linear(xin, A), B), scale);
}

torch::Tensor LoraAdapter::merged(const torch::Tensor& W) const {
  torch::NoGradGuard ng;
  return W + torch::matmul(B, A) * scale;
}

bool lora_targets(const std::string& name, const std::vector<std::string>& targets) {
  for (const auto& t : targets) {
    const std::string needle = "." + t + ".";
    if (("." + name).find(needle) != std::string::npos) return true;
  }
  return false;
}

LoraAdapter make_lora_adapter(const std::string& weight_name, const torch::Tensor& W,
                              const LoraSettings& s) {
  LoraAdapter a;
  a.weight_name = weight_name;
  const int64_t out = W.size(0), in = W.size(1);
  // kaiming_uniform_(a=sqrt(5)) as in torch.nn.Linear and PEFT: bound = 1/sqrt(fan_in).
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  a.A = torch::empty({s.rank, in}, W.options()).uniform_(-bound, bound).set_requires_grad(true);
  a.B = torch::zeros({out, s.rank}, W.options()).set_requires_grad(true);
  a.scale = s.scale();
  a.dropout = s.dropout;
  return a;
}

}  // namespace qb::train
