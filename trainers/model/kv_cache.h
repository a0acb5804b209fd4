// Keys and values of every layer for the positions already run, so that the next
// forward pass only computes the new positions. For use inside trainers/ only.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace qb {

struct LayerKV {
  torch::Tensor k, v;  // [B, kv_heads, S, head_dim] after rotary; undefined until first use
};

struct KVCache {
  std::vector<LayerKV> layers;

  explicit KVCache(size_t num_layers = 0) : layers(num_layers) {}
  // Positions already cached (0 when empty).
  int64_t length() const { return layers.empty() || !layers[0].k.defined() ? 0 : layers[0].k.size(2); }
  int64_t batch() const { return layers.empty() || !layers[0].k.defined() ? 0 : layers[0].k.size(0); }

  // The same cache repeated `n` times along the batch (a shared prefix fanned out to
  // n continuations). Requires batch() == 1.
  KVCache repeated(int64_t n) const {
    KVCache out(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      out.layers[i].k = layers[i].k.expand({n, -1, -1, -1});
      out.layers[i].v = layers[i].v.expand({n, -1, -1, -1});
    }
    return out;
  }
  // Keeps only the given batch rows (int64 indices).
  void select_rows(const torch::Tensor& rows) {
    for (auto& l : layers) {
      l.k = l.k.index_select(0, rows);
      l.v = l.v.index_select(0, rows);
    }
  }
};

}  // namespace qb
