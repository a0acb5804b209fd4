// backends/openai_logprobs.h and the cache key on fixed answer bodies: choices matched by index,
// echoed log-probs, the continuation's span in a text prompt, generations, and the errors.
#include "backends/openai_logprobs.h"

#include <gtest/gtest.h>

#include <cmath>

#include "backends/http_client.h"
#include "backends/response_cache.h"

namespace qb {
namespace {

using nlohmann::json;

TEST(OpenAIClient, ChoicesByIndexInAnyOrder) {
  json r = json::parse(R"({"choices":[{"index":1,"text":"b"},{"index":0,"text":"a"}]})");
  auto c = choices_by_index(r, 2, "item 'q1'");
  EXPECT_EQ((*c[0])["text"], "a");
  EXPECT_EQ((*c[1])["text"], "b");
  try {
    choices_by_index(json::parse(R"({"choices":[{"index":0},{"index":0}]})"), 2, "item 'q1'");
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "openai backend: item 'q1': choice index 0 is out of range or repeated (asked for 2)");
  }
}

TEST(OpenAIClient, PromptLogprobsAndGreedy) {
  json choice = json::parse(R"({"logprobs":{"tokens":["<s>","患","者"],"token_logprobs":[null,-1.5,-2.0],
      "top_logprobs":[null,{"患":-1.5},{"发":-0.5}],"text_offset":[0,0,1]}})");
  PromptLogprobs lp = prompt_logprobs(choice, "item 'x'", 0);
  ASSERT_EQ(lp.token_logprobs.size(), 3u);
  EXPECT_TRUE(std::isnan(lp.token_logprobs[0]));
  EXPECT_EQ(lp.token_logprobs[2], -2.0);
  EXPECT_EQ(lp.is_top, (std::vector<bool>{false, true, false}));
  EXPECT_EQ(lp.text_offset, (std::vector<long>{0, 0, 1}));
  try {
    prompt_logprobs(json::parse(R"({"text":"a","logprobs":null})"), "item 'x'", 3);
    ADD_FAILURE();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(),
                 "openai backend: item 'x': the server returned no prompt log-probabilities (choice 3 has no "
                 "logprobs.token_logprobs for echo=true), so it cannot score log-likelihood; use --mode generate");
  }
}

TEST(OpenAIClient, ContinuationSpanByTextOffset) {
  PromptLogprobs lp;
  lp.token_logprobs = {NAN, -1, -1, -1, -1};
  lp.is_top.assign(5, true);
  // "<s>" "答" "案" "：" "A": context "答案：" (3 chars), continuation "A".
  lp.text_offset = {0, 0, 1, 2, 3};
  EXPECT_EQ(continuation_span(lp, 3, 4), (std::pair<size_t, size_t>{4, 5}));
  // A token "：A" straddling the boundary belongs to the continuation.
  lp.token_logprobs = {NAN, -1, -1, -1};
  lp.text_offset = {0, 0, 1, 2};
  EXPECT_EQ(continuation_span(lp, 3, 4), (std::pair<size_t, size_t>{3, 4}));
  // A generated token past the prompt (max_tokens 1 fallback) is left out.
  lp.token_logprobs = {NAN, -1, -1, -1, -1, -1};
  lp.text_offset = {0, 0, 1, 2, 3, 4};
  EXPECT_EQ(continuation_span(lp, 3, 4), (std::pair<size_t, size_t>{4, 5}));
  // Empty context: every token after BOS.
  lp.token_logprobs = {NAN, -1, -1};
  lp.text_offset = {0, 0, 1};
  EXPECT_EQ(continuation_span(lp, 0, 2), (std::pair<size_t, size_t>{1, 3}));
}

TEST(OpenAIClient, GenerationResults) {
  json r = json::parse(R"({"choices":[{"index":0,"text":"低盐","finish_reason":"stop","stop_reason":null}],
                           "usage":{"completion_tokens":3}})");
  GenerateResult g = generation_result(r["choices"][0], r, false, "item 'x'");
  EXPECT_EQ(g.text, "低盐");
  EXPECT_EQ(g.finish_reason, "eos");  // stop with a null stop_reason: the model ended the text
  EXPECT_EQ(g.n_tokens, 3);
  r = json::parse(R"({"choices":[{"index":0,"message":{"role":"assistant","content":"好"},"finish_reason":"stop",
                      "stop_reason":"\n"}]})");
  g = generation_result(r["choices"][0], r, true, "item 'x'");
  EXPECT_EQ(g.text, "好");
  EXPECT_EQ(g.finish_reason, "stop");
  r = json::parse(R"({"choices":[{"index":0,"text":"a","finish_reason":"length"}]})");
  EXPECT_EQ(generation_result(r["choices"][0], r, false, "i").finish_reason, "length");
}

TEST(OpenAIClient, CacheKeyAndOrigin) {
  // sha256("/v1/completions\n{}"): the host is not part of the key, so replicas share entries.
  EXPECT_EQ(ResponseCache::key("/v1/completions", "{}").size(), 64u);
  EXPECT_NE(ResponseCache::key("/v1/completions", "{}"), ResponseCache::key("/v1/chat/completions", "{}"));
  EXPECT_EQ(url_origin("http://user:secret@10.0.0.2:8000/v1?x=1"), "http://10.0.0.2:8000");
  EXPECT_EQ(url_origin("https://api.example.org"), "https://api.example.org");
}

}  // namespace
}  // namespace qb
