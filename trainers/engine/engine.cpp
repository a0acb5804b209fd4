#include "trainers/engine/engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "common/error.h"
#include "common/utf8.h"
#include "trainers/checkpoint/checkpoint.h"
#include "trainers/checkpoint/compute_dtype.h"

namespace qb {

namespace {

size_t common_prefix(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

torch::Tensor ids_tensor(const std::vector<int64_t>& ids) {
  return torch::tensor(ids, torch::kInt64).unsqueeze(0);
}

// Greedy (temperature <= 0) or temperature + nucleus sampling over one row of logits.
// Sampling is done in double on the CPU with the request's own generator, so the
// draw does not depend on the batch or the thread count.
int64_t choose_token(const float* logits, int64_t vocab, const GenerateRequest& req, std::mt19937_64& rng) {
  if (req.temperature <= 0.0) return std::max_element(logits, logits + vocab) - logits;
  const double mx = *std::max_element(logits, logits + vocab);
  std::vector<std::pair<double, int64_t>> p(vocab);
  double total = 0;
  for (int64_t i = 0; i < vocab; ++i) {
    p[i] = {std::exp((logits[i] - mx) / req.temperature), i};
    total += p[i].first;
  }
  std::stable_sort(p.begin(), p.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  double kept = 0;
  size_t n = 0;
  const double top_p = req.top_p > 0 && req.top_p < 1 ? req.top_p : 1.0;
  while (n < p.size() && (n == 0 || kept < top_p * total)) kept += p[n++].first;
  const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53 * kept;
  double acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += p[i].first;
    if (u < acc) return p[i].second;
  }
  return p[n - 1].second;
}

}  // namespace

struct Engine::Impl {
  LlamaModel model{nullptr};
  std::unique_ptr<Tokenizer> tok;
  EngineOptions opt;
  EngineStats stats;
  std::filesystem::path dir;  // the checkpoint directory
  std::string compute_dtype;  // "float32" or "bfloat16"

  std::vector<int64_t> ids_of(const std::string& text) const {
    std::vector<int64_t> ids;
    if (opt.add_bos) ids.push_back(tok->bos_id());
    auto body = tok->encode(text);
    ids.insert(ids.end(), body.begin(), body.end());
    return ids;
  }

  torch::Tensor hidden(const torch::Tensor& ids, KVCache* cache, const torch::Tensor& mask = {},
                       const torch::Tensor& pos = {}) {
    ++stats.forward_passes;
    stats.tokens_run += ids.numel();
    return model->hidden_states(ids, cache, mask, pos);
  }

  LoglikResult loglik_one(const LoglikRequest& req);
  std::vector<GenerateResult> generate_chunk(const std::vector<const GenerateRequest*>& reqs);
};

Engine::Engine(const std::filesystem::path& dir, EngineOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->opt = options;
  impl_->dir = dir;
  LoadOptions lo;
  lo.dtype = resolve_compute_dtype(dir, options.dtype);
  lo.inference = true;
  lo.adapter = options.adapter;
  impl_->compute_dtype = lo.dtype;
  impl_->model = load_model(dir, lo);
  impl_->tok = load_tokenizer(dir);
  if (impl_->tok->vocab_size() > impl_->model->config().vocab_size)
    throw InputError((dir / "tokenizer.json").string(), "vocabulary",
                     std::to_string(impl_->tok->vocab_size()) + " tokens but the model has only " +
                         std::to_string(impl_->model->config().vocab_size));
}

Engine::~Engine() = default;
std::vector<float> Engine::last_position_logits(const std::vector<std::vector<int64_t>>& rows) {
  c10::InferenceMode guard;
  if (rows.empty() || rows[0].empty()) return {};
  const int64_t b = static_cast<int64_t>(rows.size()), t = static_cast<int64_t>(rows[0].size());
  auto ids = torch::empty({b, t}, torch::kInt64);
  for (int64_t r = 0; r < b; ++r) {
    if (static_cast<int64_t>(rows[r].size()) != t) throw std::invalid_argument("rows must have equal lengths");
    std::copy(rows[r].begin(), rows[r].end(), ids[r].data_ptr<int64_t>());
  }
  auto h = impl_->hidden(ids, nullptr);
  auto logits = impl_->model->logits(h.select(1, t - 1)).contiguous();
  return std::vector<float>(logits.data_ptr<float>(), logits.data_ptr<float>() + logits.numel());
}

const Tokenizer& Engine::tokenizer() const { return *impl_->tok; }
const ModelConfig& Engine::config() const { return impl_->model->config(); }
const EngineStats& Engine::stats() const { return impl_->stats; }
EngineOptions& Engine::options() { return impl_->opt; }
const std::string& Engine::compute_dtype() const { return impl_->compute_dtype; }

BackendInfo Engine::info() const {
  BackendInfo b;
  b.kind = "local";
  b.model = impl_->dir.string();
  if (!impl_->opt.adapter.empty()) b.model += " + adapter " + impl_->opt.adapter;
  b.tokenizer = impl_->tok->signature();
  return b;
}

nlohmann::json Engine::counters() const {
  return {{"forward_passes", impl_->stats.forward_passes},
          {"tokens_run", impl_->stats.tokens_run},
          {"tokens_generated", impl_->stats.tokens_generated}};
}

std::vector<LoglikResult> Engine::loglik(const std::vector<LoglikRequest>& requests) {
  c10::InferenceMode guard;
  std::vector<LoglikResult> out;
  out.reserve(requests.size());
  for (const auto& r : requests) out.push_back(impl_->loglik_one(r));
  return out;
}

LoglikResult Engine::Impl::loglik_one(const LoglikRequest& req) {
  const size_t n = req.continuations.size();
  LoglikResult res;
  res.logprob.assign(n, 0.0);
  res.n_tokens.assign(n, 0);
  res.n_chars.assign(n, 0);
  res.is_greedy.assign(n, true);
  const auto ctx = ids_of(req.context);
  std::vector<std::vector<int64_t>> whole(n);
  std::vector<size_t> split(n);
  size_t shared = std::numeric_limits<size_t>::max();
  std::vector<size_t> scored;  // continuations with at least one token
  for (size_t i = 0; i < n; ++i) {
    whole[i] = ids_of(req.context + req.continuations[i]);
    // Token 0 has no prediction: at least one token of context is always kept.
    split[i] = std::max<size_t>(common_prefix(whole[i], ctx), 1);
    res.n_chars[i] = static_cast<int>(count_code_points(req.continuations[i]));
    if (whole[i].size() > split[i]) {
      res.n_tokens[i] = static_cast<int>(whole[i].size() - split[i]);
      shared = std::min(shared, split[i]);
      scored.push_back(i);
    }
  }
  if (scored.empty()) return res;

  // Adds log p(whole[i][j] | whole[i][:j]) for the scored positions, given log-probs and
  // argmaxes for the predicting positions (pos(j-1) -> row of `logp`).
  auto score = [&](size_t i, size_t j, const torch::TensorAccessor<float, 1>& logp, int64_t argmax) {
    const int64_t tok_id = whole[i][j];
    res.logprob[i] += logp[tok_id];
    if (argmax != tok_id) res.is_greedy[i] = false;
  };

  if (!opt.prefix_sharing) {  // the naive baseline: every continuation from scratch
    for (size_t i : scored) {
      auto h = hidden(ids_tensor(whole[i]), nullptr);
      auto logp = torch::log_softmax(model->logits(h[0]), -1).contiguous();
      auto am = logp.argmax(-1);
      auto a = logp.accessor<float, 2>();
      auto ama = am.accessor<int64_t, 1>();
      for (size_t j = split[i]; j < whole[i].size(); ++j) score(i, j, a[j - 1], ama[j - 1]);
    }
    return res;
  }

  // The shared prefix runs once; its last position predicts the first suffix token.
  KVCache cache = model->new_cache();
  const auto& source = ctx.size() >= shared ? ctx : whole[scored[0]];  // ctx is shorter only when empty
  std::vector<int64_t> prefix(source.begin(), source.begin() + static_cast<long>(shared));
  auto h = hidden(ids_tensor(prefix), &cache);
  auto last_logp = torch::log_softmax(model->logits(h[0][shared - 1]), -1).contiguous();
  const int64_t last_argmax = last_logp.argmax().item<int64_t>();
  auto last = last_logp.accessor<float, 1>();

  const size_t bs = static_cast<size_t>(std::max(1, opt.batch_size));
  for (size_t c0 = 0; c0 < scored.size(); c0 += bs) {
    const size_t b = std::min(bs, scored.size() - c0);
    size_t lmax = 0;
    for (size_t k = 0; k < b; ++k) lmax = std::max(lmax, whole[scored[c0 + k]].size() - shared);
    // Right padding: real positions never attend to the pads after them, so no mask.
    auto ids = torch::full({static_cast<int64_t>(b), static_cast<int64_t>(lmax)}, tok->pad_id(), torch::kInt64);
    auto ia = ids.accessor<int64_t, 2>();
    for (size_t k = 0; k < b; ++k) {
      const auto& w = whole[scored[c0 + k]];
      for (size_t j = shared; j < w.size(); ++j) ia[k][j - shared] = w[j];
    }
    KVCache fan = cache.repeated(static_cast<int64_t>(b));
    auto hs = hidden(ids, &fan);
    auto logp = torch::log_softmax(model->logits(hs), -1).contiguous();
    auto am = logp.argmax(-1);
    auto a = logp.accessor<float, 3>();
    auto ama = am.accessor<int64_t, 2>();
    for (size_t k = 0; k < b; ++k) {
      const size_t i = scored[c0 + k];
      for (size_t j = split[i]; j < whole[i].size(); ++j) {
        if (j - 1 < shared) score(i, j, last, last_argmax);  // j - 1 == shared - 1
        else score(i, j, a[k][j - 1 - shared], ama[k][j - 1 - shared]);
      }
    }
  }
  return res;
}

std::vector<GenerateResult> Engine::generate(const std::vector<GenerateRequest>& requests) {
  c10::InferenceMode guard;
  std::vector<GenerateResult> out;
  out.reserve(requests.size());
  const size_t bs = static_cast<size_t>(std::max(1, impl_->opt.batch_size));
  for (size_t c0 = 0; c0 < requests.size(); c0 += bs) {
    std::vector<const GenerateRequest*> chunk;
    for (size_t i = c0; i < std::min(requests.size(), c0 + bs); ++i) chunk.push_back(&requests[i]);
    for (auto& r : impl_->generate_chunk(chunk)) out.push_back(std::move(r));
  }
  return out;
}

std::vector<GenerateResult> Engine::Impl::generate_chunk(const std::vector<const GenerateRequest*>& reqs) {
  const size_t n = reqs.size();
  const int64_t vocab = model->config().vocab_size;
  std::vector<GenerateResult> res(n);
  std::vector<std::vector<int64_t>> prompt(n), gen(n);
  std::vector<std::mt19937_64> rng;
  std::vector<size_t> active;  // rows still generating, in batch order
  for (size_t i = 0; i < n; ++i) {
    if (reqs[i]->max_new_tokens < 0)
      throw InputError("request '" + reqs[i]->id + "'", "max_new_tokens", "must not be negative");
    prompt[i] = ids_of(reqs[i]->prompt);
    if (prompt[i].empty()) prompt[i].push_back(tok->bos_id());  // something to predict from
    rng.emplace_back(reqs[i]->seed);
    if (reqs[i]->max_new_tokens == 0) res[i].finish_reason = "length";
    else active.push_back(i);
  }

  // Left-padded batch of full sequences (prompt + generated so far) for `rows`.
  auto full_batch = [&](const std::vector<size_t>& rows, torch::Tensor& ids, torch::Tensor& mask, torch::Tensor& pos) {
    size_t lmax = 0;
    for (size_t r : rows) lmax = std::max(lmax, prompt[r].size() + gen[r].size());
    const int64_t b = static_cast<int64_t>(rows.size()), L = static_cast<int64_t>(lmax);
    ids = torch::full({b, L}, tok->pad_id(), torch::kInt64);
    mask = torch::zeros({b, L}, torch::kInt64);
    pos = torch::zeros({b, L}, torch::kInt64);
    auto ia = ids.accessor<int64_t, 2>(), ma = mask.accessor<int64_t, 2>(), pa = pos.accessor<int64_t, 2>();
    for (int64_t k = 0; k < b; ++k) {
      const auto& p = prompt[rows[k]];
      const auto& g = gen[rows[k]];
      const int64_t len = static_cast<int64_t>(p.size() + g.size()), pad = L - len;
      for (int64_t j = 0; j < len; ++j) {
        ia[k][pad + j] = j < static_cast<int64_t>(p.size()) ? p[j] : g[j - p.size()];
        ma[k][pad + j] = 1;
        pa[k][pad + j] = j;
      }
    }
  };

  if (active.empty()) return res;
  torch::Tensor ids, mask, pos;
  full_batch(active, ids, mask, pos);
  KVCache cache = model->new_cache();
  // Without padding (all prompts the same length) no mask is needed: the prefill builds
  // the causal one itself and a single new token sees every cached key.
  bool padded = false;
  for (size_t r : active) padded = padded || prompt[r].size() != prompt[active[0]].size();
  auto h = hidden(ids, opt.kv_cache ? &cache : nullptr, padded ? mask : torch::Tensor(), pos);
  auto logits = model->logits(h.select(1, h.size(1) - 1)).contiguous();

  while (!active.empty()) {
    std::vector<int64_t> keep;  // positions in `active` that go on
    std::vector<size_t> next_active;
    auto la = logits.accessor<float, 2>();
    for (size_t k = 0; k < active.size(); ++k) {
      const size_t r = active[k];
      const GenerateRequest& req = *reqs[r];
      const int64_t t = choose_token(la[k].data(), vocab, req, rng[r]);
      ++stats.tokens_generated;
      if (t == tok->eos_id()) {
        res[r].finish_reason = "eos";
        continue;
      }
      gen[r].push_back(t);
      if (!req.stop.empty()) {  // decoding is only needed to look for stop strings
        std::string text = tok->decode(gen[r]);
        size_t cut = std::string::npos;
        for (const auto& s : req.stop)
          if (!s.empty()) cut = std::min(cut, text.find(s));
        if (cut != std::string::npos) {
          res[r].finish_reason = "stop";
          res[r].text = text.substr(0, cut);
          continue;
        }
      }
      if (static_cast<int>(gen[r].size()) >= req.max_new_tokens) {
        res[r].finish_reason = "length";
        continue;
      }
      keep.push_back(static_cast<int64_t>(k));
      next_active.push_back(r);
    }
    if (next_active.empty()) break;
    if (opt.kv_cache) {
      if (next_active.size() != active.size()) {
        auto rows = torch::tensor(keep, torch::kInt64);
        cache.select_rows(rows);
        if (padded) mask = mask.index_select(0, rows);
      }
      const int64_t b = static_cast<int64_t>(next_active.size());
      auto step = torch::empty({b, 1}, torch::kInt64);
      auto step_pos = torch::empty({b, 1}, torch::kInt64);
      auto sa = step.accessor<int64_t, 2>(), spa = step_pos.accessor<int64_t, 2>();
      for (int64_t k = 0; k < b; ++k) {
        const size_t r = next_active[k];
        sa[k][0] = gen[r].back();
        spa[k][0] = static_cast<int64_t>(prompt[r].size() + gen[r].size() - 1);
      }
      if (padded) mask = torch::cat({mask, torch::ones({b, 1}, torch::kInt64)}, 1);
      h = hidden(step, &cache, padded ? mask : torch::Tensor(), step_pos);
      logits = model->logits(h.select(1, 0)).contiguous();
    } else {
      full_batch(next_active, ids, mask, pos);
      h = hidden(ids, nullptr, mask, pos);
      logits = model->logits(h.select(1, h.size(1) - 1)).contiguous();
    }
    active = std::move(next_active);
  }
  for (size_t r = 0; r < n; ++r) {
    res[r].n_tokens = static_cast<int>(gen[r].size());
    if (res[r].finish_reason != "stop") res[r].text = tok->decode(gen[r]);
  }
  return res;
}

}  // namespace qb
