#include "serve/openai_handlers.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "serve/api_error.h"
#include "serve/openai_requests.h"

namespace qb::serve {

using nlohmann::json;

size_t utf8_length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

namespace {

// The engine says "eos" when the model ended the text; OpenAI clients know "stop" for that.
std::string openai_finish_reason(const std::string& r) { return r == "length" ? "length" : "stop"; }

// vLLM's stop_reason: null when the model ended the text (or the length did), else what stopped
// it. The engine does not say which stop string matched: the only one asked for, or all of them.
json stop_reason(const GenerateResult& g, const std::vector<std::string>& stop) {
  if (g.finish_reason != "stop") return nullptr;
  if (stop.size() == 1) return stop[0];
  return stop;
}

}  // namespace

OpenAIHandlers::OpenAIHandlers(ModelRunner& runner, EngineQueue& queue, std::string served_model)
    : runner_(runner), queue_(queue), served_model_(std::move(served_model)),
      created_(std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count()) {}

json OpenAIHandlers::models() const {
  return {{"object", "list"},
          {"data", json::array({{{"id", served_model_},
                                 {"object", "model"},
                                 {"created", created_},
                                 {"owned_by", "qilin-bench"},
                                 {"max_model_len", runner_.max_model_len()}}})}};
}

json OpenAIHandlers::completions(const std::string& body) {
  const std::string ep = "POST /v1/completions";
  CompletionRequest req = parse_completion_request(body);
  check_model_name(ep, req.model, served_model_, true);

  // Token ids of every prompt: text gets BOS + encode(text) (what the local engine scores);
  // ids are used as given, as vLLM does.
  std::vector<std::vector<int64_t>> ids(req.prompts.size());
  for (size_t i = 0; i < req.prompts.size(); ++i) {
    const Prompt& p = req.prompts[i];
    if (p.is_ids) {
      check_token_ids(ep, "prompt", fmt::format("prompt {}", i), p.ids, runner_.vocab_size());
      ids[i] = p.ids;
    } else {
      if (runner_.bos_id() >= 0) ids[i].push_back(runner_.bos_id());
      auto body_ids = runner_.encode(p.text);
      ids[i].insert(ids[i].end(), body_ids.begin(), body_ids.end());
    }
    check_context_length(ep, i, ids[i].size(), req.max_tokens, runner_.max_model_len());
  }

  std::vector<GenerateResult> gen(req.prompts.size());
  if (req.max_tokens > 0) {
    std::vector<ModelRunner::Generation> g(req.prompts.size());
    for (size_t i = 0; i < g.size(); ++i) g[i] = {ids[i], req.max_tokens, req.stop};
    gen = queue_.generate(std::move(g));
  } else {
    for (auto& r : gen) r.finish_reason = "length";
  }

  // Log-probabilities of the prompt (echo) and of the generated tokens, by one scoring pass over
  // prompt + re-encoded completion.
  std::vector<std::vector<int64_t>> gen_ids(gen.size());
  std::vector<PromptScore> scores;
  if (req.logprobs) {
    std::vector<std::vector<int64_t>> seqs(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      gen_ids[i] = runner_.encode(gen[i].text);
      seqs[i] = ids[i];
      seqs[i].insert(seqs[i].end(), gen_ids[i].begin(), gen_ids[i].end());
    }
    scores = queue_.score(std::move(seqs), *req.logprobs);
  }

  json choices = json::array();
  int64_t prompt_tokens = 0, completion_tokens = 0;
  for (size_t i = 0; i < req.prompts.size(); ++i) {
    const std::string prompt_text = req.prompts[i].is_ids ? runner_.decode(ids[i]) : req.prompts[i].text;
    const std::string text = req.echo ? prompt_text + gen[i].text : gen[i].text;
    prompt_tokens += static_cast<int64_t>(ids[i].size());
    completion_tokens += gen[i].n_tokens;
    json lp = nullptr;
    if (req.logprobs) {
      std::vector<int64_t> seq = ids[i];
      seq.insert(seq.end(), gen_ids[i].begin(), gen_ids[i].end());
      const size_t from = req.echo ? 0 : ids[i].size();
      json tokens = json::array(), token_lp = json::array(), top = json::array(), offsets = json::array();
      // Offsets count characters of the returned text: the decoded prefix before each token
      // (echo), or the decoded completion prefix (no echo).
      const size_t base = req.echo ? 0 : utf8_length(runner_.decode(ids[i]));
      for (size_t t = from; t < seq.size(); ++t) {
        tokens.push_back(runner_.token_text(seq[t]));
        offsets.push_back(utf8_length(runner_.decode(std::vector<int64_t>(seq.begin(), seq.begin() + t))) - base);
        if (t == 0) {
          token_lp.push_back(nullptr);
          top.push_back(nullptr);
          continue;
        }
        token_lp.push_back(scores[i].token_logprob[t]);
        json alt = json::object();
        for (const auto& [id, l] : scores[i].top[t]) {
          const std::string key = runner_.token_text(id);
          if (!alt.contains(key)) alt[key] = l;
        }
        top.push_back(alt);
      }
      lp = {{"tokens", tokens}, {"token_logprobs", token_lp}, {"top_logprobs", top}, {"text_offset", offsets}};
    }
    choices.push_back({{"index", i},
                       {"text", text},
                       {"logprobs", lp},
                       {"finish_reason", openai_finish_reason(gen[i].finish_reason)},
                       {"stop_reason", stop_reason(gen[i], req.stop)}});
  }
  return {{"id", fmt::format("cmpl-{}", next_id_++)},
          {"object", "text_completion"},
          {"created", created_},
          {"model", served_model_},
          {"choices", choices},
          {"usage",
           {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", completion_tokens},
            {"total_tokens", prompt_tokens + completion_tokens}}}};
}

json OpenAIHandlers::chat(const std::string& body) {
  const std::string ep = "POST /v1/chat/completions";
  ChatRequest req = parse_chat_request(body);
  check_model_name(ep, req.model, served_model_, true);
  if (!runner_.has_chat_template())
    throw ApiError(400,
                   fmt::format("{}: the model '{}' has no chat template (its checkpoint has no chat_template.json); "
                               "use /v1/completions",
                               ep, served_model_));
  std::vector<int64_t> ids;
  if (runner_.bos_id() >= 0) ids.push_back(runner_.bos_id());
  auto body_ids = runner_.encode(runner_.render_chat(req.messages));
  ids.insert(ids.end(), body_ids.begin(), body_ids.end());
  check_context_length(ep, 0, ids.size(), req.max_tokens, runner_.max_model_len());
  auto gen = queue_.generate({ModelRunner::Generation{ids, req.max_tokens, req.stop}});
  const int64_t prompt_tokens = static_cast<int64_t>(ids.size());
  return {{"id", fmt::format("chatcmpl-{}", next_id_++)},
          {"object", "chat.completion"},
          {"created", created_},
          {"model", served_model_},
          {"choices", json::array({{{"index", 0},
                                    {"message", {{"role", "assistant"}, {"content", gen[0].text}}},
                                    {"logprobs", nullptr},
                                    {"finish_reason", openai_finish_reason(gen[0].finish_reason)},
                                    {"stop_reason", stop_reason(gen[0], req.stop)}}})},
          {"usage",
           {{"prompt_tokens", prompt_tokens},
            {"completion_tokens", gen[0].n_tokens},
            {"total_tokens", prompt_tokens + gen[0].n_tokens}}}};
}

json OpenAIHandlers::tokenize(const std::string& body) const {
  const std::string ep = "POST /tokenize";
  TokenizeRequest req = parse_tokenize_request(body);
  check_model_name(ep, req.model, served_model_, false);
  std::vector<int64_t> ids;
  if (req.add_special_tokens && runner_.bos_id() >= 0) ids.push_back(runner_.bos_id());
  auto body_ids = runner_.encode(req.prompt);
  ids.insert(ids.end(), body_ids.begin(), body_ids.end());
  return {{"count", ids.size()}, {"max_model_len", runner_.max_model_len()}, {"tokens", ids}};
}

json OpenAIHandlers::detokenize(const std::string& body) const {
  const std::string ep = "POST /detokenize";
  DetokenizeRequest req = parse_detokenize_request(body);
  check_model_name(ep, req.model, served_model_, false);
  check_token_ids(ep, "tokens", "tokens", req.tokens, runner_.vocab_size());
  return {{"prompt", runner_.decode(req.tokens)}};
}

}  // namespace qb::serve
