// run_training_stage: reads the stage's data through suites/ readers, builds or loads the
// model and tokenizer, wires the stage objective into the shared loop (train_loop.h).
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "suites/dcpt_reader.h"
#include "suites/dpo_reader.h"
#include "suites/sft_reader.h"
#include "trainers/tokenizer/char_tokenizer.h"
#include "trainers/checkpoint/chat_template.h"
#include "trainers/checkpoint/checkpoint.h"
#include "trainers/train/dpo_loss.h"
#include "trainers/model/lora.h"
#include "trainers/model/model_config.h"
#include "trainers/tokenizer/tokenizer.h"
#include "trainers/train/train.h"
#include "trainers/train/train_batch.h"
#include "trainers/train/train_data.h"
#include "trainers/train/train_loop.h"
#include "trainers/train/train_model_lora.h"

namespace qb {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace qb::train;

std::string TrainSummary::to_json() const {
  json j = {{"stage", stage},
            {"steps", steps},
            {"resumed_from", resumed_from},
            {"train_examples", train_examples},
            {"eval_examples", eval_examples},
            {"skipped_examples", skipped_examples},
            {"first_loss", first_loss},
            {"last_loss", last_loss},
            {"tokens_per_second", tokens_per_second},
            {"eval_start", json::parse(eval_start_json.empty() ? "{}" : eval_start_json)},
            {"eval_end", json::parse(eval_end_json.empty() ? "{}" : eval_end_json)},
            {"model_dir", model_dir.string()},
            {"metrics_file", metrics_file.string()}};
  return j.dump(2);
}

namespace {

Encoder encoder_of(const Tokenizer& tok) {
  return [&tok](const std::string& s) {
    auto ids = tok.encode(s);
    return TokenIds(ids.begin(), ids.end());
  };
}

ChatTemplate template_of(const TrainConfig& c) {
  ChatTemplate t;
  t.system_prefix = c.template_system_prefix;
  t.system_suffix = c.template_system_suffix;
  t.user_prefix = c.template_user_prefix;
  t.user_suffix = c.template_user_suffix;
  t.assistant_prefix = c.template_assistant_prefix;
  t.assistant_suffix = c.template_assistant_suffix;
  return t;
}

Dialogue dialogue_of(const std::vector<ChatTurn>& turns) {
  Dialogue d;
  for (const auto& t : turns) d.push_back({t.role, t.text});
  return d;
}

// Seeded split of record indices into (train, held-out) when no eval file is given.
std::pair<std::vector<size_t>, std::vector<size_t>> split_records(size_t n, double fraction, uint64_t seed) {
  auto order = epoch_order(static_cast<int64_t>(n), seed ^ 0x51ed270b27a3c5f1ULL, 0, true);
  size_t held = static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
  if (fraction > 0 && held == 0 && n >= 2) held = 1;
  std::vector<size_t> tr, he;
  for (size_t i = 0; i < n; ++i) (i < held ? he : tr).push_back(static_cast<size_t>(order[i]));
  std::sort(tr.begin(), tr.end());
  std::sort(he.begin(), he.end());
  return {tr, he};
}

int64_t total_steps_of(const TrainConfig& c, int64_t n_examples) {
  if (c.max_steps > 0) return c.max_steps;
  const double per_step = static_cast<double>(c.batch_size * c.grad_accum);
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(c.epochs * static_cast<double>(n_examples) / per_step)));
}

// ---- objectives ---------------------------------------------------------------------------

// The held-out batches [begin, end) rank r evaluates: the whole set cut into batches of
// `batch` from index 0, batch k going to rank k % world. Every batch is the same at any world
// size, so each example's numbers are computed in the same batch composition (same padded
// length, same matrix shapes) by one process or by many; only the final sums differ in order.
std::vector<std::pair<size_t, size_t>> held_out_batches(size_t n, int64_t batch, int rank, int world) {
  std::vector<std::pair<size_t, size_t>> out;
  const size_t b = static_cast<size_t>(batch);
  for (size_t begin = static_cast<size_t>(rank) * b; begin < n; begin += static_cast<size_t>(world) * b)
    out.emplace_back(begin, std::min(n, begin + b));
  return out;
}

// DCPT and SFT: mean next-token NLL over masked targets.
class LmObjective : public Objective {
 public:
  LmObjective(TrainableLm& lm, std::vector<MaskedSequence> train, std::vector<MaskedSequence> held,
              int32_t pad, int64_t eval_batch)
      : lm_(lm), train_(std::move(train)), held_(std::move(held)), pad_(pad), eval_batch_(eval_batch) {}
  int64_t num_examples() const override { return static_cast<int64_t>(train_.size()); }
  // masked_nll is a mean over scored targets: positions t >= 1 with loss_mask[t] set.
  double loss_weight(const std::vector<int64_t>& idx) const override {
    double n = 0;
    for (int64_t i : idx) {
      const auto& mask = train_[static_cast<size_t>(i)].loss_mask;
      for (size_t t = 1; t < mask.size(); ++t) n += mask[t] ? 1 : 0;
    }
    return n;
  }
  MicroStep micro_step(const std::vector<int64_t>& idx) override {
    std::vector<const MaskedSequence*> seqs;
    for (int64_t i : idx) seqs.push_back(&train_[static_cast<size_t>(i)]);
    LmBatch b = collate(seqs, pad_);
    MicroStep m;
    m.loss = masked_nll(lm_.logits(b.ids), b);
    m.tokens = b.n_tokens;
    return m;
  }
  // [negative log-likelihood, scored tokens] over this rank's held-out batches.
  std::vector<double> eval_sums(int rank, int world) override {
    torch::NoGradGuard ng;
    TrainingModeScope eval_mode(lm_, false);  // no adapter dropout, whatever mode the caller left
    double nll = 0, count = 0;
    for (const auto& [begin, end] : held_out_batches(held_.size(), eval_batch_, rank, world)) {
      std::vector<const MaskedSequence*> seqs;
      for (size_t j = begin; j < end; ++j) seqs.push_back(&held_[j]);
      LmBatch b = collate(seqs, pad_);
      auto lp = token_logprobs(lm_.logits(b.ids), b.targets);
      nll -= (lp * b.target_mask).sum().item<double>();
      count += b.target_mask.sum().item<double>();
    }
    return {nll, count};
  }
  json eval_result(const std::vector<double>& sums) const override {
    if (held_.empty()) return json::object();
    const double loss = sums.at(0) / sums.at(1);
    return {{"loss", loss}, {"perplexity", std::exp(loss)}, {"tokens", static_cast<int64_t>(std::llround(sums.at(1)))},
            {"sequences", static_cast<int64_t>(held_.size())}};
  }
  NamedParams trainable() override { return lm_.trainable(); }
  void set_training(bool on) override { lm_.set_training(on); }

 private:
  TrainableLm& lm_;
  std::vector<MaskedSequence> train_, held_;
  int32_t pad_;
  int64_t eval_batch_;
};

// DPO's frozen reference: the init (SFT) model. It runs on the very batch the policy runs on
// (TRL's default), so while the policy still equals the reference both compute bit-identical
// log-probs and every reward is exactly 0 on any CPU and at any world size, instead of a
// rounding difference between two batch compositions deciding rewards/accuracies.
// LoRA: the policy's own frozen base with the adapters detached (no second copy of the
// weights). Full fine-tuning: a frozen copy read from `init` (one more set of weights in
// memory; no gradients, no optimizer moments).
class DpoReference {
 public:
  DpoReference(TrainableLm& policy, const fs::path& init) : policy_(policy) {
    if (policy_.uses_lora()) return;
    frozen_ = load_model(init);
    for (auto& p : frozen_.value()->parameters()) p.set_requires_grad(false);
    frozen_.value()->eval();
  }
  torch::Tensor logits(const torch::Tensor& ids) {
    torch::NoGradGuard ng;
    return frozen_ ? frozen_.value()->forward(ids) : policy_.base_logits(ids);
  }

 private:
  TrainableLm& policy_;
  std::optional<LlamaModel> frozen_;
};

// Per-pair response log-probs (sums over response tokens; IPO: means), float64.
struct PairLogps {
  torch::Tensor chosen, rejected;          // policy, [N]
  torch::Tensor ref_chosen, ref_rejected;  // reference, [N], no grad
  int64_t tokens = 0;                      // real tokens of the batch
};

class DpoObjective : public Objective {
 public:
  DpoObjective(TrainableLm& lm, DpoReference& ref, std::vector<TokenizedPair> train, std::vector<TokenizedPair> held,
               int32_t pad, double beta, PreferenceLoss kind, int64_t eval_batch)
      : lm_(lm), ref_(ref), train_(std::move(train)), held_(std::move(held)), pad_(pad), beta_(beta), kind_(kind),
        eval_batch_(eval_batch) {}

  int64_t num_examples() const override { return static_cast<int64_t>(train_.size()); }
  MicroStep micro_step(const std::vector<int64_t>& idx) override {
    MicroStep m;
    PairLogps p = logps(train_, idx);
    auto o = dpo_loss(p.chosen, p.rejected, p.ref_chosen, p.ref_rejected, beta_, kind_);
    m.loss = o.loss;
    m.tokens = p.tokens;
    m.metrics = {{"rewards/chosen", o.rewards_chosen},       {"rewards/rejected", o.rewards_rejected},
                 {"rewards/accuracies", o.rewards_accuracies}, {"rewards/margins", o.rewards_margins},
                 {"logps/chosen", o.logps_chosen},           {"logps/rejected", o.logps_rejected}};
    return m;
  }
  // Per-pair means of this rank's held-out batches times its pair count (so the ranks' sums
  // add up to the global sums), then the count: [loss, rewards/chosen, rewards/rejected,
  // rewards/accuracies, rewards/margins, logps/chosen, logps/rejected, pairs].
  std::vector<double> eval_sums(int rank, int world) override {
    const auto batches = held_out_batches(held_.size(), eval_batch_, rank, world);
    std::vector<double> sums = held_out_means(batches);
    double k = 0;
    for (const auto& [begin, end] : batches) k += static_cast<double>(end - begin);
    for (double& v : sums) v *= k;
    sums.push_back(k);
    return sums;
  }
  json eval_result(const std::vector<double>& sums) const override {
    if (held_.empty()) return json::object();
    std::vector<double> means(sums.begin(), sums.begin() + 7);
    for (double& v : means) v /= sums.at(7);
    return eval_json(means);
  }
  // One process: the means as dpo_loss computes them over all held-out pairs (no multiply and
  // divide by the count, so the numbers are bit-for-bit those of a plain evaluation).
  json evaluate() override {
    if (held_.empty()) return json::object();
    return eval_json(held_out_means(held_out_batches(held_.size(), eval_batch_, 0, 1)));
  }
  NamedParams trainable() override { return lm_.trainable(); }
  void set_training(bool on) override { lm_.set_training(on); }

 private:
  TrainableLm& lm_;
  DpoReference& ref_;
  std::vector<TokenizedPair> train_, held_;
  int32_t pad_;
  double beta_;
  PreferenceLoss kind_;
  int64_t eval_batch_;

  // Policy and reference log-probs of the pairs at `idx`: one batch of the chosen rows then the
  // rejected rows, run through both models.
  PairLogps logps(const std::vector<TokenizedPair>& pairs, const std::vector<int64_t>& idx) {
    std::vector<MaskedSequence> seqs;
    for (int64_t i : idx) seqs.push_back(pair_sequence(pairs[static_cast<size_t>(i)], true));
    for (int64_t i : idx) seqs.push_back(pair_sequence(pairs[static_cast<size_t>(i)], false));
    std::vector<const MaskedSequence*> ptrs;
    for (auto& s : seqs) ptrs.push_back(&s);
    LmBatch b = collate(ptrs, pad_);
    auto per_sequence = [&](const torch::Tensor& logits) {
      auto lp = sequence_logprobs(logits, b);
      if (kind_ == PreferenceLoss::kIpo) lp = lp / b.target_mask.sum(1);
      return lp.to(torch::kFloat64);
    };
    auto policy = per_sequence(lm_.logits(b.ids));
    auto reference = per_sequence(ref_.logits(b.ids));
    const int64_t n = static_cast<int64_t>(idx.size());
    return {policy.narrow(0, 0, n), policy.narrow(0, n, n), reference.narrow(0, 0, n), reference.narrow(0, n, n),
            b.n_tokens};
  }

  // dpo_loss's seven means over the held-out pairs of `batches`; zeros when there are none.
  std::vector<double> held_out_means(const std::vector<std::pair<size_t, size_t>>& batches) {
    if (batches.empty()) return std::vector<double>(7, 0.0);
    torch::NoGradGuard ng;
    TrainingModeScope eval_mode(lm_, false);  // no adapter dropout, whatever mode the caller left
    std::vector<torch::Tensor> pc, pr, rc, rr;
    for (const auto& [begin, end] : batches) {
      std::vector<int64_t> idx;
      for (size_t j = begin; j < end; ++j) idx.push_back(static_cast<int64_t>(j));
      PairLogps p = logps(held_, idx);
      pc.push_back(p.chosen), pr.push_back(p.rejected), rc.push_back(p.ref_chosen), rr.push_back(p.ref_rejected);
    }
    auto o = dpo_loss(torch::cat(pc), torch::cat(pr), torch::cat(rc), torch::cat(rr), beta_, kind_);
    return {o.loss.item<double>(), o.rewards_chosen, o.rewards_rejected, o.rewards_accuracies,
            o.rewards_margins,     o.logps_chosen,   o.logps_rejected};
  }
  json eval_json(const std::vector<double>& m) const {
    return {{"loss", m[0]},
            {"rewards/chosen", m[1]},
            {"rewards/rejected", m[2]},
            {"rewards/accuracies", m[3]},
            {"rewards/margins", m[4]},
            {"logps/chosen", m[5]},
            {"logps/rejected", m[6]},
            {"pairs", static_cast<int64_t>(held_.size())}};
  }
};

// ---- data ----------------------------------------------------------------------------------

struct SftData {
  std::vector<MaskedSequence> train, held;
  int64_t skipped = 0;
};

std::vector<MaskedSequence> render_sft_file(const fs::path& file, const TrainConfig& c, const Tokenizer& tok,
                                            int64_t& skipped) {
  auto ds = read_sft(file);
  auto enc = encoder_of(tok);
  ChatTemplate tpl = template_of(c);
  std::vector<MaskedSequence> out;
  for (const auto& d : ds.records) {
    MaskedSequence s;
    try {
      s = render_dialogue(dialogue_of(d.turns), tpl, enc, static_cast<int32_t>(tok.bos_id()),
                          static_cast<int32_t>(tok.eos_id()));
    } catch (const std::invalid_argument& e) {
      throw d.line > 0 ? error_at_line(file.string(), d.line, e.what())
                       : error_at_record(file.string(), d.record, e.what());
    }
    if (!truncate_sequence(s, static_cast<int>(c.max_len))) {
      ++skipped;  // counted in the summary: the prompt alone fills max_len
      continue;
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) throw error_in_file(file.string(), "no dialogue has a response token within max_len");
  return out;
}

std::vector<TokenizedPair> tokenize_dpo_file(const fs::path& file, const TrainConfig& c, const Tokenizer& tok,
                                             int64_t& skipped) {
  auto ds = read_dpo(file);
  auto enc = encoder_of(tok);
  ChatTemplate tpl = template_of(c);
  std::vector<TokenizedPair> out;
  for (const auto& p : ds.records) {
    TokenizedPair t;
    try {
      t = tokenize_pair({dialogue_of(p.prompt), p.chosen, p.rejected}, tpl, enc, static_cast<int32_t>(tok.bos_id()),
                        static_cast<int32_t>(tok.eos_id()));
    } catch (const std::invalid_argument& e) {
      throw p.line > 0 ? error_at_line(file.string(), p.line, e.what())
                       : error_at_record(file.string(), p.record, e.what());
    }
    if (!truncate_pair(t, static_cast<int>(c.max_prompt_len), static_cast<int>(c.max_len))) {
      ++skipped;
      continue;
    }
    out.push_back(std::move(t));
  }
  if (out.empty()) throw error_in_file(file.string(), "no preference pair fits max_len");
  return out;
}

template <class T>
std::pair<std::vector<T>, std::vector<T>> split_or_load(std::vector<T> all, const std::vector<T>* eval,
                                                        double fraction, uint64_t seed) {
  if (eval) return {std::move(all), *eval};
  auto [tr, he] = split_records(all.size(), fraction, seed);
  std::vector<T> a, b;
  for (size_t i : tr) a.push_back(std::move(all[i]));
  for (size_t i : he) b.push_back(std::move(all[i]));
  return {std::move(a), std::move(b)};
}

// Tokenizer files a checkpoint carries along (copied verbatim from the init checkpoint).
const char* const kTokenizerFiles[] = {"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
                                       "special_tokens_map.json"};

}  // namespace

TrainSummary run_training_stage(const TrainConfig& c, bool quiet, const DistributedEnv& dist) {
  const std::string cfg_name = c.config_file.empty() ? std::string("<command line>") : c.config_file.string();
  if (c.data.empty()) throw InputError(cfg_name, "key 'data'", "missing: the stage needs a data file");
  if (c.out.empty()) throw InputError(cfg_name, "key 'out'", "missing: the stage needs an output directory");
  if (c.stage != TrainStage::kDcpt && c.init.empty())
    throw InputError(cfg_name, "key 'init'", "missing: " + stage_name(c.stage) + " starts from a checkpoint");
  if (c.stage == TrainStage::kDpo && c.max_prompt_len >= c.max_len)
    throw InputError(cfg_name, "key 'max_prompt_len'",
                     "must be below max_len (" + std::to_string(c.max_len) + ") to leave room for responses");
  if (dist.enabled() && c.batch_size % dist.world_size != 0)
    throw InputError(cfg_name, "key 'batch_size'",
                     std::to_string(c.batch_size) + " is not divisible by WORLD_SIZE (" + std::to_string(dist.world_size) +
                         "): every rank runs an equal slice of each micro-batch");
  if (c.lora && c.stage == TrainStage::kDcpt)
    throw InputError(cfg_name, "key 'lora.enabled'", "LoRA is for sft and dpo, not dcpt");

  const std::string config_json = train_config_to_json(c);
  fs::path resume_dir = c.resume ? latest_checkpoint(c.out) : fs::path();
  if (!resume_dir.empty()) {
    auto recorded = json::parse(read_file(resume_dir / kTrainerStateJson))["config"];
    auto now = json::parse(config_json);
    recorded.erase("resume");
    now.erase("resume");
    if (recorded != now)
      throw InputError((resume_dir / kTrainerStateJson).string(), "config",
                       "differs from this run's config; use a new 'out' directory or set resume=false");
  }

  // Tokenizer and model: from the resumed checkpoint (full fine-tuning), the init checkpoint,
  // or, for DCPT without init, a fresh model over a tokenizer trained on the corpus.
  std::map<std::string, std::string> tokenizer_files;
  std::unique_ptr<Tokenizer> tok;
  std::optional<LlamaModel> model;
  std::vector<DcptDocument> docs;
  if (c.stage == TrainStage::kDcpt) docs = read_dcpt(c.data).records;
  const fs::path weights_from = (!resume_dir.empty() && !c.lora) ? resume_dir : c.init;
  if (!weights_from.empty()) {
    tok = load_tokenizer(weights_from);
    for (const char* f : kTokenizerFiles)
      if (fs::exists(weights_from / f)) tokenizer_files[f] = read_file(weights_from / f);
    model = load_model(weights_from);
  } else {
    if (c.model_config.empty())
      throw InputError(cfg_name, "key 'model_config'", "missing: dcpt without 'init' builds a fresh model from it");
    std::vector<std::string> texts;
    for (const auto& d : docs) texts.push_back(d.text);
    CharTokenizerTraining tt;
    tt.max_chars = c.tokenizer_vocab_size > 0 ? std::max<int64_t>(0, c.tokenizer_vocab_size - CharTokenizer::kFirstChar) : 0;
    auto ct = CharTokenizer::train(texts, tt);
    tokenizer_files["tokenizer.json"] = ct.to_json();
    tok = std::make_unique<CharTokenizer>(std::move(ct));
    ModelConfig mc = load_model_config(c.model_config);
    mc.vocab_size = tok->vocab_size();  // the model is sized to the trained tokenizer
    mc.bos_token_id = tok->bos_id(), mc.eos_token_id = tok->eos_id(), mc.pad_token_id = tok->pad_id();
    model = LlamaModel(mc);
    model.value()->init_weights(c.seed);
  }
  if (tok->vocab_size() > model.value()->config().vocab_size)
    throw InputError(weights_from.string(), "tokenizer",
                     "has " + std::to_string(tok->vocab_size()) + " ids but the model's vocab_size is " +
                         std::to_string(model.value()->config().vocab_size));

  torch::manual_seed(c.seed);  // LoRA adapter init draws from the global generator
  TrainableLm lm(*model, c.lora ? std::optional<LoraSettings>(LoraSettings{static_cast<int>(c.lora_rank), c.lora_alpha,
                                                                           c.lora_dropout, c.lora_targets})
                                : std::nullopt);
  const int32_t pad = static_cast<int32_t>(tok->pad_id());
  const int64_t eval_batch = std::max<int64_t>(c.batch_size, 8);

  TrainSummary sum;
  sum.stage = stage_name(c.stage);
  std::unique_ptr<DpoReference> reference;  // dpo
  std::unique_ptr<Objective> obj;
  if (c.stage == TrainStage::kDcpt) {
    std::vector<TokenIds> enc_docs;
    for (const auto& d : docs) {
      auto ids = tok->encode(d.text);
      enc_docs.emplace_back(ids.begin(), ids.end());
    }
    auto blocks = pack_dcpt_blocks(enc_docs, static_cast<int32_t>(tok->eos_id()), static_cast<int>(c.block_size),
                                   c.heldout_fraction, c.seed);
    if (blocks.train.empty())
      throw error_in_file(c.data.string(), "too little text for one block of " + std::to_string(c.block_size) +
                                               " tokens");
    auto as_seq = [](std::vector<TokenIds>& b) {
      std::vector<MaskedSequence> s;
      for (auto& ids : b) s.push_back({ids, std::vector<uint8_t>(ids.size(), 1)});
      return s;
    };
    sum.train_examples = static_cast<int64_t>(blocks.train.size());
    sum.eval_examples = static_cast<int64_t>(blocks.heldout.size());
    obj = std::make_unique<LmObjective>(lm, as_seq(blocks.train), as_seq(blocks.heldout), pad, eval_batch);
  } else if (c.stage == TrainStage::kSft) {
    int64_t skipped = 0;
    auto all = render_sft_file(c.data, c, *tok, skipped);
    std::vector<MaskedSequence> ev;
    if (!c.eval_data.empty()) ev = render_sft_file(c.eval_data, c, *tok, skipped);
    auto [tr, he] = split_or_load(std::move(all), c.eval_data.empty() ? nullptr : &ev, c.heldout_fraction, c.seed);
    sum.train_examples = static_cast<int64_t>(tr.size());
    sum.eval_examples = static_cast<int64_t>(he.size());
    sum.skipped_examples = skipped;
    obj = std::make_unique<LmObjective>(lm, std::move(tr), std::move(he), pad, eval_batch);
  } else {
    int64_t skipped = 0;
    auto all = tokenize_dpo_file(c.data, c, *tok, skipped);
    std::vector<TokenizedPair> ev;
    if (!c.eval_data.empty()) ev = tokenize_dpo_file(c.eval_data, c, *tok, skipped);
    auto [tr, he] = split_or_load(std::move(all), c.eval_data.empty() ? nullptr : &ev, c.heldout_fraction, c.seed);
    sum.train_examples = static_cast<int64_t>(tr.size());
    sum.eval_examples = static_cast<int64_t>(he.size());
    sum.skipped_examples = skipped;
    reference = std::make_unique<DpoReference>(lm, c.init);
    obj = std::make_unique<DpoObjective>(lm, *reference, std::move(tr), std::move(he), pad, c.dpo_beta,
                                         parse_preference_loss(c.dpo_loss), eval_batch);
  }

  if (obj->num_examples() == 0)
    throw InputError(c.data.string(), "", "no training examples are left after the held-out split");

  LoopSettings s;
  s.stage = sum.stage;
  s.total_steps = total_steps_of(c, obj->num_examples());
  s.batch_size = c.batch_size;
  s.grad_accum = c.grad_accum;
  s.max_grad_norm = c.max_grad_norm;
  s.schedule = LrSchedule{c.lr, c.warmup_steps >= 0 ? c.warmup_steps
                                                    : static_cast<int64_t>(std::llround(c.warmup_ratio * static_cast<double>(s.total_steps))),
                          s.total_steps, c.min_lr_ratio};
  s.adamw = AdamWSettings{c.lr, c.adam_beta1, c.adam_beta2, c.adam_eps, c.weight_decay};
  s.seed = c.seed;
  s.shuffle = c.shuffle;
  s.save_every = c.save_every;
  s.keep_checkpoints = c.keep_checkpoints;
  s.eval_every = c.eval_every;
  s.log_every = c.log_every;
  s.out = c.out;
  s.config_json = config_json;
  s.quiet = quiet;
  s.dist = dist;

  CheckpointIo io;
  io.write_model = [&](const fs::path& dir) {
    lm.save_merged(dir);
    for (const auto& [name, text] : tokenizer_files) write_file_atomic(dir / name, text);
    // A chat model carries the template it learned, for whoever evaluates or serves it.
    if (c.stage != TrainStage::kDcpt)
      write_chat_template(dir, {c.template_system_prefix, c.template_system_suffix, c.template_user_prefix,
                                c.template_user_suffix, c.template_assistant_prefix, c.template_assistant_suffix});
  };
  io.extra_state = [&] { return lm.adapter_state(); };
  io.restore_extra = [&](const std::string& name, const torch::Tensor& t) { lm.restore_adapter(name, t); };

  LoopResult r = run_loop(*obj, s, io, resume_dir);
  sum.steps = r.steps;
  sum.resumed_from = r.resumed_from;
  sum.first_loss = r.first_loss;
  sum.last_loss = r.last_loss;
  sum.tokens_per_second = r.tokens_per_second;
  sum.eval_start_json = r.eval_start.is_null() ? "{}" : r.eval_start.dump();
  sum.eval_end_json = r.eval_end.is_null() ? "{}" : r.eval_end.dump();
  sum.model_dir = r.final_model;
  sum.metrics_file = c.out / kMetricsFile;
  if (dist.rank == 0) write_file_atomic(c.out / "summary.json", sum.to_json() + "\n");
  return sum;
}

}  // namespace qb
