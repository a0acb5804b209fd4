// The ranks of a data-parallel training job connected over c10d: a TCPStore served by rank 0
// for the rendezvous and a ProcessGroupGloo for the collectives. Internal to trainers/
// (includes torch); the public side is trainers/distributed/distributed.h.
//
// Every collective is blocking and bounded by the job's timeout. A peer that dies, is killed or
// stops answering makes the call throw std::runtime_error naming this rank, the operation and
// Gloo's reason (which names the peer's address), never hang.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "trainers/distributed/distributed.h"

namespace qb::train {

class DistributedGroup {
 public:
  // Joins the job described by `env` (env.enabled() must be true); waits up to the timeout for
  // all ranks. Rank 0 serves the store on MASTER_ADDR:MASTER_PORT.
  explicit DistributedGroup(const DistributedEnv& env);
  ~DistributedGroup();
  DistributedGroup(const DistributedGroup&) = delete;
  DistributedGroup& operator=(const DistributedGroup&) = delete;

  int rank() const { return env_.rank; }
  int world_size() const { return env_.world_size; }
  double timeout_seconds() const { return env_.timeout_seconds; }

  // Sums each tensor over the ranks, in place. Tensors are flattened into buckets of at most
  // `bucket_bytes` per dtype (one collective per bucket, all in flight together) and copied
  // back; undefined tensors are skipped. `what` names the operation in errors.
  void all_reduce_sum(const std::vector<torch::Tensor>& tensors, const std::string& what,
                      size_t bucket_bytes = kDefaultBucketBytes);
  // Overwrites each tensor with rank 0's values, bucketed the same way.
  void broadcast_from_rank0(const std::vector<torch::Tensor>& tensors, const std::string& what,
                            size_t bucket_bytes = kDefaultBucketBytes);
  // Returns when every rank has called it.
  void barrier(const std::string& what);

  static constexpr size_t kDefaultBucketBytes = 25u << 20;  // 25 MB, as PyTorch DDP

 private:
  struct Impl;
  DistributedEnv env_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace qb::train
