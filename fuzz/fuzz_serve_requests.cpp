// `qilin-bench serve`'s request handling without HTTP and without a model: the endpoint logic of
// serve/openai_handlers.h over a small deterministic ModelRunner (ASCII tokens, uniform
// log-probabilities, generation that repeats the last prompt character), so parsing, validation,
// echo/logprobs assembly, stop handling and chat rendering all run on hostile bodies. The first
// input byte picks the endpoint. A 4xx ApiError is the expected answer to a bad request; a 5xx,
// any other exception, or a response that cannot be serialised as JSON is a finding.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "serve/api_error.h"
#include "serve/engine_queue.h"
#include "serve/openai_handlers.h"

namespace {

using qb::serve::ModelRunner;

class AsciiRunner : public ModelRunner {
 public:
  static constexpr int64_t kVocab = 129;  // 0..127 ASCII, 128 = <s>
  std::vector<int64_t> encode(const std::string& text) const override {
    std::vector<int64_t> ids;
    for (unsigned char c : text) ids.push_back(c < 128 ? c : '?');
    return ids;
  }
  std::string decode(const std::vector<int64_t>& ids) const override {
    std::string s;
    for (int64_t id : ids)
      if (id >= 0 && id < 128) s.push_back(static_cast<char>(id));
    return s;
  }
  std::string token_text(int64_t id) const override { return id == 128 ? "<s>" : decode({id}); }
  int64_t vocab_size() const override { return kVocab; }
  int64_t bos_id() const override { return 128; }
  int64_t max_model_len() const override { return 64; }
  bool has_chat_template() const override { return true; }
  std::string render_chat(const std::vector<std::pair<std::string, std::string>>& turns) const override {
    std::string s;
    for (const auto& [role, content] : turns) s += "<" + role + ">" + content + "\n";
    return s + "<assistant>";
  }
  std::vector<qb::serve::PromptScore> score(const std::vector<std::vector<int64_t>>& sequences, int top_k) override {
    std::vector<qb::serve::PromptScore> out;
    const double lp = -std::log(static_cast<double>(kVocab));
    for (const auto& seq : sequences) {
      qb::serve::PromptScore s;
      for (size_t i = 0; i < seq.size(); ++i) {
        s.token_logprob.push_back(i == 0 ? 0.0 : lp);
        std::vector<std::pair<int64_t, double>> top;
        if (i > 0)
          for (int k = 0; k < top_k && k < kVocab; ++k) top.emplace_back((seq[i] + k) % kVocab, lp);
        s.top.push_back(std::move(top));
      }
      out.push_back(std::move(s));
    }
    return out;
  }
  std::vector<qb::GenerateResult> generate(const std::vector<Generation>& requests) override {
    std::vector<qb::GenerateResult> out;
    for (const auto& g : requests) {
      const char c = g.prompt_ids.empty() || g.prompt_ids.back() >= 128 ? 'a' : static_cast<char>(g.prompt_ids.back());
      std::string text(static_cast<size_t>(std::max(0, g.max_new_tokens)), c);
      for (const auto& stop : g.stop)
        if (!stop.empty())
          if (auto at = text.find(stop); at != std::string::npos) text.resize(at);
      qb::GenerateResult r;
      r.finish_reason = text.size() < static_cast<size_t>(std::max(0, g.max_new_tokens)) ? "stop" : "length";
      r.n_tokens = static_cast<int>(text.size());
      r.text = text;
      out.push_back(std::move(r));
    }
    return out;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static AsciiRunner runner;
  static qb::serve::EngineQueue queue(runner, 64);
  static qb::serve::OpenAIHandlers handlers(runner, queue, "fuzz-model");
  if (size == 0) return 0;
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    nlohmann::json response;
    switch (data[0] % 4) {
      case 0: response = handlers.completions(body); break;
      case 1: response = handlers.chat(body); break;
      case 2: response = handlers.tokenize(body); break;
      case 3: response = handlers.detokenize(body); break;
    }
    (void)response.dump();  // throws on invalid UTF-8: the server could not send it
  } catch (const qb::serve::ApiError& e) {
    if (e.status < 400 || e.status >= 500) {
      std::fprintf(stderr, "status %d for a request: %s\n", e.status, e.what());
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not an ApiError: %s\n", e.what());
    std::abort();
  }
  return 0;
}
