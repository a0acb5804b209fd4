#include "serve/engine_queue.h"

#include <fmt/format.h>

#include <algorithm>

#include "serve/api_error.h"

namespace qb::serve {

struct EngineQueue::Job {
  bool is_score = true;
  std::vector<std::vector<int64_t>> sequences;  // score
  int top_k = 0;
  std::vector<ModelRunner::Generation> gens;    // generate
  std::promise<void> done;
  std::vector<PromptScore> scores;
  std::vector<GenerateResult> results;
};

EngineQueue::EngineQueue(ModelRunner& runner, size_t max_queue)
    : runner_(runner), max_queue_(max_queue), worker_([this] { run(); }) {}

EngineQueue::~EngineQueue() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void EngineQueue::submit(const std::shared_ptr<Job>& job) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= max_queue_) {
      ++stats_.rejected;
      throw ApiError(503,
                     fmt::format("the server is busy: {} requests are already queued (--max-queue {}); retry later",
                                 queue_.size(), max_queue_),
                     "server_error", "", "queue_full");
    }
    queue_.push_back(job);
  }
  cv_.notify_one();
  job->done.get_future().get();  // rethrows the model's exception
}

std::vector<PromptScore> EngineQueue::score(std::vector<std::vector<int64_t>> sequences, int top_k) {
  auto job = std::make_shared<Job>();
  job->sequences = std::move(sequences);
  job->top_k = top_k;
  submit(job);
  return std::move(job->scores);
}

std::vector<GenerateResult> EngineQueue::generate(std::vector<ModelRunner::Generation> requests) {
  auto job = std::make_shared<Job>();
  job->is_score = false;
  job->gens = std::move(requests);
  submit(job);
  return std::move(job->results);
}

QueueStats EngineQueue::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void EngineQueue::run() {
  for (;;) {
    std::vector<std::shared_ptr<Job>> jobs;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping with nothing left
      jobs.assign(queue_.begin(), queue_.end());
      queue_.clear();
    }
    run_batch(jobs);
  }
}

// All scoring jobs in one model call (with the largest top-k asked, trimmed per job), then all
// generation jobs in another. A model failure fails every job of that call.
void EngineQueue::run_batch(std::vector<std::shared_ptr<Job>>& jobs) {
  for (bool scoring : {true, false}) {
    std::vector<std::shared_ptr<Job>> part;
    for (auto& j : jobs)
      if (j->is_score == scoring) part.push_back(j);
    if (part.empty()) continue;
    try {
      if (scoring) {
        std::vector<std::vector<int64_t>> all;
        int k = 0;
        for (auto& j : part) {
          all.insert(all.end(), j->sequences.begin(), j->sequences.end());
          k = std::max(k, j->top_k);
        }
        auto scores = runner_.score(all, k);
        size_t at = 0;
        for (auto& j : part) {
          for (size_t i = 0; i < j->sequences.size(); ++i, ++at) {
            PromptScore s = std::move(scores[at]);
            for (auto& t : s.top)
              if (static_cast<int>(t.size()) > j->top_k) t.resize(static_cast<size_t>(j->top_k));
            j->scores.push_back(std::move(s));
          }
        }
      } else {
        std::vector<ModelRunner::Generation> all;
        for (auto& j : part) all.insert(all.end(), j->gens.begin(), j->gens.end());
        auto results = runner_.generate(all);
        size_t at = 0;
        for (auto& j : part)
          for (size_t i = 0; i < j->gens.size(); ++i) j->results.push_back(std::move(results[at++]));
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        ++stats_.batches;
        stats_.jobs += static_cast<int64_t>(part.size());
        stats_.max_batch_jobs = std::max<int64_t>(stats_.max_batch_jobs, static_cast<int64_t>(part.size()));
      }
      for (auto& j : part) j->done.set_value();
    } catch (...) {
      for (auto& j : part) j->done.set_exception(std::current_exception());
    }
  }
}

}  // namespace qb::serve
