// serve/engine_queue.h with a runner that holds its first call until released: what is queued
// meanwhile is answered by one model call, and a full queue answers 503 at once — deterministic
// versions of what serve_api.py sees over HTTP.
#include "serve/engine_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "serve/api_error.h"

namespace qb::serve {
namespace {

// Answers generate with the prompt length as text; score with -1 per token. Blocks its first
// call until release().
class GateRunner : public ModelRunner {
 public:
  std::vector<int64_t> encode(const std::string&) const override { return {}; }
  std::string decode(const std::vector<int64_t>&) const override { return ""; }
  std::string token_text(int64_t) const override { return ""; }
  int64_t vocab_size() const override { return 10; }
  int64_t bos_id() const override { return 1; }
  int64_t max_model_len() const override { return 100; }
  bool has_chat_template() const override { return false; }
  std::string render_chat(const std::vector<std::pair<std::string, std::string>>&) const override { return ""; }

  std::vector<PromptScore> score(const std::vector<std::vector<int64_t>>& seqs, int top_k) override {
    wait_first();
    calls_sizes.push_back(seqs.size());
    std::vector<PromptScore> out(seqs.size());
    for (size_t i = 0; i < seqs.size(); ++i) {
      out[i].token_logprob.assign(seqs[i].size(), -1.0);
      out[i].top.assign(seqs[i].size(), std::vector<std::pair<int64_t, double>>(5, {0, -0.5}));
    }
    return out;
  }
  std::vector<GenerateResult> generate(const std::vector<Generation>& gens) override {
    wait_first();
    calls_sizes.push_back(gens.size());
    std::vector<GenerateResult> out(gens.size());
    for (size_t i = 0; i < gens.size(); ++i) out[i].text = std::to_string(gens[i].prompt_ids.size());
    return out;
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu);
    released = true;
    cv.notify_all();
  }
  std::atomic<bool> entered{false};
  std::vector<size_t> calls_sizes;  // written by the engine thread only

 private:
  void wait_first() {
    entered = true;
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [this] { return released; });
  }
  std::mutex mu;
  std::condition_variable cv;
  bool released = false;
};

void wait_until(const std::function<bool()>& cond) {
  for (int i = 0; i < 5000 && !cond(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

TEST(EngineQueue, QueuedJobsShareOneModelCallAndAFullQueueIs503) {
  GateRunner runner;
  EngineQueue q(runner, 3);
  auto gen = [&](size_t n) { return q.generate({ModelRunner::Generation{std::vector<int64_t>(n, 1), 4, {}}}); };
  auto first = std::async(std::launch::async, gen, 1);
  wait_until([&] { return runner.entered.load(); });  // the engine thread is busy with job 1
  auto a = std::async(std::launch::async, gen, 2);
  auto b = std::async(std::launch::async, gen, 3);
  auto c = std::async(std::launch::async, [&] { return q.score({{1, 2, 3}}, 2); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let a, b, c queue
  try {
    gen(4);
    ADD_FAILURE() << "a fourth queued job was accepted";
  } catch (const ApiError& e) {
    EXPECT_EQ(e.status, 503);
    EXPECT_EQ(e.code, "queue_full");
    EXPECT_EQ(std::string(e.what()),
              "the server is busy: 3 requests are already queued (--max-queue 3); retry later");
  }
  runner.release();
  EXPECT_EQ(first.get()[0].text, "1");
  EXPECT_EQ(a.get()[0].text, "2");
  EXPECT_EQ(b.get()[0].text, "3");
  auto s = c.get();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].top[1].size(), 2u);  // trimmed to the job's own top-k
  // Job 1 alone; then what queued meanwhile: the scoring job in one call, the two generations
  // together in the next.
  EXPECT_EQ(runner.calls_sizes, (std::vector<size_t>{1, 1, 2}));
  QueueStats st = q.stats();
  EXPECT_EQ(st.jobs, 4);
  EXPECT_EQ(st.batches, 3);
  EXPECT_EQ(st.rejected, 1);
  EXPECT_EQ(st.max_batch_jobs, 2);
}

}  // namespace
}  // namespace qb::serve
