#include "trainers/train/train_step_runner.h"

#include "trainers/train/dpo_loss.h"
#include "trainers/model/llama_model.h"
#include "trainers/train/optim_adamw.h"
#include "trainers/train/train_batch.h"
#include "trainers/train/train_model_lora.h"

namespace qb::train {

namespace {
constexpr int kLoraRank = 8;
}

struct TrainStepRunner::Impl {
  TrainStepShape shape;
  LlamaModel model{nullptr};
  std::unique_ptr<TrainableLm> lm;
  std::unique_ptr<torch::optim::AdamW> opt;
  std::vector<torch::Tensor> params;
  LmBatch batch;
  LlamaModel reference{nullptr};  // dpo, full fine-tuning: a frozen copy (LoRA: the base)
  torch::Tensor ref_c, ref_r;     // dpo without reference_forward
};

TrainStepRunner::TrainStepRunner(const TrainStepShape& s, uint64_t seed) : impl_(std::make_unique<Impl>()) {
  impl_->shape = s;
  ModelConfig c;
  c.vocab_size = s.vocab, c.hidden_size = s.hidden, c.intermediate_size = s.intermediate;
  c.num_hidden_layers = s.layers, c.num_attention_heads = s.heads, c.num_key_value_heads = s.heads;
  c.max_position_embeddings = std::max<int64_t>(2048, s.seq);
  impl_->model = LlamaModel(c);
  impl_->model->init_weights(seed);
  torch::manual_seed(static_cast<int64_t>(seed));
  impl_->lm = std::make_unique<TrainableLm>(
      impl_->model, s.lora ? std::optional<LoraSettings>(LoraSettings{kLoraRank, 16, s.lora_dropout, {"q_proj", "k_proj", "v_proj", "o_proj"}})
                           : std::nullopt);
  auto named = impl_->lm->trainable();
  for (auto& [n, t] : named) impl_->params.push_back(t);
  impl_->opt = make_adamw(named, AdamWSettings{1e-4, 0.9, 0.999, 1e-8, 0.01});
  const int64_t rows = s.stage == "dpo" ? 2 * s.batch : s.batch;
  std::vector<MaskedSequence> seqs(static_cast<size_t>(rows));
  auto ids = torch::randint(4, s.vocab, {rows, s.seq}, torch::kInt64);
  for (int64_t r = 0; r < rows; ++r) {
    auto& q = seqs[static_cast<size_t>(r)];
    for (int64_t t = 0; t < s.seq; ++t) q.ids.push_back(static_cast<int32_t>(ids[r][t].item<int64_t>()));
    // SFT/DPO-like: the first quarter is prompt.
    q.loss_mask.assign(static_cast<size_t>(s.seq), 1);
    if (s.stage == "dpo") std::fill(q.loss_mask.begin(), q.loss_mask.begin() + s.seq / 4, 0);
  }
  std::vector<const MaskedSequence*> ptrs;
  for (auto& q : seqs) ptrs.push_back(&q);
  impl_->batch = collate(ptrs, 0);
  impl_->ref_c = -torch::rand({s.batch}, torch::kFloat64) * 100;
  impl_->ref_r = -torch::rand({s.batch}, torch::kFloat64) * 100;
  if (s.stage == "dpo" && s.reference_forward && !s.lora) {
    impl_->reference = LlamaModel(c);
    impl_->reference->init_weights(seed);
    for (auto& p : impl_->reference->parameters()) p.set_requires_grad(false);
    impl_->reference->eval();
  }
  impl_->lm->set_training(true);
}

TrainStepRunner::~TrainStepRunner() = default;

double TrainStepRunner::step() {
  auto& m = *impl_;
  m.opt->zero_grad();
  auto logits = m.lm->logits(m.batch.ids);
  torch::Tensor loss;
  if (m.shape.stage == "dpo") {
    const int64_t n = m.shape.batch;
    auto lp = sequence_logprobs(logits, m.batch).to(torch::kFloat64);
    torch::Tensor ref_c = m.ref_c, ref_r = m.ref_r;
    if (m.shape.reference_forward) {
      torch::NoGradGuard ng;
      auto ref_logits = m.shape.lora ? m.lm->base_logits(m.batch.ids) : m.reference->forward(m.batch.ids);
      auto ref = sequence_logprobs(ref_logits, m.batch).to(torch::kFloat64);
      ref_c = ref.narrow(0, 0, n), ref_r = ref.narrow(0, n, n);
    }
    loss = dpo_loss(lp.narrow(0, 0, n), lp.narrow(0, n, n), ref_c, ref_r, 0.1, PreferenceLoss::kSigmoid).loss;
  } else {
    loss = masked_nll(logits, m.batch);
  }
  loss.backward();
  torch::nn::utils::clip_grad_norm_(m.params, 1.0);
  m.opt->step();
  return loss.item<double>();
}

int64_t TrainStepRunner::tokens_per_step() const { return impl_->batch.ids.numel(); }

double TrainStepRunner::flops_per_step() const {
  const auto& s = impl_->shape;
  const double tokens = static_cast<double>(tokens_per_step());
  const double attn_w = 4.0 * s.hidden * s.hidden, mlp_w = 3.0 * s.hidden * s.intermediate;
  const double head_w = static_cast<double>(s.hidden) * s.vocab;
  double f = tokens * (s.lora ? 4.0 : 6.0) * (s.layers * (attn_w + mlp_w) + head_w);
  if (s.lora) f += tokens * 6.0 * s.layers * 4.0 * kLoraRank * (2.0 * s.hidden);  // A and B of q/k/v/o
  // q·kᵀ and p·v: 2·T·T·hidden each per sequence and layer, forward; backward twice that.
  const double rows = tokens / s.seq;
  const double attention_forward = rows * s.layers * 2.0 * 2.0 * s.seq * s.seq * s.hidden;
  f += 3.0 * attention_forward;
  if (s.stage == "dpo" && s.reference_forward) f += tokens * 2.0 * (s.layers * (attn_w + mlp_w) + head_w) + attention_forward;
  return f;
}

}  // namespace qb::train
