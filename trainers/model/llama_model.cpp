#include "trainers/model/llama_model.h"

#include <cmath>
#include <limits>

namespace qb {

ProjectionImpl::ProjectionImpl(int64_t in_features, int64_t out_features) {
  weight = register_parameter("weight", torch::empty({out_features, in_features}));
}

LlamaAttentionImpl::LlamaAttentionImpl(const ModelConfig& c)
    : heads_(c.num_attention_heads), kv_heads_(c.num_key_value_heads), head_dim_(c.head_dim()) {
  const int64_t h = c.hidden_size, kv = kv_heads_ * head_dim_;
  if (c.architecture == Architecture::kBaichuan) {
    W_pack = register_module("W_pack", Projection(h, 3 * h));
  } else {
    q_proj = register_module("q_proj", Projection(h, h));
    k_proj = register_module("k_proj", Projection(h, kv));
    v_proj = register_module("v_proj", Projection(h, kv));
  }
  o_proj = register_module("o_proj", Projection(h, h));
}

torch::Tensor LlamaAttentionImpl::forward(const torch::Tensor& x, const RotaryTables& rope,
                                          const torch::Tensor& mask, LayerKV* cache) {
  const int64_t B = x.size(0), T = x.size(1);
  torch::Tensor q, k, v;
  if (W_pack) {
    auto qkv = W_pack(x).chunk(3, -1);  // rows of W_pack: q, then k, then v
    q = qkv[0], k = qkv[1], v = qkv[2];
  } else {
    q = q_proj(x), k = k_proj(x), v = v_proj(x);
  }
  q = apply_rotary(q.view({B, T, heads_, head_dim_}).transpose(1, 2), rope);
  k = apply_rotary(k.view({B, T, kv_heads_, head_dim_}).transpose(1, 2), rope);
  v = v.view({B, T, kv_heads_, head_dim_}).transpose(1, 2);
  if (cache) std::tie(k, v) = cache->append(k, v);
  const int64_t S = k.size(2);
  if (kv_heads_ != heads_) {  // each key/value head serves heads/kv_heads consecutive query heads
    const int64_t rep = heads_ / kv_heads_;
    k = k.unsqueeze(2).expand({B, kv_heads_, rep, S, head_dim_}).reshape({B, heads_, S, head_dim_});
    v = v.unsqueeze(2).expand({B, kv_heads_, rep, S, head_dim_}).reshape({B, heads_, S, head_dim_});
  }
  // Scaling q (T x d) is cheaper than scaling the scores (T x S); the in-place mask add is
  // safe under autograd because matmul's backward does not need its output.
  auto scores = torch::matmul(q * (1.0 / std::sqrt(static_cast<double>(head_dim_))), k.transpose(-1, -2));
  // bf16: the scores (accumulated in fp32 by the GEMM, stored in bf16) are widened before the
  // float32 mask and the softmax, so the max-subtraction and the normalising sum are fp32;
  // a no-op in float32.
  if (scores.scalar_type() != torch::kFloat32) scores = scores.to(torch::kFloat32);
  if (mask.defined()) scores.add_(mask);
  auto probs = torch::softmax(scores, -1, torch::kFloat32).to(v.scalar_type());
  auto out = torch::matmul(probs, v).transpose(1, 2).reshape({B, T, heads_ * head_dim_});
  return o_proj(out);
}

LlamaMLPImpl::LlamaMLPImpl(int64_t hidden, int64_t intermediate) {
  gate_proj = register_module("gate_proj", Projection(hidden, intermediate));
  up_proj = register_module("up_proj", Projection(hidden, intermediate));
  down_proj = register_module("down_proj", Projection(intermediate, hidden));
}

torch::Tensor LlamaMLPImpl::forward(const torch::Tensor& x) {
  // Without autograd the product can overwrite silu's output (saves one buffer of [B,T,intermediate]).
  if (!torch::GradMode::is_enabled()) {
    auto gate = gate_proj(x);
    return down_proj(torch::silu_(gate).mul_(up_proj(x)));
  }
  return down_proj(torch::silu(gate_proj(x)) * up_proj(x));
}

LlamaDecoderLayerImpl::LlamaDecoderLayerImpl(const ModelConfig& c) {
  self_attn = register_module("self_attn", LlamaAttention(c));
  mlp = register_module("mlp", LlamaMLP(c.hidden_size, c.intermediate_size));
  input_layernorm = register_module("input_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
  post_attention_layernorm = register_module("post_attention_layernorm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

torch::Tensor LlamaDecoderLayerImpl::forward(const torch::Tensor& x, const RotaryTables& rope,
                                             const torch::Tensor& mask, LayerKV* cache) {
  auto h = x + self_attn(input_layernorm(x), rope, mask, cache);
  if (!torch::GradMode::is_enabled()) return h.add_(mlp(post_attention_layernorm(h)));
  return h + mlp(post_attention_layernorm(h));
}

LlamaBackboneImpl::LlamaBackboneImpl(const ModelConfig& c) {
  embed_tokens = register_module("embed_tokens", TokenEmbedding(c.vocab_size, c.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) layers->push_back(LlamaDecoderLayer(c));
  norm = register_module("norm", RMSNorm(c.hidden_size, c.rms_norm_eps));
}

LlamaModelImpl::LlamaModelImpl(const ModelConfig& c) : config_(c), rope_(c.head_dim(), c.rope_theta, c.rope_linear_factor) {
  model = register_module("model", LlamaBackbone(c));
  if (!c.tie_word_embeddings) lm_head = register_module("lm_head", Projection(c.hidden_size, c.vocab_size));
}

torch::Tensor LlamaModelImpl::hidden_states(const torch::Tensor& input_ids, KVCache* cache,
                                            const torch::Tensor& attention_mask,
                                            const torch::Tensor& position_ids) {
  TORCH_CHECK(input_ids.dim() == 2, "input_ids must be [batch, length]");
  const int64_t B = input_ids.size(0), T = input_ids.size(1);
  const int64_t past = cache ? cache->length() : 0, S = past + T;
  TORCH_CHECK(!cache || cache->layers.size() == static_cast<size_t>(config_.num_hidden_layers),
              "KV cache has the wrong number of layers");

  auto positions = position_ids.defined()
                       ? position_ids
                       : torch::arange(past, S, torch::kInt64).unsqueeze(0).expand({B, T});
  auto rope = rope_.tables(positions);

  // Additive mask: query i (absolute position past+i) sees key j <= past+i that is not
  // padding. A single new token with no padding needs no mask at all.
  torch::Tensor mask;
  if (T > 1 || attention_mask.defined()) {
    auto q_pos = torch::arange(past, S, torch::kInt64).unsqueeze(1);
    auto k_pos = torch::arange(0, S, torch::kInt64).unsqueeze(0);
    auto allowed = (k_pos <= q_pos).unsqueeze(0).unsqueeze(0);  // [1,1,T,S]
    if (attention_mask.defined()) {
      TORCH_CHECK(attention_mask.size(0) == B && attention_mask.size(1) == S,
                  "attention_mask must be [batch, past + length]");
      allowed = allowed & attention_mask.to(torch::kBool).view({B, 1, 1, S});
    }
    // The lowest finite float rather than -inf: a row that sees only padding
    // (a left-padding query) then gets a uniform softmax instead of NaN.
    mask = torch::zeros(allowed.sizes(), torch::kFloat32)
               .masked_fill(allowed.logical_not(), std::numeric_limits<float>::lowest());
  }

  auto h = model->embed_tokens(input_ids);
  for (size_t i = 0; i < model->layers->size(); ++i) {
    h = model->layers->ptr<LlamaDecoderLayerImpl>(i)->forward(h, rope, mask, cache ? &cache->layers[i] : nullptr);
  }
  return model->norm(h);
}

torch::Tensor LlamaModelImpl::logits(const torch::Tensor& hidden) const {
  auto out = lm_head ? lm_head->forward(hidden) : project(hidden, model->embed_tokens->weight);
  // Always float32, so log-softmax and sampling run in fp32 whatever the weights' dtype.
  return out.scalar_type() == torch::kFloat32 ? out : out.to(torch::kFloat32);
}

torch::Tensor LlamaModelImpl::forward(const torch::Tensor& input_ids, KVCache* cache,
                                      const torch::Tensor& attention_mask, const torch::Tensor& position_ids) {
  return logits(hidden_states(input_ids, cache, attention_mask, position_ids));
}

void LlamaModelImpl::init_weights(uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  for (auto& p : named_parameters()) {
    const std::string& name = p.key();
    if (name.find("norm") != std::string::npos) {
      p.value().fill_(1.0);
    } else {
      p.value().normal_(0.0, config_.initializer_range, gen);
    }
  }
}

}  // namespace qb
