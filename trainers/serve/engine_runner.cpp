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
  EngineRunner(const std::filesystem::path& dir, const EngineOptions& options)
      : engine_(dir, options), scorer_(load_scorer(dir, engine_)), chat_(read_chat_template(dir)),
        batch_size_(std::max(1, options.batch_size)) {}

  // The echo/logprobs scorer: the same weights, dtype and adapter as the engine. Loaded for
  // inference, a tensor stored in the compute dtype maps the same file pages as the engine's copy.
  static LlamaModel load_scorer(const std::filesystem::path& dir, Engine& engine) {
    LoadOptions lo;
    lo.dtype = engine.compute_dtype();
    lo.inference = true;
    lo.adapter = engine.options().adapter;
    return load_model(dir, lo);
  }

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

  // Consecutive sequences sharing a long prefix (the continuations of one question, sent as one
  // request's prompt list) run that prefix once and fan its KV cache out to their suffixes, as
  // Engine::loglik does; other sequences run whole, batch_size rows at a time.
  std::vector<serve::PromptScore> score(const std::vector<std::vector<int64_t>>& seqs, int top_k) override {
    c10::InferenceMode guard;
    std::vector<serve::PromptScore> out(seqs.size());
    const size_t bs = static_cast<size_t>(batch_size_);
    std::vector<size_t> singles;
    for (size_t i = 0; i < seqs.size();) {
      size_t j = i + 1;
      while (j < seqs.size() && shares_prefix(seqs[i], seqs[j])) ++j;
      if (j - i >= 2) {
        for (size_t c0 = i; c0 < j; c0 += bs) score_shared(seqs, c0, std::min(j, c0 + bs), top_k, out);
      } else {
        singles.push_back(i);
      }
      i = j;
    }
    for (size_t c0 = 0; c0 < singles.size(); c0 += bs)
      score_whole(seqs, std::vector<size_t>(singles.begin() + static_cast<long>(c0),
                                            singles.begin() + static_cast<long>(std::min(singles.size(), c0 + bs))),
                  top_k, out);
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

  static size_t common_prefix(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
    size_t n = 0;
    while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
    return n;
  }
  // Worth sharing: at least 2 tokens and half of the first sequence.
  static bool shares_prefix(const std::vector<int64_t>& first, const std::vector<int64_t>& other) {
    const size_t n = common_prefix(first, other);
    return n >= 2 && 2 * n >= first.size();
  }

  // Fills r from log-probs of positions [0, a.size(0)) in `a` and the following ones in `b`
  // (either may be empty): r.token_logprob[j] = log p(s[j] | s[<j]) is read at position j - 1.
  static void fill(serve::PromptScore& r, const std::vector<int64_t>& s, const torch::Tensor& a,
                   const torch::Tensor& b, int top_k) {
    r.token_logprob.assign(s.size(), 0.0);
    r.top.assign(s.size(), {});
    size_t at = 1;
    for (const torch::Tensor* part : {&a, &b}) {
      if (!part->defined() || part->size(0) == 0) continue;
      auto lp = part->contiguous();
      auto la = lp.accessor<float, 2>();
      // top-k 1 when none is asked: the accessors below need a tensor either way.
      auto [tv, ti] = lp.topk(std::max(top_k, 1), -1);
      tv = tv.contiguous();
      ti = ti.contiguous();
      auto tva = tv.accessor<float, 2>();
      auto tia = ti.accessor<int64_t, 2>();
      for (int64_t p = 0; p < lp.size(0) && at < s.size(); ++p, ++at) {
        r.token_logprob[at] = la[p][s[at]];
        for (int t = 0; t < top_k; ++t) r.top[at].emplace_back(tia[p][t], tva[p][t]);
      }
    }
  }

  torch::Tensor ids_batch(const std::vector<std::vector<int64_t>>& rows) const {
    size_t lmax = 0;
    for (const auto& r : rows) lmax = std::max(lmax, r.size());
    // Right padding: causal attention keeps the pads after a row's end out of its real
    // positions, so no mask is needed (as the Engine's continuation batches).
    auto ids = torch::full({static_cast<int64_t>(rows.size()), static_cast<int64_t>(lmax)}, tok().pad_id(),
                           torch::kInt64);
    auto ia = ids.accessor<int64_t, 2>();
    for (size_t k = 0; k < rows.size(); ++k)
      for (size_t j = 0; j < rows[k].size(); ++j) ia[static_cast<int64_t>(k)][static_cast<int64_t>(j)] = rows[k][j];
    return ids;
  }

  // Rows `which` run whole in one batch; log_softmax in float32, as Engine::loglik.
  void score_whole(const std::vector<std::vector<int64_t>>& seqs, const std::vector<size_t>& which, int top_k,
                   std::vector<serve::PromptScore>& out) {
    std::vector<std::vector<int64_t>> rows;
    for (size_t i : which) rows.push_back(seqs[i]);
    auto logp = torch::log_softmax(scorer_->forward(ids_batch(rows)), -1);
    for (size_t k = 0; k < which.size(); ++k) {
      const auto& s = seqs[which[k]];
      fill(out[which[k]], s, logp[static_cast<int64_t>(k)].narrow(0, 0, static_cast<int64_t>(s.size()) - 1), {},
           top_k);
    }
  }

  // Rows [c0, c1) share a prefix: it runs once (KV cache), then the suffixes as one batch.
  void score_shared(const std::vector<std::vector<int64_t>>& seqs, size_t c0, size_t c1, int top_k,
                    std::vector<serve::PromptScore>& out) {
    size_t shared = seqs[c0].size();
    for (size_t i = c0; i < c1; ++i) shared = std::min({shared, common_prefix(seqs[c0], seqs[i]), seqs[i].size() - 1});
    if (shared < 1) {
      std::vector<size_t> which;
      for (size_t i = c0; i < c1; ++i) which.push_back(i);
      return score_whole(seqs, which, top_k, out);
    }
    KVCache cache = scorer_->new_cache();
    std::vector<int64_t> prefix(seqs[c0].begin(), seqs[c0].begin() + static_cast<long>(shared));
    auto prefix_logp = torch::log_softmax(scorer_->forward(ids_batch({prefix}), &cache), -1)[0];
    std::vector<std::vector<int64_t>> suffixes;
    for (size_t i = c0; i < c1; ++i) suffixes.emplace_back(seqs[i].begin() + static_cast<long>(shared), seqs[i].end());
    KVCache fan = cache.repeated(static_cast<int64_t>(c1 - c0));
    auto suffix_logp = torch::log_softmax(scorer_->forward(ids_batch(suffixes), &fan), -1);
    for (size_t i = c0; i < c1; ++i) {
      // Positions 0..shared-1 from the prefix pass, then the suffix's own but its last (which
      // predicts past the sequence).
      const int64_t n_suffix = static_cast<int64_t>(seqs[i].size() - shared) - 1;
      fill(out[i], seqs[i], prefix_logp, suffix_logp[static_cast<int64_t>(i - c0)].narrow(0, 0, n_suffix), top_k);
    }
  }

  mutable Engine engine_;  // options() is non-const in the Engine's API
  LlamaModel scorer_;
  std::optional<ChatTemplateMarkers> chat_;
  int batch_size_;
};

}  // namespace

std::unique_ptr<serve::ModelRunner> make_engine_runner(const std::filesystem::path& dir, const EngineRunnerSettings& settings) {
  EngineOptions eo;
  eo.batch_size = settings.batch_size;
  eo.dtype = settings.dtype;
  eo.adapter = settings.adapter;
  return std::make_unique<EngineRunner>(dir, eo);
}

}  // namespace qb
