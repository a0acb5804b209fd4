// One optimizer step of a stage on a synthetic batch, for benchmarks (bench/train_step.cpp)
// and the side-by-side comparison with python3-torch (scripts/bench_train.sh). No torch here.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace qb::train {

struct TrainStepShape {
  std::string stage = "dcpt";  // "dcpt" (= sft: masked next-token loss) or "dpo"
  bool lora = false;           // LoRA rank 8 on q/k/v/o instead of full fine-tuning
  double lora_dropout = 0;     // dropout on the adapter input (training mode)
  // dpo: true runs the frozen reference on the step's batch (no grad), as the trainer does
  // (LoRA: the base with adapters detached; full: a frozen copy); false takes precomputed
  // reference log-probs, as the python3-torch peer (scripts/bench_train_peer.py) does.
  bool reference_forward = false;
  int64_t vocab = 4096, hidden = 256, intermediate = 688, layers = 4, heads = 8;
  int64_t batch = 8, seq = 128;  // dpo: batch pairs, i.e. 2*batch sequences of seq tokens
};

class TrainStepRunner {
 public:
  explicit TrainStepRunner(const TrainStepShape& shape, uint64_t seed = 1);
  ~TrainStepRunner();
  // Forward, backward, gradient clipping and an AdamW update; returns the loss.
  double step();
  int64_t tokens_per_step() const;
  // Model FLOPs of one step (the MFU convention): 6 x matmul weights x tokens (forward 2,
  // backward 4) plus attention scores and weighted sums, computed densely as the kernels do.
  // LoRA: the frozen weights get no weight gradient, so 4 x weights x tokens (forward and
  // input gradient), plus 6 x adapter weights x tokens. A DPO reference forward adds
  // 2 x weights x tokens plus the attention forward.
  double flops_per_step() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qb::train
