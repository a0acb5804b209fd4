// Keys and values of every layer for the positions already run, so that the next
// forward pass only computes the new positions. For use inside trainers/ only.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <utility>
#include <vector>

namespace qb {

// One layer's keys and values in buffers with room to grow: a decode step writes its one new
// position in place instead of copying the whole cache into a new tensor (torch::cat every step
// copies O(length) bytes per layer, O(length^2) over a generation).
struct LayerKV {
  torch::Tensor k, v;  // [B, kv_heads, capacity, head_dim] after rotary; undefined until first use
  int64_t length = 0;  // positions filled: [.., 0, length, ..] of k and v

  // Stores the keys and values of T new positions ([B, kv_heads, T, head_dim]) after the cached
  // ones and returns the filled part, [B, kv_heads, length, head_dim] (views of the buffers).
  std::pair<torch::Tensor, torch::Tensor> append(const torch::Tensor& k_new, const torch::Tensor& v_new) {
    const int64_t need = length + k_new.size(2);
    // A fanned-out cache (repeated(): batch stride 0) is shared by its rows, so rows that write
    // need buffers of their own; a full buffer doubles (a generation reallocates log(n) times).
    const bool shared = k.defined() && k.stride(0) == 0;
    if (!k.defined() || shared || k.size(2) < need) {
      const int64_t grown = k.defined() && !shared ? std::max(need, 2 * k.size(2)) : need;
      const int64_t capacity = (grown + kStep - 1) / kStep * kStep;
      auto sizes = k_new.sizes().vec();
      sizes[2] = capacity;
      auto nk = torch::empty(sizes, k_new.options()), nv = torch::empty(sizes, v_new.options());
      if (length > 0) {
        nk.narrow(2, 0, length).copy_(k.narrow(2, 0, length));
        nv.narrow(2, 0, length).copy_(v.narrow(2, 0, length));
      }
      k = nk, v = nv;
    }
    k.narrow(2, length, k_new.size(2)).copy_(k_new);
    v.narrow(2, length, v_new.size(2)).copy_(v_new);
    length = need;
    return {k.narrow(2, 0, length), v.narrow(2, 0, length)};
  }

  static constexpr int64_t kStep = 64;  // capacity grows in whole steps of positions
};

struct KVCache {
  std::vector<LayerKV> layers;

  explicit KVCache(size_t num_layers = 0) : layers(num_layers) {}
  // Positions already cached (0 when empty).
  int64_t length() const { return layers.empty() ? 0 : layers[0].length; }
  int64_t batch() const { return layers.empty() || !layers[0].k.defined() ? 0 : layers[0].k.size(0); }

  // The same cache repeated `n` times along the batch (a shared prefix fanned out to
  // n continuations): views, copied per row on the first append. Requires batch() == 1.
  KVCache repeated(int64_t n) const {
    KVCache out(layers.size());
    for (size_t i = 0; i < layers.size(); ++i) {
      out.layers[i].k = layers[i].k.expand({n, -1, -1, -1});
      out.layers[i].v = layers[i].v.expand({n, -1, -1, -1});
      out.layers[i].length = layers[i].length;
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
