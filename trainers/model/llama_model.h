// A LLaMA-family decoder (SPEC §5): RMSNorm, rotary embeddings, SwiGLU MLP, no
// biases, optional grouped-query attention and tied embeddings, and Baichuan-7B's
// packed W_pack q/k/v. Module and parameter names are the Hugging Face keys, so
// named_parameters() yields "model.layers.0.self_attn.q_proj.weight", ... and
// checkpoints map one-to-one. For use inside trainers/ only (includes torch).
//
// Trainers: LlamaModel(config) gives a trainable module; forward(ids) -> logits
// [B, T, vocab] with autograd. Padding: pass attention_mask [B, T] (1 real, 0 pad).
#pragma once

#include <torch/torch.h>

#include <memory>

#include "trainers/model/bf16_gemv.h"
#include "trainers/model/kv_cache.h"
#include "trainers/model/model_config.h"
#include "trainers/model/rms_norm.h"
#include "trainers/model/rotary_embedding.h"

namespace qb {

// What an adapted projection computes in place of x·Wᵀ. A trainer attaches one to a
// Projection to add a trainable term beside the frozen weight (LoRA, trainers/model/lora.h) without
// touching the weight itself, so the checkpoint layout and the plain path stay as they are.
class ProjectionHook {
 public:
  virtual ~ProjectionHook() = default;
  // x [..., in]; weight the projection's own [out, in]; training = the module's train mode.
  virtual torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& weight, bool training) const = 0;
};

// A bias-free linear map whose only parameter is "weight" [out, in]; at::linear is
// the fused kernel (TOOLCHAIN.md: nn::Linear does matmul + add for 3-D inputs); bf16 decode steps
// use bf16_gemv.h's kernel instead.
class ProjectionImpl : public torch::nn::Module {
 public:
  ProjectionImpl(int64_t in_features, int64_t out_features);
  torch::Tensor forward(const torch::Tensor& x) const {
    return hook ? hook->forward(x, weight, is_training()) : project(x, weight);
  }
  torch::Tensor weight;
  std::shared_ptr<const ProjectionHook> hook;  // null: the plain projection x·Wᵀ
};
TORCH_MODULE(Projection);

class LlamaAttentionImpl : public torch::nn::Module {
 public:
  explicit LlamaAttentionImpl(const ModelConfig& c);
  // x [B, T, hidden]; mask additive [B|1, 1, T, S] or undefined; cache appended to when given.
  torch::Tensor forward(const torch::Tensor& x, const RotaryTables& rope, const torch::Tensor& mask,
                        LayerKV* cache);

  Projection q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr};  // LLaMA layout
  Projection W_pack{nullptr};                                      // Baichuan layout
  Projection o_proj{nullptr};

 private:
  int64_t heads_, kv_heads_, head_dim_;
};
TORCH_MODULE(LlamaAttention);

class LlamaMLPImpl : public torch::nn::Module {
 public:
  LlamaMLPImpl(int64_t hidden, int64_t intermediate);
  torch::Tensor forward(const torch::Tensor& x);  // down(silu(gate(x)) * up(x))
  Projection gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};
};
TORCH_MODULE(LlamaMLP);

class LlamaDecoderLayerImpl : public torch::nn::Module {
 public:
  explicit LlamaDecoderLayerImpl(const ModelConfig& c);
  torch::Tensor forward(const torch::Tensor& x, const RotaryTables& rope, const torch::Tensor& mask,
                        LayerKV* cache);
  LlamaAttention self_attn{nullptr};
  LlamaMLP mlp{nullptr};
  RMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
};
TORCH_MODULE(LlamaDecoderLayer);

// A lookup table whose only parameter is "weight" [vocab, hidden], like torch::nn::Embedding
// without its constructor's normal(0, 1) fill: for a 7B vocabulary that is 1 GB written (and
// seconds) that the checkpoint or init_weights overwrites anyway.
class TokenEmbeddingImpl : public torch::nn::Module {
 public:
  TokenEmbeddingImpl(int64_t vocab, int64_t dim) { weight = register_parameter("weight", torch::empty({vocab, dim})); }
  torch::Tensor forward(const torch::Tensor& ids) const { return at::embedding(weight, ids); }
  torch::Tensor weight;
};
TORCH_MODULE(TokenEmbedding);

// The "model." part of the HF key space: embeddings, layers, final norm.
class LlamaBackboneImpl : public torch::nn::Module {
 public:
  explicit LlamaBackboneImpl(const ModelConfig& c);
  TokenEmbedding embed_tokens{nullptr};
  torch::nn::ModuleList layers{nullptr};
  RMSNorm norm{nullptr};
};
TORCH_MODULE(LlamaBackbone);

class LlamaModelImpl : public torch::nn::Module {
 public:
  explicit LlamaModelImpl(const ModelConfig& c);

  // input_ids [B, T] int64. cache: when given, its positions are the past and the new
  // keys/values are appended. attention_mask [B, past+T] (1 = real token, 0 = padding),
  // optional. position_ids [B, T], default past .. past+T-1. Returns logits [B, T, vocab].
  torch::Tensor forward(const torch::Tensor& input_ids, KVCache* cache = nullptr,
                        const torch::Tensor& attention_mask = {}, const torch::Tensor& position_ids = {});
  // The same pass without the lm_head: final-norm hidden states [B, T, hidden].
  torch::Tensor hidden_states(const torch::Tensor& input_ids, KVCache* cache = nullptr,
                              const torch::Tensor& attention_mask = {}, const torch::Tensor& position_ids = {});
  // lm_head (with its hook, if any) or the tied embedding matrix applied to hidden states.
  torch::Tensor logits(const torch::Tensor& hidden) const;

  // Seeded HF-style init: normal(0, initializer_range) for projections and
  // embeddings, ones for norms. Same seed, same weights.
  void init_weights(uint64_t seed);
  KVCache new_cache() const { return KVCache(static_cast<size_t>(config_.num_hidden_layers)); }
  const ModelConfig& config() const { return config_; }

  LlamaBackbone model{nullptr};
  Projection lm_head{nullptr};  // null when tie_word_embeddings

 private:
  ModelConfig config_;
  RotaryEmbedding rope_;
};
TORCH_MODULE(LlamaModel);

}  // namespace qb
