// Running one training stage (DCPT, SFT or DPO) end to end: the entry point the harness
// and the pipeline call. No torch in this header.
//
//   qb::TrainConfig c = qb::load_train_config("sft.json", {"lr=1e-4"});
//   c.stage = qb::TrainStage::kSft;
//   qb::TrainSummary s = qb::run_training_stage(c);
//   // s.model_dir is a Hugging Face checkpoint (config.json, model.safetensors,
//   // tokenizer.json) ready for `qilin-bench eval` or the next stage's `init`.
//
// Output directory (config.out):
//   metrics.jsonl             one JSON line per logged step (loss, lr, grad_norm, tokens,
//                             tokens_per_s, DPO rewards/logps) and per evaluation ({"eval": …})
//   checkpoint-NNNNNN/        every save_every steps: the HF model (LoRA merged) plus
//                             trainer_state.pt (optimizer, step, RNG, data position, adapters)
//                             and trainer_state.json; the newest keep_checkpoints are kept
//   latest                    the name of the newest complete checkpoint (resume reads it)
//   final/                    the trained model (HF layout)
//   summary.json              the TrainSummary below
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "trainers/distributed/distributed.h"
#include "trainers/train/train_config.h"

namespace qb {

struct TrainSummary {
  std::string stage;
  int64_t steps = 0;              // optimizer steps in the finished run
  int64_t resumed_from = -1;      // checkpoint step this process resumed from, -1 if fresh
  int64_t train_examples = 0;     // blocks (dcpt), dialogues (sft) or pairs (dpo)
  int64_t eval_examples = 0;
  int64_t skipped_examples = 0;   // sft/dpo records with no response token left after truncation
  double first_loss = 0;          // first step this process ran
  double last_loss = 0;
  double tokens_per_second = 0;   // forward tokens per second of wall time in this process
  std::string eval_start_json;    // held-out metrics before training ("{}" when none / resumed)
  std::string eval_end_json;      // held-out metrics after training
  std::filesystem::path model_dir;     // out/final
  std::filesystem::path metrics_file;  // out/metrics.jsonl
  std::string to_json() const;
};

// Trains one stage as configured. Resumes from out/latest when it exists and config.resume
// (the checkpoint's recorded config must equal this one). Bad data or config: qb::InputError;
// a non-finite loss: std::runtime_error naming the step and the last good checkpoint.
// `quiet` silences the progress output on stderr. With dist.world_size > 1 this process is one
// rank of a data-parallel job (docs/SCALING.md): every rank calls this with the same config;
// rank 0 alone writes out/ and its summary holds the held-out evaluations.
TrainSummary run_training_stage(const TrainConfig& config, bool quiet = false, const DistributedEnv& dist = {});

}  // namespace qb
