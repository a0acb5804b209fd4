// Answer extraction: only option letters in answer position count (SPEC §3).
#include <gtest/gtest.h>

#include "common/error.h"
#include "metrics/answer_extraction.h"

namespace qb {
namespace {

std::string extract(const std::string& s, const std::string& valid = "ABCDE") {
  auto r = extract_answer_letters(s, valid);
  return r ? *r : "<fail>";
}

TEST(AnswerExtraction, BareLettersAtTheStart) {
  EXPECT_EQ(extract("C"), "C");
  EXPECT_EQ(extract("  C. 阿司匹林"), "C");
  EXPECT_EQ(extract("ABD"), "ABD");
  EXPECT_EQ(extract("DBA"), "ABD");
  EXPECT_EQ(extract("A、C"), "AC");
  EXPECT_EQ(extract("B, E"), "BE");
  EXPECT_EQ(extract("A和B"), "AB");
  EXPECT_EQ(extract("Ｃ"), "C");  // full-width
  EXPECT_EQ(extract("（B）"), "B");
  EXPECT_EQ(extract("选项D"), "D");
}

TEST(AnswerExtraction, LettersInsideWordsAreNotAnswers) {
  EXPECT_EQ(extract("CT检查显示肺部阴影"), "<fail>");
  EXPECT_EQ(extract("ECG提示ST段抬高"), "<fail>");
  EXPECT_EQ(extract("B12缺乏"), "<fail>");
  EXPECT_EQ(extract("Cell"), "<fail>");
  EXPECT_EQ(extract("The answer is CT"), "<fail>");
  EXPECT_EQ(extract("a"), "<fail>");  // lower case never counts
  EXPECT_EQ(extract(""), "<fail>");
  EXPECT_EQ(extract("以上都不对"), "<fail>");
  // A letter that is not an option of this question makes the block a word.
  EXPECT_EQ(extract("E", "ABCD"), "<fail>");
}

TEST(AnswerExtraction, CuesTakePriorityOverTheStart) {
  EXPECT_EQ(extract("The answer is C"), "C");
  EXPECT_EQ(extract("the ANSWER: B"), "B");
  EXPECT_EQ(extract("答案是C"), "C");
  EXPECT_EQ(extract("答案：A、C"), "AC");
  EXPECT_EQ(extract("【答案】D"), "D");
  EXPECT_EQ(extract("正确答案为 B,E。"), "BE");
  EXPECT_EQ(extract("A项错误，因为……所以答案应该是C"), "C");
  EXPECT_EQ(extract("CT提示肺炎，答案是C"), "C");
  EXPECT_EQ(extract("正确选项是E"), "E");
  EXPECT_EQ(extract("这道题选C"), "C");
  EXPECT_EQ(extract("我认为应选择D项"), "D");
  // "answers" is not the cue "answer"; nothing else is in answer position.
  EXPECT_EQ(extract("see answers C"), "<fail>");
  // A cue followed by a word falls back to the next position.
  EXPECT_EQ(extract("答案是CT所示的病变，选B"), "B");
}

TEST(AnswerExtraction, IllFormedUtf8IsAnInputError) {
  EXPECT_THROW(extract_answer_letters("\xff答案C"), InputError);
}

}  // namespace
}  // namespace qb
