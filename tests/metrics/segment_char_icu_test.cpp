// The char and icu segmenters, and make_segmenter's dispatch and errors.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "metrics/segmenter.h"
#include "metrics/text_prep.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

namespace qb {
namespace {

using Tokens = std::vector<std::string>;

std::unique_ptr<Segmenter> make(const std::string& kind) {
  SegmenterOptions o;
  o.kind = kind;
  return make_segmenter(o);
}

TEST(SegmentChar, KeepsLatinAndDigitRunsWholeAndSplitsTheRest) {
  const auto seg = make("char");
  EXPECT_EQ(seg->signature(), "char");
  EXPECT_EQ(seg->segment("血常规WBC12.5x10^9/L"),
            (Tokens{"血", "常", "规", "WBC12", ".", "5x10", "^", "9", "/", "L"}));
  // Full-width letters are Latin script and full-width digits are Nd: one run.
  EXPECT_EQ(seg->segment("ＡＢＣ１２３全角"), (Tokens{"ＡＢＣ１２３", "全", "角"}));
  // White_Space separates and is dropped, including U+3000 and NBSP.
  EXPECT_EQ(seg->segment(" a  b\t\u3000c\u00a0d\r\n"), (Tokens{"a", "b", "c", "d"}));
  // Combining marks stay with the run; accented Latin letters are letters.
  EXPECT_EQ(seg->segment("cafe\u0301 naïve"), (Tokens{"cafe\u0301", "naïve"}));
  // Emoji: one token per code point, a ZWJ sequence included.
  EXPECT_EQ(seg->segment("痛😀👩\u200d💻"), (Tokens{"痛", "😀", "👩", "\u200d", "💻"}));
  EXPECT_EQ(seg->segment("，。！？"), (Tokens{"，", "。", "！", "？"}));
  EXPECT_EQ(seg->segment(""), Tokens{});
  EXPECT_EQ(seg->segment("   "), Tokens{});
  // Greek/Cyrillic letters are not Latin script: one token each.
  EXPECT_EQ(seg->segment("αβ12"), (Tokens{"α", "β", "12"}));
}

TEST(SegmentChar, IllFormedUtf8IsAnInputError) {
  try {
    make("char")->segment("ab\xFF");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "<text>: byte 2: ill-formed UTF-8 sequence");
  }
}

TEST(SegmentIcu, WordBreakWithDictionaryForHanAndNoWhitespaceTokens) {
  const auto seg = make("icu");
  EXPECT_EQ(seg->signature(), "icu-72");
  // ICU's CJ dictionary (TOOLCHAIN.md: finer than jieba, 持续/性).
  EXPECT_EQ(seg->segment("持续性"), (Tokens{"持续", "性"}));
  EXPECT_EQ(seg->segment("hello  world, 3.5 mg"), (Tokens{"hello", "world", ",", "3.5", "mg"}));
  EXPECT_EQ(seg->segment(" \t\u3000"), Tokens{});
  EXPECT_EQ(seg->segment(""), Tokens{});
}

TEST(SegmentFactory, UnknownKindIsAnInputError) {
  try {
    make("spaces");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--segmenter: value 'spaces': unknown segmenter (expected char, jieba or icu)");
  }
}

// strip_white_space skips ICU's property lookup above U+3000: that must lose nothing.
TEST(TextPrep, NoWhiteSpaceAboveIdeographicSpaceAndEveryOtherOneIsStripped) {
  EXPECT_TRUE(u_isUWhiteSpace(0x3000));
  for (UChar32 c = 0x3001; c <= 0x10FFFF; ++c) ASSERT_FALSE(u_isUWhiteSpace(c)) << std::hex << c;
  std::string all, expected = "头x";
  for (UChar32 c = 0; c <= 0x3000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    if (u_isUWhiteSpace(c)) {
      char buf[4];
      int32_t n = 0;
      U8_APPEND_UNSAFE(buf, n, c);
      all.append(buf, static_cast<size_t>(n));
    }
  }
  EXPECT_EQ(strip_white_space("头" + all + "x" + all), expected);
}

}  // namespace
}  // namespace qb
