// Where this process sits in a data-parallel training job, read from the variables torchrun
// and Slurm job scripts set. No torch here: the harness reads the environment and passes the
// result to run_training_stage, which connects the ranks (trainers/distributed/distributed_group.h).
//
//   RANK, WORLD_SIZE          this process's rank and the number of ranks (absent = one process)
//   MASTER_ADDR, MASTER_PORT  where rank 0 serves the rendezvous store (required when WORLD_SIZE > 1;
//                             MASTER_PORT defaults to 29500 as in torchrun)
//   QILIN_DIST_TIMEOUT        seconds a rank waits for its peers in any collective (default 120)
//   TORCHELASTIC_USE_AGENT_STORE=True, TORCHELASTIC_RESTART_COUNT
//                             set by torchrun: its agent already serves the store on MASTER_PORT,
//                             so rank 0 connects to it instead of serving one, under the key prefix
//                             of the restart attempt (as torch.distributed does)
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace qb {

struct DistributedEnv {
  int rank = 0;
  int world_size = 1;
  std::string master_addr;
  int master_port = 29500;
  double timeout_seconds = 120;
  bool launcher_store = false;  // the store on MASTER_ADDR:MASTER_PORT is served by the launcher
  int restart_count = 0;        // the launcher's restart attempt (keys of earlier attempts are ignored)
  bool enabled() const { return world_size > 1; }
};

inline constexpr double kDefaultDistributedTimeoutSeconds = 120;

// Reads the variables through `lookup` (name -> value, nullopt when unset). Unset RANK and
// WORLD_SIZE, or WORLD_SIZE=1, is a single process. Throws InputError naming the variable for
// a non-numeric or out-of-range value, RANK >= WORLD_SIZE, RANK without WORLD_SIZE (or the
// reverse), or a missing MASTER_ADDR when WORLD_SIZE > 1.
DistributedEnv parse_distributed_env(const std::function<std::optional<std::string>(const std::string&)>& lookup);

// parse_distributed_env over the process environment.
DistributedEnv distributed_env_from_environment();

}  // namespace qb
