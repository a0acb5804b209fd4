// One engine thread drains a bounded queue of work from the HTTP threads, so concurrent requests
// are answered in shared batches (the model runs one batch at a time; its own threads do the math)
// and a burst larger than the queue is refused quickly with 503 instead of piling up.
//
// Each call blocks its HTTP thread until the engine thread has answered its part. Whatever is
// queued when the engine thread becomes free is taken together: every scoring job in one
// ModelRunner::score call, every generation job in one ModelRunner::generate call.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "serve/model_runner.h"

namespace qb::serve {

struct QueueStats {
  int64_t jobs = 0;       // jobs answered
  int64_t batches = 0;    // score or generate calls made on the model
  int64_t rejected = 0;   // jobs refused with 503
  int64_t max_batch_jobs = 0;  // most jobs answered by one model call
};

class EngineQueue {
 public:
  // max_queue: jobs waiting (not counting the batch being run) before new ones get 503.
  EngineQueue(ModelRunner& runner, size_t max_queue);
  ~EngineQueue();
  EngineQueue(const EngineQueue&) = delete;
  EngineQueue& operator=(const EngineQueue&) = delete;

  // ApiError 503 when the queue is full; rethrows the model's exception otherwise.
  std::vector<PromptScore> score(std::vector<std::vector<int64_t>> sequences, int top_k);
  std::vector<GenerateResult> generate(std::vector<ModelRunner::Generation> requests);
  QueueStats stats() const;

 private:
  struct Job;
  void submit(const std::shared_ptr<Job>& job);
  void run();
  void run_batch(std::vector<std::shared_ptr<Job>>& jobs);

  ModelRunner& runner_;
  const size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  bool stopping_ = false;
  QueueStats stats_;
  std::thread worker_;
};

}  // namespace qb::serve
