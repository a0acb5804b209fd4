// The objective of each stage, as the shared loop (train_loop.h) sees it: DCPT and SFT minimise
// the mean next-token NLL over masked targets; DPO (and IPO) the preference loss against a
// frozen reference. Internal to trainers/ (includes torch).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "trainers/train/dpo_loss.h"
#include "trainers/train/train_data.h"
#include "trainers/train/train_loop.h"
#include "trainers/train/train_model_lora.h"

namespace qb::train {

// DCPT blocks (every token scored) or rendered SFT dialogues (responses scored). Held-out
// evaluation runs in batches of `eval_batch`.
std::unique_ptr<Objective> make_lm_objective(TrainableLm& lm, std::vector<MaskedSequence> train,
                                             std::vector<MaskedSequence> held, int32_t pad, int64_t eval_batch);

// DPO/IPO over tokenized pairs. The reference is `lm`'s own frozen base when it trains LoRA
// adapters, otherwise a frozen copy of the checkpoint at `init`.
std::unique_ptr<Objective> make_dpo_objective(TrainableLm& lm, const std::filesystem::path& init,
                                              std::vector<TokenizedPair> train, std::vector<TokenizedPair> held,
                                              int32_t pad, double beta, PreferenceLoss kind, int64_t eval_batch);

}  // namespace qb::train
