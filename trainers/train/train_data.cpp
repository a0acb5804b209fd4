#include "trainers/train/train_data.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace qb::train {

namespace {

// Fisher-Yates with our own index draw: std::shuffle and std::uniform_int_distribution are
// implementation-defined, and the data order must not change with the standard library.
void seeded_shuffle(std::vector<int64_t>& v, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = v.size(); i > 1; --i) {
    uint64_t j = rng() % i;  // modulo bias is irrelevant for an order
    std::swap(v[i - 1], v[j]);
  }
}

void append(TokenIds& ids, std::vector<uint8_t>& mask, const TokenIds& piece, uint8_t m) {
  ids.insert(ids.end(), piece.begin(), piece.end());
  mask.insert(mask.end(), piece.size(), m);
}

void append_text(TokenIds& ids, std::vector<uint8_t>& mask, const Encoder& enc,
                 const std::string& text, uint8_t m) {
  if (!text.empty()) append(ids, mask, enc(text), m);
}

// Prompt part of a dialogue: every turn before `upto` rendered with mask 0 except assistant
// replies, which get `reply_mask`.
void render_turns(const Dialogue& d, size_t upto, const ChatTemplate& tpl, const Encoder& enc,
                  int32_t eos_id, uint8_t reply_mask, TokenIds& ids, std::vector<uint8_t>& mask) {
  for (size_t i = 0; i < upto; ++i) {
    const Turn& t = d[i];
    if (t.role == "system") {
      append_text(ids, mask, enc, tpl.system_prefix, 0);
      append_text(ids, mask, enc, t.text, 0);
      append_text(ids, mask, enc, tpl.system_suffix, 0);
    } else if (t.role == "user") {
      append_text(ids, mask, enc, tpl.user_prefix, 0);
      append_text(ids, mask, enc, t.text, 0);
      append_text(ids, mask, enc, tpl.user_suffix, 0);
    } else if (t.role == "assistant") {
      append_text(ids, mask, enc, tpl.assistant_prefix, 0);
      append_text(ids, mask, enc, t.text, reply_mask);
      append_text(ids, mask, enc, tpl.assistant_suffix, reply_mask);
      if (tpl.eos_after_reply) append(ids, mask, {eos_id}, reply_mask);
    } else {
      throw std::invalid_argument("turn " + std::to_string(i + 1) + " has unknown role '" + t.role +
                                  "' (expected system, user or assistant)");
    }
  }
}

TokenIds reply_tokens(const std::string& text, const ChatTemplate& tpl, const Encoder& enc,
                      int32_t eos_id) {
  TokenIds r = text.empty() ? TokenIds{} : enc(text);
  if (!tpl.assistant_suffix.empty()) {
    TokenIds s = enc(tpl.assistant_suffix);
    r.insert(r.end(), s.begin(), s.end());
  }
  if (tpl.eos_after_reply) r.push_back(eos_id);
  return r;
}

}  // namespace

std::vector<TokenIds> pack_blocks(const std::vector<const TokenIds*>& docs, int32_t separator_id,
                                  int block_size, int64_t* dropped_tokens) {
  if (block_size < 2) throw std::invalid_argument("block_size must be at least 2");
  std::vector<TokenIds> blocks;
  TokenIds cur;
  cur.reserve(block_size);
  auto push = [&](int32_t id) {
    cur.push_back(id);
    if (static_cast<int>(cur.size()) == block_size) {
      blocks.push_back(std::move(cur));
      cur = TokenIds();
      cur.reserve(block_size);
    }
  };
  for (const TokenIds* d : docs) {
    for (int32_t id : *d) push(id);
    push(separator_id);
  }
  if (dropped_tokens) *dropped_tokens = static_cast<int64_t>(cur.size());
  return blocks;
}

DcptBlocks pack_dcpt_blocks(const std::vector<TokenIds>& docs, int32_t separator_id, int block_size,
                            double heldout_fraction, uint64_t seed) {
  if (heldout_fraction < 0 || heldout_fraction >= 1)
    throw std::invalid_argument("heldout_fraction must be in [0, 1)");
  std::vector<int64_t> order(docs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  seeded_shuffle(order, seed ^ 0x9e3779b97f4a7c15ULL);
  size_t n_held = static_cast<size_t>(std::llround(heldout_fraction * static_cast<double>(docs.size())));
  if (heldout_fraction > 0 && n_held == 0 && docs.size() >= 2) n_held = 1;
  // Held-out and training documents each keep corpus order, so blocks read naturally.
  std::vector<int64_t> held(order.begin(), order.begin() + static_cast<long>(n_held));
  std::vector<int64_t> train(order.begin() + static_cast<long>(n_held), order.end());
  std::sort(held.begin(), held.end());
  std::sort(train.begin(), train.end());
  auto ptrs = [&](const std::vector<int64_t>& idx) {
    std::vector<const TokenIds*> p;
    for (int64_t i : idx) p.push_back(&docs[static_cast<size_t>(i)]);
    return p;
  };
  DcptBlocks out;
  out.train = pack_blocks(ptrs(train), separator_id, block_size, &out.train_tokens_dropped);
  out.heldout = pack_blocks(ptrs(held), separator_id, block_size, &out.heldout_tokens_dropped);
  out.train_docs = static_cast<int64_t>(train.size());
  out.heldout_docs = static_cast<int64_t>(held.size());
  return out;
}

MaskedSequence render_dialogue(const Dialogue& d, const ChatTemplate& tpl, const Encoder& enc,
                               int32_t bos_id, int32_t eos_id) {
  if (d.empty()) throw std::invalid_argument("dialogue has no turns");
  bool has_reply = false;
  for (const Turn& t : d) has_reply |= (t.role == "assistant");
  MaskedSequence s;
  if (bos_id >= 0) append(s.ids, s.loss_mask, {bos_id}, 0);
  render_turns(d, d.size(), tpl, enc, eos_id, 1, s.ids, s.loss_mask);
  if (!has_reply) throw std::invalid_argument("dialogue has no assistant turn to learn from");
  return s;
}

bool truncate_sequence(MaskedSequence& s, int max_len) {
  if (max_len > 0 && static_cast<int>(s.ids.size()) > max_len) {
    s.ids.resize(static_cast<size_t>(max_len));
    s.loss_mask.resize(static_cast<size_t>(max_len));
  }
  // Position 0 is never a target (nothing precedes it).
  for (size_t i = 1; i < s.loss_mask.size(); ++i)
    if (s.loss_mask[i]) return true;
  return false;
}

TokenizedPair tokenize_pair(const PreferencePair& p, const ChatTemplate& tpl, const Encoder& enc,
                            int32_t bos_id, int32_t eos_id) {
  if (p.prompt.empty()) throw std::invalid_argument("preference pair has an empty prompt");
  if (p.prompt.back().role != "user")
    throw std::invalid_argument("preference pair prompt must end with a user turn");
  TokenizedPair t;
  std::vector<uint8_t> mask;
  if (bos_id >= 0) append(t.prompt, mask, {bos_id}, 0);
  render_turns(p.prompt, p.prompt.size(), tpl, enc, eos_id, 0, t.prompt, mask);
  append_text(t.prompt, mask, enc, tpl.assistant_prefix, 0);
  t.chosen = reply_tokens(p.chosen, tpl, enc, eos_id);
  t.rejected = reply_tokens(p.rejected, tpl, enc, eos_id);
  return t;
}

bool truncate_pair(TokenizedPair& p, int max_prompt_len, int max_len) {
  if (max_prompt_len > 0 && static_cast<int>(p.prompt.size()) > max_prompt_len)
    p.prompt.erase(p.prompt.begin(), p.prompt.end() - max_prompt_len);  // keep the question's end
  if (max_len > 0) {
    long room = static_cast<long>(max_len) - static_cast<long>(p.prompt.size());
    if (room < 1) return false;
    if (static_cast<long>(p.chosen.size()) > room) p.chosen.resize(static_cast<size_t>(room));
    if (static_cast<long>(p.rejected.size()) > room) p.rejected.resize(static_cast<size_t>(room));
  }
  return !p.chosen.empty() && !p.rejected.empty() && !p.prompt.empty();
}

MaskedSequence pair_sequence(const TokenizedPair& p, bool chosen) {
  MaskedSequence s;
  append(s.ids, s.loss_mask, p.prompt, 0);
  append(s.ids, s.loss_mask, chosen ? p.chosen : p.rejected, 1);
  return s;
}

std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch, bool shuffle) {
  std::vector<int64_t> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
  if (shuffle) seeded_shuffle(v, seed * 1000003ULL + static_cast<uint64_t>(epoch) + 1);
  return v;
}

}  // namespace qb::train
