// The optimizer loop every stage shares: seeded data order, gradient accumulation,
// clipping, the lr schedule, JSONL step metrics, atomic checkpoints with full trainer state,
// exact resume, the non-finite-loss guard, progress on stderr, and data parallelism over
// c10d/Gloo ranks (docs/SCALING.md). Internal to trainers/ (includes torch).
#pragma once

#include <torch/torch.h>

#include <filesystem>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "trainers/distributed/distributed.h"
#include "trainers/train/lr_schedule.h"
#include "trainers/train/optim_adamw.h"

namespace qb::train {

// What one micro-batch produced. `loss` is the micro-batch mean the optimizer minimises.
struct MicroStep {
  torch::Tensor loss;
  int64_t tokens = 0;        // real tokens processed (forward), for tokens/s
  nlohmann::json metrics;    // stage extras averaged over the step (e.g. DPO rewards)
};

// A stage (DCPT, SFT, DPO) as the loop sees it.
class Objective {
 public:
  virtual ~Objective() = default;
  virtual int64_t num_examples() const = 0;
  // Forward pass for the examples at `indices` (training mode).
  virtual MicroStep micro_step(const std::vector<int64_t>& indices) = 0;
  // How many units micro_step(indices).loss (and each metric) is a mean over: scored target
  // tokens for a token-averaged loss, pairs for DPO (the default: examples). Computed from the
  // data alone, so under data parallelism every rank knows the global micro-batch's weight
  // without asking the others, and the global mean is sum(loss_r * weight_r) / sum(weight_r),
  // never the plain mean of the ranks' means.
  virtual double loss_weight(const std::vector<int64_t>& indices) const {
    return static_cast<double>(indices.size());
  }
  // Held-out metrics (eval mode, no grad) in two halves, so data-parallel ranks share the work:
  // eval_sums(rank, world) returns additive statistics (sums, counts) over rank's share of the
  // held-out batches (the same batches at any world size; same length on every rank, zeros for
  // an empty share), and eval_result turns their element-wise sum over the ranks into the
  // metrics: an empty object when there is no held-out data.
  virtual std::vector<double> eval_sums(int rank, int world) = 0;
  virtual nlohmann::json eval_result(const std::vector<double>& sums) const = 0;
  // The whole held-out set in this process (an objective whose sums are means times counts
  // overrides it to return the means exactly as computed).
  virtual nlohmann::json evaluate() { return eval_result(eval_sums(0, 1)); }
  // Every trainable tensor, named (model weights, or LoRA adapters).
  virtual NamedParams trainable() = 0;
  virtual void set_training(bool on) = 0;
};

// The position of a run: everything besides weights and optimizer moments that a resumed
// run needs to continue bit-identically.
struct LoopPosition {
  int64_t step = 0;     // optimizer steps done
  int64_t epoch = 0;    // current pass over the data
  int64_t cursor = 0;   // next index into this epoch's order
  int64_t tokens = 0;   // tokens processed so far
};

struct LoopSettings {
  std::string stage;
  int64_t total_steps = 1;
  int64_t batch_size = 1;
  int64_t grad_accum = 1;
  double max_grad_norm = 1.0;
  LrSchedule schedule;
  AdamWSettings adamw;
  uint64_t seed = 0;
  bool shuffle = true;
  int64_t save_every = 0, keep_checkpoints = 2, eval_every = 0, log_every = 1;
  std::filesystem::path out;
  std::string config_json;  // recorded in each checkpoint; a resume must match it
  bool quiet = false;
  // Data parallelism (trainers/distributed/distributed.h). With world_size > 1 the loop joins the other
  // ranks, starts from rank 0's weights, runs its contiguous slice of every global micro-batch
  // (batch_size must be divisible by world_size), sums the weighted gradients over the ranks,
  // evaluates the held-out set in shares (Objective::eval_sums, summed over the ranks), and
  // lets only rank 0 log, print and write files; the others wait at a barrier.
  DistributedEnv dist;
};

// How the loop writes the model part of a checkpoint (HF layout, merged LoRA) and which
// extra tensors (LoRA adapters) belong to the trainer state.
struct CheckpointIo {
  std::function<void(const std::filesystem::path& dir)> write_model;
  std::function<std::vector<std::pair<std::string, torch::Tensor>>()> extra_state;  // saved
  std::function<void(const std::string& name, const torch::Tensor& value)> restore_extra;  // loaded
};

struct LoopResult {
  int64_t steps = 0;
  int64_t resumed_from = -1;  // step of the checkpoint resumed from, -1 when fresh
  double last_loss = 0;
  double first_loss = 0;      // loss of the first step this process ran
  double tokens_per_second = 0;  // all ranks' tokens per second of wall time
  double sync_seconds = 0;       // time spent in all-reduces (data parallel), this run
  nlohmann::json eval_start, eval_end;  // rank 0 only
  std::filesystem::path final_model;
};

// The newest complete checkpoint in `out` (named by out/latest), or empty.
std::filesystem::path latest_checkpoint(const std::filesystem::path& out);

// Runs (or resumes from `resume_dir`, when not empty) the loop to settings.total_steps, then
// writes the final model to out/final (rank 0). Under data parallelism every rank resumes from
// the same checkpoint (out/ on a shared file system) and the ranks check they agree on it. Throws std::runtime_error naming the step for a
// non-finite loss or gradient norm; the last checkpoint written stays the newest.
LoopResult run_loop(Objective& obj, const LoopSettings& s, const CheckpointIo& io,
                    const std::filesystem::path& resume_dir);

// Trainer state files inside a checkpoint directory.
inline constexpr const char* kTrainerStateFile = "trainer_state.pt";
inline constexpr const char* kTrainerStateJson = "trainer_state.json";
inline constexpr const char* kMetricsFile = "metrics.jsonl";

}  // namespace qb::train
