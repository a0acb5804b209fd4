// serve/openai_requests.h without a model or HTTP: every accepted shape and every refusal with its
// status, param and exact message.
#include "serve/openai_requests.h"

#include <gtest/gtest.h>

#include "serve/api_error.h"

namespace qb::serve {
namespace {

// The ApiError a parse throws (status, param, message), or a failure when it throws none.
template <typename F>
ApiError refusal(F&& f) {
  try {
    f();
  } catch (const ApiError& e) {
    return e;
  }
  ADD_FAILURE() << "no ApiError";
  return ApiError(0, "");
}

TEST(OpenAIRequests, CompletionPromptShapes) {
  auto r = parse_completion_request(R"({"model":"m","prompt":"患者"})");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_FALSE(r.prompts[0].is_ids);
  EXPECT_EQ(r.prompts[0].text, "患者");
  EXPECT_EQ(r.max_tokens, 16);
  EXPECT_FALSE(r.echo);
  EXPECT_FALSE(r.logprobs.has_value());

  r = parse_completion_request(R"({"model":"m","prompt":["a","b"],"echo":true,"logprobs":1,"max_tokens":0,
                                   "stop":["\n",""],"temperature":0,"top_p":1,"n":1,"stream":false,"user":"x"})");
  ASSERT_EQ(r.prompts.size(), 2u);
  EXPECT_EQ(r.prompts[1].text, "b");
  EXPECT_TRUE(r.echo);
  EXPECT_EQ(r.logprobs, 1);
  EXPECT_EQ(r.max_tokens, 0);
  EXPECT_EQ(r.stop, std::vector<std::string>{"\n"});  // empty stop strings are dropped

  r = parse_completion_request(R"({"model":"m","prompt":[1,5,7],"stop":"x"})");
  ASSERT_EQ(r.prompts.size(), 1u);
  EXPECT_TRUE(r.prompts[0].is_ids);
  EXPECT_EQ(r.prompts[0].ids, (std::vector<int64_t>{1, 5, 7}));
  EXPECT_EQ(r.stop, std::vector<std::string>{"x"});

  r = parse_completion_request(R"({"model":"m","prompt":[[1,2],[3]],"temperature":null})");
  ASSERT_EQ(r.prompts.size(), 2u);
  EXPECT_EQ(r.prompts[1].ids, std::vector<int64_t>{3});
}

TEST(OpenAIRequests, CompletionRefusals) {
  const std::string C = "POST /v1/completions: ";
  struct Case {
    const char* body;
    int status;
    const char* param;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"", 400, "", C + "the body is not valid JSON ([json.exception.parse_error.101] parse error at line 1, column 1: "
                           "syntax error while parsing value - unexpected end of input; expected '[', '{', or a literal)"},
      {"[]", 400, "", C + "the body must be a JSON object, got array"},
      {R"({"prompt":"a"})", 400, "model", C + "'model' is required"},
      {R"({"model":3,"prompt":"a"})", 400, "model", C + "'model' must be a string, got number"},
      {R"({"model":"m"})", 400, "prompt", C + "'prompt' is required"},
      {R"({"model":"m","prompt":[]})", 400, "prompt", C + "'prompt' is an empty list"},
      {R"({"model":"m","prompt":[[]]})", 400, "prompt", C + "'prompt[0]' is an empty token list"},
      {R"({"model":"m","prompt":[1,"a"]})", 400, "prompt", C + "'prompt[1]' must be an integer token id, got string"},
      {R"({"model":"m","prompt":[[1],[2.5]]})", 400, "prompt",
       C + "'prompt[1][0]' must be an integer token id, got number"},
      {R"({"model":"m","prompt":"a","max_tokens":-1})", 400, "max_tokens",
       C + "'max_tokens' must be between 0 and 16777216, got -1"},
      {R"({"model":"m","prompt":"a","max_tokens":1.5})", 400, "max_tokens",
       C + "'max_tokens' must be an integer, got number"},
      {R"({"model":"m","prompt":"a","stop":[1]})", 400, "stop", C + "'stop[0]' must be a string, got number"},
      {R"({"model":"m","prompt":"a","stop":{}})", 400, "stop",
       C + "'stop' must be a string or a list of strings, got object"},
      {R"({"model":"m","prompt":"a","top_p":0.9})", 400, "top_p",
       C + "only greedy decoding is served: 'top_p' must be 1, got 0.9"},
      {R"({"model":"m","prompt":"a","temperature":"0"})", 400, "temperature",
       C + "'temperature' must be a number, got string"},
      {R"({"model":"m","prompt":"a","n":2})", 400, "n",
       C + "'n' must be 1 (one greedy answer per prompt), got 2"},
  };
  for (const auto& c : cases) {
    ApiError e = refusal([&] { parse_completion_request(c.body); });
    EXPECT_EQ(e.status, c.status) << c.body;
    EXPECT_EQ(e.param, c.param) << c.body;
    EXPECT_EQ(std::string(e.what()), c.message) << c.body;
    EXPECT_EQ(e.to_json()["error"]["type"], "invalid_request_error");
  }
}

TEST(OpenAIRequests, ChatTokenizeDetokenize) {
  auto chat = parse_chat_request(
      R"({"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":"u"}],
          "max_completion_tokens":7})");
  ASSERT_EQ(chat.messages.size(), 2u);
  EXPECT_EQ(chat.messages[1], (std::pair<std::string, std::string>{"user", "u"}));
  EXPECT_EQ(chat.max_tokens, 7);
  EXPECT_EQ(std::string(refusal([] { parse_chat_request(R"({"model":"m","messages":[{"role":"user"}]})"); }).what()),
            "POST /v1/chat/completions: 'messages[0].content' must be a string");
  EXPECT_EQ(std::string(refusal([] { parse_chat_request(R"({"model":"m","messages":"hi"})"); }).what()),
            "POST /v1/chat/completions: 'messages' must be a list of messages, got string");

  auto t = parse_tokenize_request(R"({"prompt":"ab","add_special_tokens":false})");
  EXPECT_EQ(t.prompt, "ab");
  EXPECT_FALSE(t.add_special_tokens);
  EXPECT_EQ(parse_detokenize_request(R"({"tokens":[1,2]})").tokens, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(std::string(refusal([] { parse_detokenize_request(R"({"tokens":[1,"x"]})"); }).what()),
            "POST /detokenize: 'tokens[1]' must be an integer token id, got string");
}

TEST(OpenAIRequests, ModelChecks) {
  EXPECT_NO_THROW(check_model_name("E", "m", "m", true));
  EXPECT_NO_THROW(check_model_name("E", "", "m", false));
  ApiError e = refusal([] { check_model_name("E", "x", "m", true); });
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "model_not_found");
  EXPECT_EQ(std::string(e.what()), "E: the model 'x' does not exist; this server serves 'm'");
  e = refusal([] { check_token_ids("E", "prompt", "prompt 0", {1, 10}, 10); });
  EXPECT_EQ(std::string(e.what()), "E: prompt 0: token id 10 at position 1 is outside the vocabulary [0, 10)");
  EXPECT_NO_THROW(check_context_length("E", 0, 10, 6, 16));
  e = refusal([] { check_context_length("E", 2, 10, 7, 16); });
  EXPECT_EQ(std::string(e.what()),
            "E: prompt 2 has 10 tokens and max_tokens is 7: together 17 exceed the model's context of 16 tokens");
}

}  // namespace
}  // namespace qb::serve
