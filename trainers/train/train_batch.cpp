#include "trainers/train/train_batch.h"

#include <algorithm>

namespace qb::train {

LmBatch collate(const std::vector<const MaskedSequence*>& seqs, int32_t pad_id) {
  size_t T = 0;
  for (auto* s : seqs) T = std::max(T, s->ids.size());
  const int64_t B = static_cast<int64_t>(seqs.size());
  auto ids = torch::full({B, static_cast<int64_t>(T)}, static_cast<int64_t>(pad_id), torch::kInt64);
  auto mask = torch::zeros({B, static_cast<int64_t>(T)}, torch::kFloat32);
  auto ia = ids.accessor<int64_t, 2>();
  auto ma = mask.accessor<float, 2>();
  LmBatch b;
  for (int64_t i = 0; i < B; ++i) {
    const auto& s = *seqs[static_cast<size_t>(i)];
    for (size_t t = 0; t < s.ids.size(); ++t) {
      ia[i][static_cast<int64_t>(t)] = s.ids[t];
      ma[i][static_cast<int64_t>(t)] = s.loss_mask[t] ? 1.0f : 0.0f;
    }
    b.n_tokens += static_cast<int64_t>(s.ids.size());
  }
  b.ids = ids;
  b.targets = ids.narrow(1, 1, static_cast<int64_t>(T) - 1).contiguous();
  b.target_mask = mask.narrow(1, 1, static_cast<int64_t>(T) - 1).contiguous();
  return b;
}

LmBatch collate_blocks(const std::vector<const TokenIds*>& blocks) {
  std::vector<MaskedSequence> seqs(blocks.size());
  std::vector<const MaskedSequence*> ptrs;
  for (size_t i = 0; i < blocks.size(); ++i) {
    seqs[i].ids = *blocks[i];
    seqs[i].loss_mask.assign(blocks[i]->size(), 1);
    ptrs.push_back(&seqs[i]);
  }
  return collate(ptrs, 0);
}

torch::Tensor token_logprobs(const torch::Tensor& logits, const torch::Tensor& targets) {
  // -cross_entropy is log_softmax + gather in one kernel pair: no [B, T, V] log-prob tensor is
  // kept for backward (measured: the DPO step spent most of its extra time there).
  const int64_t n = targets.size(1), V = logits.size(-1);
  auto nll = torch::nn::functional::cross_entropy(
      logits.narrow(1, 0, n).reshape({-1, V}), targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  return -nll.view({targets.size(0), n});
}

torch::Tensor sequence_logprobs(const torch::Tensor& logits, const LmBatch& b) {
  return (token_logprobs(logits, b.targets) * b.target_mask).sum(1);
}

torch::Tensor masked_nll(const torch::Tensor& logits, const LmBatch& b) {
  auto n = logits.size(-1);
  const int64_t T1 = b.targets.size(1);
  // cross_entropy's fused kernel; masked positions get weight 0 through the mask product.
  auto nll = torch::nn::functional::cross_entropy(
      logits.narrow(1, 0, T1).reshape({-1, n}), b.targets.reshape({-1}),
      torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  auto m = b.target_mask.reshape({-1});
  return (nll * m).sum() / m.sum().clamp_min(1.0);
}

}  // namespace qb::train
