// One writer per run directory. `qilin-bench run` holds an exclusive flock(2) on
// RUN_DIR/run.lock for its whole life; a second `run` on the same directory is refused at once
// (exit 2, naming the holder's pid) instead of racing the first on the cache. The kernel drops
// the lock when the holder dies, SIGKILL included, so a killed run never leaves a stale lock.
#pragma once

#include <filesystem>

namespace qb {

class RunLock {
 public:
  // Takes the lock or throws InputError(run_dir, "run.lock", "another 'qilin-bench run' (pid N) …").
  explicit RunLock(const std::filesystem::path& run_dir);
  ~RunLock();
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

 private:
  int fd_ = -1;  // open descriptor of RUN_DIR/run.lock; closing it releases the lock
};

}  // namespace qb
