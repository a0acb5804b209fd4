#include "trainers/train/stage_objectives.h"

#include <cmath>
#include <optional>

#include "trainers/checkpoint/checkpoint.h"
#include "trainers/train/train_batch.h"

namespace qb::train {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

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
  DpoObjective(TrainableLm& lm, const fs::path& init, std::vector<TokenizedPair> train,
               std::vector<TokenizedPair> held, int32_t pad, double beta, PreferenceLoss kind, int64_t eval_batch)
      : lm_(lm), ref_(lm, init), train_(std::move(train)), held_(std::move(held)), pad_(pad), beta_(beta), kind_(kind),
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
  DpoReference ref_;
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

}  // namespace

std::unique_ptr<Objective> make_lm_objective(TrainableLm& lm, std::vector<MaskedSequence> train,
                                             std::vector<MaskedSequence> held, int32_t pad, int64_t eval_batch) {
  return std::make_unique<LmObjective>(lm, std::move(train), std::move(held), pad, eval_batch);
}

std::unique_ptr<Objective> make_dpo_objective(TrainableLm& lm, const fs::path& init, std::vector<TokenizedPair> train,
                                              std::vector<TokenizedPair> held, int32_t pad, double beta,
                                              PreferenceLoss kind, int64_t eval_batch) {
  return std::make_unique<DpoObjective>(lm, init, std::move(train), std::move(held), pad, beta, kind, eval_batch);
}

}  // namespace qb::train
