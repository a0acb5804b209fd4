// SentencePiece through the dlopen'ed wrapper, inside a binary that links libtorch: the
// combination that crashes before main when libsentencepiece is linked directly.
#include "trainers/sentencepiece_tokenizer.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "common/error.h"
#include "tests/testing/testing.h"
#include "trainers/char_tokenizer.h"

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
