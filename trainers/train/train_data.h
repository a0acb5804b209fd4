// Training data over token ids, before any tensor exists: DCPT blocks, SFT sequences with
// a loss mask, DPO prompt/chosen/rejected triples. No torch here (the harness and the
// tests build these from plain strings through an encoder function).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace qb::train {

using TokenIds = std::vector<int32_t>;
// Text -> token ids, without BOS/EOS (the pipelines add separators themselves).
using Encoder = std::function<TokenIds(const std::string&)>;

// ---- DCPT -----------------------------------------------------------------------------
// Documents are concatenated, each followed by `separator_id` (the tokenizer's EOS), then
// cut into blocks of exactly `block_size` tokens; a trailing remainder shorter than a block
// is dropped and counted. Held-out documents are chosen by a seeded shuffle of whole
// documents, so no held-out text leaks into a training block.
struct DcptBlocks {
  std::vector<TokenIds> train, heldout;
  int64_t train_tokens_dropped = 0, heldout_tokens_dropped = 0;
  int64_t train_docs = 0, heldout_docs = 0;
};
DcptBlocks pack_dcpt_blocks(const std::vector<TokenIds>& docs, int32_t separator_id, int block_size,
                            double heldout_fraction, uint64_t seed);
// The packing step alone: concatenate with separators and cut into blocks.
std::vector<TokenIds> pack_blocks(const std::vector<const TokenIds*>& docs, int32_t separator_id,
                                  int block_size, int64_t* dropped_tokens);

// ---- SFT ------------------------------------------------------------------------------
struct Turn {
  std::string role;  // "system", "user" or "assistant"
  std::string text;
};
using Dialogue = std::vector<Turn>;

// How a dialogue becomes text. Every piece is encoded on its own and concatenated, so the
// loss-mask boundaries fall exactly between pieces. The default is Baichuan-13B-Chat's
// layout: user turns after "<reserved_102>", assistant turns after "<reserved_103>", each
// assistant turn closed by EOS (an id, not text).
struct ChatTemplate {
  std::string system_prefix;                       // before a system message
  std::string system_suffix;                       // after it
  std::string user_prefix = "<reserved_102>";
  std::string user_suffix;
  std::string assistant_prefix = "<reserved_103>";
  std::string assistant_suffix;                    // text after a reply, before EOS
  bool eos_after_reply = true;
};

// One training sequence: ids and, per position, whether that token is a target of the loss.
struct MaskedSequence {
  TokenIds ids;
  std::vector<uint8_t> loss_mask;  // 1 = response token (predicted and scored), 0 = prompt
};

// Renders a dialogue; loss_mask is 1 exactly on assistant reply tokens (and their EOS and
// suffix), 0 on system/user text and on every template marker. Throws std::invalid_argument
// naming the problem for an empty dialogue, an unknown role or a dialogue without an
// assistant turn. bos_id < 0 means no BOS.
MaskedSequence render_dialogue(const Dialogue& d, const ChatTemplate& tpl, const Encoder& enc,
                               int32_t bos_id, int32_t eos_id);
// Keeps the first max_len tokens. Returns false when no response token survives.
bool truncate_sequence(MaskedSequence& s, int max_len);

// ---- DPO ------------------------------------------------------------------------------
struct PreferencePair {
  Dialogue prompt;  // history + the final user turn (no assistant answer at the end)
  std::string chosen, rejected;
};
struct TokenizedPair {
  TokenIds prompt;             // rendered prompt ending with the assistant prefix
  TokenIds chosen, rejected;   // response tokens (+ suffix + EOS)
};
TokenizedPair tokenize_pair(const PreferencePair& p, const ChatTemplate& tpl, const Encoder& enc,
                            int32_t bos_id, int32_t eos_id);
// Left-truncates the prompt to max_prompt_len, then cuts responses so prompt+response fits
// max_len. Returns false when a response would be empty.
bool truncate_pair(TokenizedPair& p, int max_prompt_len, int max_len);
// prompt+response as one masked sequence (mask 1 on the response).
MaskedSequence pair_sequence(const TokenizedPair& p, bool chosen);

// ---- data order -----------------------------------------------------------------------
// The permutation of [0, n) used for epoch `epoch`: a pure function of (seed, epoch), so a
// resumed run only needs the epoch and the position inside it.
std::vector<int64_t> epoch_order(int64_t n, uint64_t seed, int64_t epoch, bool shuffle);

}  // namespace qb::train
