#include "trainers/serve/engine_runner.h"

#include <algorithm>
#include <optional>

#include "trainers/checkpoint/chat_template.h"
#include "trainers/checkpoint/checkpoint.h"
#include "trainers/engine/engine.h"

namespace qb {

namespace {

class EngineRunner : public serve::ModelRunner {
 public:
  EngineRunner(const std::filesystem::path& dir, int batch_size)
      : engine_(dir, EngineOptions{batch_size}), scorer_(load_model(dir)), chat_(read_chat_template(dir)),
        batch_size_(std::max(1, batch_size)) {}

  std::vector<int64_t> encode(const std::string& text) const override { return tok().encode(text); }
  std::string decode(const std::vector<int64_t>& ids) const override { return tok().decode(ids); }
  std::string token_text(int64_t id) const override {
    // decode() skips specials; logprobs.tokens names them so a client sees where BOS is.
    if (id == tok().bos_id()) return "<s>";
    if (id == tok().eos_id()) return "</s>";
    if (id == tok().pad_id()) return "<pad>";
    // A lone byte of a multi-byte character decodes to U+FFFD: named by id instead, so every
    // token has its own key in top_logprobs and clients can compare tokens with alternatives.
    std::string text = tok().decode({id});
    if (text.empty() || text.find("\xEF\xBF\xBD") != std::string::npos) return "<token " + std::to_string(id) + ">";
    return text;
  }
  int64_t vocab_size() const override { return tok().vocab_size(); }
  int64_t bos_id() const override { return engine_.options().add_bos ? tok().bos_id() : -1; }
  int64_t max_model_len() const override { return engine_.config().max_position_embeddings; }
  bool has_chat_template() const override { return chat_.has_value(); }
  std::string render_chat(const std::vector<std::pair<std::string, std::string>>& messages) const override {
    std::string out;
    for (const auto& [role, content] : messages) {
      if (role == "system") out += chat_->system_prefix + content + chat_->system_suffix;
      else if (role == "user") out += chat_->user_prefix + content + chat_->user_suffix;
      else out += chat_->assistant_prefix + content + chat_->assistant_suffix;
    }
    return out + chat_->assistant_prefix;  // the reply starts here
  }

  std::vector<serve::PromptScore> score(const std::vector<std::vector<int64_t>>& seqs, int top_k) override {
    c10::InferenceMode guard;
    std::vector<serve::PromptScore> out(seqs.size());
    const size_t bs = static_cast<size_t>(batch_size_);
    for (size_t c0 = 0; c0 < seqs.size(); c0 += bs) {
      const size_t b = std::min(bs, seqs.size() - c0);
      size_t lmax = 0;
      for (size_t k = 0; k < b; ++k) lmax = std::max(lmax, seqs[c0 + k].size());
      // Right padding: causal attention keeps the pads after a row's end out of its real
      // positions, so no mask is needed (as the Engine's continuation batches).
      auto ids = torch::full({static_cast<int64_t>(b), static_cast<int64_t>(lmax)}, tok().pad_id(), torch::kInt64);
      auto ia = ids.accessor<int64_t, 2>();
      for (size_t k = 0; k < b; ++k)
        for (size_t j = 0; j < seqs[c0 + k].size(); ++j) ia[k][j] = seqs[c0 + k][j];
      // log_softmax in float32 over the vocabulary, as Engine::loglik does.
      auto logp = torch::log_softmax(scorer_->forward(ids), -1).contiguous();
      torch::Tensor top_v = torch::zeros({1, 1, 1}), top_i = torch::zeros({1, 1, 1}, torch::kInt64);
      if (top_k > 0) {
        std::tie(top_v, top_i) = logp.topk(top_k, -1);
        top_v = top_v.contiguous();
        top_i = top_i.contiguous();
      }
      auto la = logp.accessor<float, 3>();
      auto tva = top_v.accessor<float, 3>();
      auto tia = top_i.accessor<int64_t, 3>();
      for (size_t k = 0; k < b; ++k) {
        const auto& s = seqs[c0 + k];
        serve::PromptScore& r = out[c0 + k];
        r.token_logprob.assign(s.size(), 0.0);
        r.top.assign(s.size(), {});
        for (size_t j = 1; j < s.size(); ++j) {
          r.token_logprob[j] = la[k][j - 1][s[j]];
          for (int t = 0; t < top_k; ++t)
            r.top[j].emplace_back(tia[k][j - 1][t], tva[k][j - 1][t]);
        }
      }
    }
    return out;
  }

  // The Engine takes text: ids are decoded (BOS dropped: the Engine adds its own) and
  // re-encoded, which is the identity for the char tokenizer (encode(decode(ids)) == ids).
  std::vector<GenerateResult> generate(const std::vector<Generation>& gens) override {
    std::vector<GenerateRequest> reqs(gens.size());
    for (size_t i = 0; i < gens.size(); ++i) {
      std::vector<int64_t> ids = gens[i].prompt_ids;
      if (!ids.empty() && ids[0] == tok().bos_id()) ids.erase(ids.begin());
      reqs[i].id = "request " + std::to_string(i);
      reqs[i].prompt = tok().decode(ids);
      reqs[i].max_new_tokens = gens[i].max_new_tokens;
      reqs[i].stop = gens[i].stop;
      reqs[i].temperature = 0.0;
    }
    return engine_.generate(reqs);
  }

 private:
  const Tokenizer& tok() const { return engine_.tokenizer(); }

  mutable Engine engine_;  // options() is non-const in the Engine's API
  LlamaModel scorer_;
  std::optional<ChatTemplateMarkers> chat_;
  int batch_size_;
};

}  // namespace

std::unique_ptr<serve::ModelRunner> make_engine_runner(const std::filesystem::path& dir, int batch_size) {
  return std::make_unique<EngineRunner>(dir, batch_size);
}

}  // namespace qb
