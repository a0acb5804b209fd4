#include <gtest/gtest.h>

#include "common/error.h"
#include "tests/testing/testing.h"
#include "trainers/tokenizer/char_tokenizer.h"

namespace qb {
namespace {

TEST(CharTokenizer, TrainingOrdersByCountThenCodePoint) {
  auto t = CharTokenizer::train({"乙甲甲丙", "丙丙甲 b a"}, {/*min_frequency=*/1, /*max_chars=*/0});
  // counts: 甲3 丙3 乙1 ' '2 a1 b1 -> 3s by code point (丙 U+4E19 < 甲 U+7532), then ' ', then a, b, 乙.
  EXPECT_EQ(t.chars(), (std::vector<std::string>{"丙", "甲", " ", "a", "b", "乙"}));
  auto t2 = CharTokenizer::train({"乙甲甲丙", "丙丙甲 b a"}, {2, 0});
  EXPECT_EQ(t2.chars(), (std::vector<std::string>{"丙", "甲", " "}));
  auto t3 = CharTokenizer::train({"乙甲甲丙", "丙丙甲 b a"}, {1, 2});
  EXPECT_EQ(t3.chars(), (std::vector<std::string>{"丙", "甲"}));
  EXPECT_EQ(t.vocab_size(), 266);
}

TEST(CharTokenizer, ByteFallbackIsLosslessAndConcatenative) {
  auto t = CharTokenizer::train({"答案是甲"});
  const std::string text = "答案：B。";  // '：', 'B', '。' are not in the vocabulary
  auto ids = t.encode(text);
  // 答 案 then 3 bytes of '：' then 'B' then 3 bytes of '。'
  ASSERT_EQ(ids.size(), 2u + 3 + 1 + 3);
  EXPECT_EQ(ids[0], CharTokenizer::kFirstChar + 3);  // 是 案 甲 答: all seen once, code-point order
  EXPECT_EQ(ids[2], CharTokenizer::kFirstByte + 0xEF);
  EXPECT_EQ(ids[5], CharTokenizer::kFirstByte + 'B');
  EXPECT_EQ(t.decode(ids), text);
  auto a = t.encode("答案：");
  auto b = t.encode("B。");
  a.insert(a.end(), b.begin(), b.end());
  EXPECT_EQ(a, ids);
  // Specials vanish; a dangling partial character becomes U+FFFD; invalid input bytes survive encode.
  EXPECT_EQ(t.decode({CharTokenizer::kBos, ids[0], CharTokenizer::kEos}), "答");
  EXPECT_EQ(t.decode({ids[0], ids[2], ids[3]}), "答\xEF\xBF\xBD");
  EXPECT_EQ(t.encode("\xFF" "a"), (std::vector<int64_t>{CharTokenizer::kFirstByte + 0xFF, CharTokenizer::kFirstByte + 'a'}));
}

TEST(CharTokenizer, SaveLoadAndErrors) {
  testing::TempDir dir;
  auto t = CharTokenizer::train({"心肌梗死"});
  t.save(dir / "tokenizer.json");
  auto back = CharTokenizer::load(dir / "tokenizer.json");
  EXPECT_EQ(back.chars(), t.chars());
  EXPECT_EQ(back.signature(), "qilin-char:v1:264");

  auto err = [](const std::string& json) {
    try {
      CharTokenizer::parse(json, "tok.json");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_EQ(err(R"({"format":"qilin-char-tokenizer","version":1,"chars":["心","肌","心"]})"),
            "tok.json: chars[2]: duplicates chars[0] \"心\"");
  EXPECT_EQ(err(R"({"format":"qilin-char-tokenizer","version":1,"chars":["心肌"]})"),
            "tok.json: chars[0]: must be exactly one character, got \"心肌\"");
  EXPECT_EQ(err(R"({"model":{"type":"BPE"}})"),
            "tok.json: key 'format': not a qilin-char-tokenizer file (Hugging Face tokenizers JSON is not read; "
            "put the checkpoint's SentencePiece tokenizer.model beside it)");
}

}  // namespace
}  // namespace qb
