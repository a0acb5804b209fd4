// Token sequences -> padded tensors, and the per-sequence log-probabilities every stage's loss
// is built from. Internal to trainers/ (includes torch).
#pragma once

#include <torch/torch.h>

#include <vector>

#include "trainers/train/train_data.h"

namespace qb::train {

// A right-padded batch: ids [B, T] (int64), target_mask [B, T-1] (float, 1 where token t+1 is
// a scored target of position t), targets [B, T-1] (= ids shifted left).
struct LmBatch {
  torch::Tensor ids, targets, target_mask;
  int64_t n_tokens = 0;  // real (unpadded) tokens, for tokens/s
};

// Padding uses pad_id; padded positions are never targets.
LmBatch collate(const std::vector<const MaskedSequence*>& seqs, int32_t pad_id);
// DCPT blocks: every next token is a target.
LmBatch collate_blocks(const std::vector<const TokenIds*>& blocks);

// Per-token log p(target) from logits [B, T, V] (any T' >= T-1 prefix is used): [B, T-1].
torch::Tensor token_logprobs(const torch::Tensor& logits, const torch::Tensor& targets);
// Sum over masked targets per sequence: [B].
torch::Tensor sequence_logprobs(const torch::Tensor& logits, const LmBatch& b);

// Mean negative log-likelihood over all masked targets of the batch (the SFT/DCPT loss):
// sum(-logp * mask) / sum(mask). Gradients reach only masked positions' logits.
torch::Tensor masked_nll(const torch::Tensor& logits, const LmBatch& b);

}  // namespace qb::train
