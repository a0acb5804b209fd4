// DCPT packing, SFT rendering and loss mask, DPO pair building, data order, lr schedule.
#include <gtest/gtest.h>

#include <cmath>

#include "trainers/train/lr_schedule.h"
#include "trainers/train/train_data.h"

namespace qb::train {
namespace {

// A transparent encoder for tests: each byte becomes its value + 100 (so ids never collide
// with the special ids 0..3 used below).
TokenIds enc(const std::string& s) {
  TokenIds t;
  for (unsigned char c : s) t.push_back(static_cast<int32_t>(c) + 100);
  return t;
}

TEST(TrainData, PackBlocksWithSeparatorsAndRemainder) {
  std::vector<TokenIds> docs = {{10, 11, 12}, {20, 21}, {30}};
  std::vector<const TokenIds*> p = {&docs[0], &docs[1], &docs[2]};
  int64_t dropped = -1;
  auto blocks = pack_blocks(p, 2, 4, &dropped);
  // stream: 10 11 12 2 | 20 21 2 30 | 2  -> two blocks, one token dropped
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0], (TokenIds{10, 11, 12, 2}));
  EXPECT_EQ(blocks[1], (TokenIds{20, 21, 2, 30}));
  EXPECT_EQ(dropped, 1);
}

TEST(TrainData, HeldoutSplitsWholeDocumentsReproducibly) {
  std::vector<TokenIds> docs;
  for (int i = 0; i < 20; ++i) docs.push_back(TokenIds(5, 1000 + i));
  auto a = pack_dcpt_blocks(docs, 2, 6, 0.1, 42);
  auto b = pack_dcpt_blocks(docs, 2, 6, 0.1, 42);
  EXPECT_EQ(a.heldout_docs, 2);
  EXPECT_EQ(a.train_docs, 18);
  EXPECT_EQ(a.train, b.train);
  EXPECT_EQ(a.heldout, b.heldout);
  // Every block holds exactly one document (5 tokens + separator), so no document is split
  // between the two sides.
  ASSERT_EQ(a.heldout.size(), 2u);
  ASSERT_EQ(a.train.size(), 18u);
  std::set<int32_t> held, train;
  for (auto& bl : a.heldout) held.insert(bl[0]);
  for (auto& bl : a.train) train.insert(bl[0]);
  for (int32_t h : held) EXPECT_EQ(train.count(h), 0u);
  auto c = pack_dcpt_blocks(docs, 2, 6, 0.1, 43);
  EXPECT_NE(a.heldout, c.heldout);  // the seed picks the held-out documents
}

TEST(TrainData, SftMaskCoversOnlyResponsesMultiTurn) {
  ChatTemplate tpl;
  tpl.user_prefix = "U:";
  tpl.assistant_prefix = "A:";
  Dialogue d = {{"system", "S"}, {"user", "q1"}, {"assistant", "r1"}, {"user", "q2"}, {"assistant", "r2"}};
  auto s = render_dialogue(d, tpl, enc, 1, 2);
  // BOS S U: q1 A: r1 EOS U: q2 A: r2 EOS
  TokenIds want = {1};
  for (auto& piece : {"S", "U:", "q1", "A:", "r1"})
    for (auto id : enc(piece)) want.push_back(id);
  want.push_back(2);
  for (auto& piece : {"U:", "q2", "A:", "r2"})
    for (auto id : enc(piece)) want.push_back(id);
  want.push_back(2);
  EXPECT_EQ(s.ids, want);
  std::vector<uint8_t> mask = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1};
  EXPECT_EQ(s.loss_mask, mask);
}

TEST(TrainData, SftDefaultTemplateIsBaichuanMarkers) {
  ChatTemplate tpl;
  EXPECT_EQ(tpl.user_prefix, "<reserved_102>");
  EXPECT_EQ(tpl.assistant_prefix, "<reserved_103>");
  auto s = render_dialogue({{"user", "a"}, {"assistant", "b"}}, tpl, enc, -1, 2);
  EXPECT_EQ(s.ids.size(), 14u + 1 + 14 + 1 + 1);
  EXPECT_EQ(s.loss_mask.back(), 1);
  EXPECT_EQ(s.loss_mask[s.ids.size() - 2], 1);
  EXPECT_EQ(s.loss_mask[s.ids.size() - 3], 0);  // last marker byte
}

TEST(TrainData, SftRejectsBadDialogues) {
  ChatTemplate tpl;
  try {
    render_dialogue({{"user", "a"}, {"bot", "b"}}, tpl, enc, 1, 2);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "turn 2 has unknown role 'bot' (expected system, user or assistant)");
  }
  try {
    render_dialogue({{"user", "a"}}, tpl, enc, 1, 2);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "dialogue has no assistant turn to learn from");
  }
}

TEST(TrainData, TruncateKeepsPrefixAndReportsEmptyResponses) {
  MaskedSequence s{{1, 2, 3, 4, 5}, {0, 0, 0, 1, 1}};
  auto t = s;
  EXPECT_TRUE(truncate_sequence(t, 4));
  EXPECT_EQ(t.ids, (TokenIds{1, 2, 3, 4}));
  t = s;
  EXPECT_FALSE(truncate_sequence(t, 3));
}

TEST(TrainData, DpoPairPromptEndsWithAssistantMarker) {
  ChatTemplate tpl;
  tpl.user_prefix = "U";
  tpl.assistant_prefix = "A";
  PreferencePair p{{{"user", "q"}}, "yes", "no"};
  auto t = tokenize_pair(p, tpl, enc, 1, 2);
  EXPECT_EQ(t.prompt, (TokenIds{1, 'U' + 100, 'q' + 100, 'A' + 100}));
  EXPECT_EQ(t.chosen, (TokenIds{'y' + 100, 'e' + 100, 's' + 100, 2}));
  EXPECT_EQ(t.rejected, (TokenIds{'n' + 100, 'o' + 100, 2}));
  auto seq = pair_sequence(t, false);
  EXPECT_EQ(seq.loss_mask, (std::vector<uint8_t>{0, 0, 0, 0, 1, 1, 1}));
  // Truncation: the prompt keeps its end, responses are cut to fit.
  auto u = t;
  EXPECT_TRUE(truncate_pair(u, 2, 4));
  EXPECT_EQ(u.prompt, (TokenIds{'q' + 100, 'A' + 100}));
  EXPECT_EQ(u.chosen, (TokenIds{'y' + 100, 'e' + 100}));
  EXPECT_EQ(u.rejected, (TokenIds{'n' + 100, 'o' + 100}));
  PreferencePair bad{{{"assistant", "x"}}, "a", "b"};
  EXPECT_THROW(tokenize_pair(bad, tpl, enc, 1, 2), std::invalid_argument);
}

TEST(TrainData, EpochOrderIsSeededPermutation) {
  auto a = epoch_order(10, 5, 0, true), b = epoch_order(10, 5, 0, true), c = epoch_order(10, 5, 1, true);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, epoch_order(10, 5, 0, false));
}

TEST(TrainLrSchedule, WarmupThenCosineToFloor) {
  LrSchedule s{1.0, 4, 14, 0.1};
  EXPECT_DOUBLE_EQ(s.at(0), 0.0);
  EXPECT_DOUBLE_EQ(s.at(2), 0.5);
  EXPECT_DOUBLE_EQ(s.at(4), 1.0);
  EXPECT_NEAR(s.at(9), 0.1 + 0.9 * 0.5, 1e-12);  // halfway through the cosine
  EXPECT_NEAR(s.at(14), 0.1, 1e-12);
  EXPECT_NEAR(s.at(100), 0.1, 1e-12);
  LrSchedule hf{2e-3, 0, 10, 0.0};  // HF get_cosine_schedule_with_warmup, no warmup
  EXPECT_NEAR(hf.at(3), 2e-3 * 0.5 * (1 + std::cos(M_PI * 0.3)), 1e-15);
}

}  // namespace
}  // namespace qb::train
