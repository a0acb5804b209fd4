// SentencePiece through the dlopen'ed wrapper, inside a binary that links libtorch: the
// combination that crashes before main when libsentencepiece is linked directly.
#include "trainers/tokenizer/sentencepiece_tokenizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "tests/testing/testing.h"
#include "trainers/tokenizer/char_tokenizer.h"

namespace qb {
namespace {

TEST(SentencePieceTokenizer, TrainLoadEncodeDecodeBesideLibtorch) {
  testing::TempDir dir;
  std::string corpus;
  for (int i = 0; i < 40; ++i)
    corpus += "患者发热三天，咳嗽，咽痛。高血压患者应低盐饮食。糖尿病需要控制血糖。answer " + std::to_string(i) + "\n";
  testing::write_fixture(dir / "corpus.txt", corpus);
  SentencePieceTokenizer::train("--input=" + (dir / "corpus.txt").string() + " --model_prefix=" +
                                (dir / "tokenizer").string() +
                                " --vocab_size=340 --model_type=bpe --character_coverage=1.0 --byte_fallback=true"
                                " --minloglevel=2");
  SentencePieceTokenizer t(dir / "tokenizer.model");
  EXPECT_EQ(t.vocab_size(), 340);  // 256 byte pieces + 3 controls + characters + merges
  // SentencePiece defaults: <unk>=0, <s>=1, </s>=2, no pad (padding uses unk).
  EXPECT_EQ(t.unk_id(), 0);
  EXPECT_EQ(t.bos_id(), 1);
  EXPECT_EQ(t.eos_id(), 2);
  EXPECT_EQ(t.pad_id(), 0);
  const std::string text = "高血压患者应低盐饮食。";
  auto ids = t.encode(text);
  EXPECT_LT(ids.size(), 11u) << "BPE merged nothing";  // 11 characters
  EXPECT_EQ(t.decode(ids), text);
  // Byte fallback: a character absent from the corpus survives the round trip.
  EXPECT_EQ(t.decode(t.encode("肺")), "肺");
  auto with_controls = ids;
  with_controls.insert(with_controls.begin(), t.bos_id());
  with_controls.push_back(t.eos_id());
  EXPECT_EQ(t.decode(with_controls), text);
  // libtorch is alive in the same process.
  EXPECT_EQ(torch::ones({2}).sum().item<float>(), 2.0f);

  // load_tokenizer picks tokenizer.model when there is no qilin tokenizer.json.
  auto loaded = load_tokenizer(dir.path());
  EXPECT_EQ(loaded->signature(), "sentencepiece:340");
}

TEST(SentencePieceTokenizer, BadModelFileIsAnInputError) {
  testing::TempDir dir;
  testing::write_fixture(dir / "tokenizer.model", "not a protobuf");
  try {
    SentencePieceTokenizer t(dir / "tokenizer.model");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()).rfind((dir / "tokenizer.model").string() + ": tokenizer: not a SentencePiece model: ", 0), 0u)
        << e.what();
  }
}

}  // namespace
}  // namespace qb

#include "tests/trainers/tiny_checkpoint.h"
#include "trainers/engine/engine.h"

namespace qb {
namespace {

// A merging tokenizer: BOS + encode(context + continuation) need not start with
// BOS + encode(context). Shared-prefix scoring must still equal the naive full forward.
TEST(SentencePieceTokenizer, EngineLoglikAcrossAMergedBoundary) {
  testing::TempDir dir;
  std::string corpus;
  for (int i = 0; i < 60; ++i) corpus += "高血压患者应低盐饮食。高血糖需要控制。\n";
  testing::write_fixture(dir / "corpus.txt", corpus);
  std::filesystem::create_directories(dir / "ck");
  SentencePieceTokenizer::train("--input=" + (dir / "corpus.txt").string() + " --model_prefix=" +
                                (dir / "ck" / "tokenizer").string() +
                                " --vocab_size=290 --model_type=bpe --character_coverage=1.0 --byte_fallback=true"
                                " --minloglevel=2");
  auto c = testing::tiny_config();
  LlamaModel m(c);
  m->init_weights(3);
  save_model(dir / "ck", m);
  SentencePieceTokenizer tok(dir / "ck" / "tokenizer.model");
  // Find a split of a corpus sentence where BPE merges across the boundary.
  const std::vector<std::string> chars{"高", "血", "压", "患", "者", "应", "低", "盐", "饮", "食"};
  std::string context, continuation;
  for (size_t k = 1; k < chars.size() && context.empty(); ++k) {
    std::string a, b;
    for (size_t i = 0; i < chars.size(); ++i) (i < k ? a : b) += chars[i];
    const auto ctx = tok.encode(a), whole = tok.encode(a + b);
    if (!(whole.size() >= ctx.size() && std::equal(ctx.begin(), ctx.end(), whole.begin()))) context = a, continuation = b;
  }
  ASSERT_FALSE(context.empty()) << "the corpus should make BPE merge across some boundary";

  Engine shared(dir / "ck"), naive(dir / "ck", {8, /*prefix_sharing=*/false});
  std::vector<LoglikRequest> reqs{{"q", context, {continuation, "糖", continuation.substr(0, 3)}}};
  auto a = shared.loglik(reqs)[0], b = naive.loglik(reqs)[0];
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(a.logprob[i], b.logprob[i], 1e-4) << i;
    EXPECT_EQ(a.n_tokens[i], b.n_tokens[i]) << i;
    EXPECT_GT(a.n_tokens[i], 0) << i;
  }
}

}  // namespace
}  // namespace qb
