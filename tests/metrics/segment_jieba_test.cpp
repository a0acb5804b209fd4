// The jieba segmenter against Python jieba 0.42.1: every expected token list below was
// produced by /usr/bin/python3 -c "import jieba; print(jieba.lcut(TEXT, HMM=...))".
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/error.h"
#include "metrics/jieba_segmenter.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

using Tokens = std::vector<std::string>;

#define QILIN_REQUIRE_JIEBA()                                                                    \
  if (!std::filesystem::exists(kJiebaDefaultDict))                                               \
  GTEST_SKIP() << kJiebaDefaultDict << " is absent: install Debian python3-jieba (scripts/setup.sh)"

const JiebaSegmenter& jieba(bool hmm) {
  static const JiebaSegmenter with_hmm([] {
    SegmenterOptions o;
    o.hmm = true;
    return o;
  }());
  static const JiebaSegmenter without_hmm([] {
    SegmenterOptions o;
    o.hmm = false;
    return o;
  }());
  return hmm ? with_hmm : without_hmm;
}

struct Case {
  const char* text;
  Tokens hmm, no_hmm;
};

TEST(SegmentJieba, MatchesPythonJiebaOnTrickyText) {
  QILIN_REQUIRE_JIEBA();
  const std::vector<Case> cases = {
      {"我来到北京清华大学", {"我", "来到", "北京", "清华大学"}, {"我", "来到", "北京", "清华大学"}},
      // HMM-discovered word: 杭研 is not in dict.txt.
      {"他来到了网易杭研大厦", {"他", "来到", "了", "网易", "杭研", "大厦"},
       {"他", "来到", "了", "网易", "杭", "研", "大厦"}},
      {"小明硕士毕业于中国科学院计算所", {"小明", "硕士", "毕业", "于", "中国科学院", "计算所"},
       {"小", "明", "硕士", "毕业", "于", "中国科学院", "计算所"}},
      // Mixed Latin/digits/Han: the block regex keeps '.', '^' is outside it; finalseg's
      // re_skip joins "12.5" only with HMM on.
      {"血常规WBC12.5x10^9/L，CRP 3.5mg/L",
       {"血常规", "WBC12.5", "x10", "^", "9", "/", "L", "，", "CRP", " ", "3.5", "mg", "/", "L"},
       {"血常规", "WBC12", ".", "5x10", "^", "9", "/", "L", "，", "CRP", " ", "3", ".", "5mg", "/", "L"}},
      {"B超检查50ml的啊", {"B超", "检查", "50ml", "的", "啊"}, {"B超", "检查", "50ml", "的", "啊"}},
      {"3.5.6%和...++", {"3.5", ".", "6%", "和", "...++"},
       {"3", ".", "5", ".", "6", "%", "和", ".", ".", ".", "+", "+"}},
      {"c++和C#编程", {"c++", "和", "C#", "编程"}, {"c++", "和", "C#", "编程"}},
      // Full-width letters and digits are outside jieba's blocks: one token each.
      {"ＡＢＣ１２３全角", {"Ａ", "Ｂ", "Ｃ", "１", "２", "３", "全角"}, {"Ａ", "Ｂ", "Ｃ", "１", "２", "３", "全角"}},
      {"头痛😀发烧👩\u200d💻", {"头痛", "😀", "发烧", "👩", "\u200d", "💻"}, {"头痛", "😀", "发烧", "👩", "\u200d", "💻"}},
      // Whitespace: one token per character, "\r\n" one token, U+3000 is whitespace too.
      {"a  b\t\tc", {"a", " ", " ", "b", "\t", "\t", "c"}, {"a", " ", " ", "b", "\t", "\t", "c"}},
      {"   ", {" ", " ", " "}, {" ", " ", " "}},
      {"\r\n", {"\r\n"}, {"\r\n"}},
      {"\u3000中\u3000文\u3000", {"\u3000", "中", "\u3000", "文", "\u3000"}, {"\u3000", "中", "\u3000", "文", "\u3000"}},
      // Han outside U+4E00..U+9FD5 (extension A, U+9FD6) is no block character.
      {"㐀丽鿕鿖", {"㐀", "丽", "鿕", "鿖"}, {"㐀", "丽", "鿕", "鿖"}},
      {"患者男性，65岁，反复咳嗽咳痰10年", {"患者", "男性", "，", "65", "岁", "，", "反复", "咳嗽", "咳痰", "10", "年"},
       {"患者", "男性", "，", "65", "岁", "，", "反复", "咳嗽", "咳痰", "10", "年"}},
      {"", {}, {}},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(jieba(true).segment(c.text), c.hmm) << "HMM on: " << c.text;
    EXPECT_EQ(jieba(false).segment(c.text), c.no_hmm) << "HMM off: " << c.text;
  }
}

// Exact ties in the route (seen in Huatuo answers): Python's max over (log prob, x) tuples
// picks the larger end index x, i.e. the longer word first.
TEST(SegmentJieba, RouteTiesPickTheLongerWordLikePythonTupleMax) {
  QILIN_REQUIRE_JIEBA();
  for (bool hmm : {true, false}) {
    EXPECT_EQ(jieba(hmm).segment("急急急"), (Tokens{"急急", "急"}));
    EXPECT_EQ(jieba(hmm).segment("等等等等等"), (Tokens{"等等等等", "等"}));
    EXPECT_EQ(jieba(hmm).segment("等等等等等等等"), (Tokens{"等等等等", "等等", "等"}));
  }
}

TEST(SegmentJieba, SignatureNamesVersionAndHmm) {
  QILIN_REQUIRE_JIEBA();
  EXPECT_EQ(jieba(true).signature(), "jieba-0.42.1|hmm:1");
  EXPECT_EQ(jieba(false).signature(), "jieba-0.42.1|hmm:0");
  // dict.txt: 349,046 lines; 498,113 keys in Python's FREQ; total 60,101,967.
  EXPECT_EQ(jieba(true).dictionary().node_count() - 1, 498113u);
  EXPECT_EQ(jieba(true).dictionary().total(), 60101967);
}

TEST(SegmentJieba, UserDictionaryFollowsLoadUserdict) {
  QILIN_REQUIRE_JIEBA();
  testing::TempDir dir;
  // Python: t = jieba.Tokenizer(); t.load_userdict(path); t.lcut(...)
  const auto path = testing::write_fixture(dir / "user.dict",
                                           "杭研 5 nz\n网易杭研大厦\n清华 0\n头痛发烧 n\n每日次 0\n");
  SegmenterOptions o;
  o.user_dict_path = path.string();
  const JiebaSegmenter seg(o);
  EXPECT_EQ(seg.segment("网易杭研大厦的清华大学头痛发烧"), (Tokens{"网易杭研大厦", "的", "清华大学", "头痛发烧"}));
  EXPECT_EQ(seg.segment("每日次服用布洛芬胶囊"), (Tokens{"每日", "次", "服用", "布洛芬", "胶囊"}));
  // Frequency 0 force-splits the word when the HMM proposes it.
  EXPECT_EQ(seg.segment("清华"), (Tokens{"清", "华"}));
  EXPECT_EQ(seg.signature().rfind("jieba-0.42.1|hmm:1|user:", 0), 0u) << seg.signature();
}

TEST(SegmentJieba, UserDictionaryMustBeUtf8) {
  QILIN_REQUIRE_JIEBA();
  testing::TempDir dir;
  const auto path = testing::write_fixture(dir / "user.dict", "杭研 5\n\xB0\xA1 3\n");
  SegmenterOptions o;
  o.user_dict_path = path.string();
  try {
    JiebaSegmenter seg(o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ": line 2: dictionary file must be UTF-8 (ill-formed byte at column 1)");
  }
}

TEST(SegmentJieba, MalformedDictionaryNamesFileAndLine) {
  QILIN_REQUIRE_JIEBA();
  testing::TempDir dir;
  const auto path = testing::write_fixture(dir / "dict.txt", "头痛 100 n\nfoo\n");
  SegmenterOptions o;
  o.dict_path = path.string();
  try {
    JiebaSegmenter seg(o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              path.string() + ": line 2: invalid dictionary entry 'foo': expected 'word frequency [tag]'");
  }
  const auto bad_freq = testing::write_fixture(dir / "dict2.txt", "头痛 1x0\n");
  o.dict_path = bad_freq.string();
  try {
    JiebaSegmenter seg(o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), bad_freq.string() +
                                         ": line 1: invalid dictionary entry '头痛 1x0': frequency '1x0' is not a "
                                         "non-negative integer");
  }
  o.dict_path = (dir / "absent.txt").string();
  EXPECT_THROW(JiebaSegmenter{o}, InputError);
}

TEST(SegmentJieba, SmallDictionaryRoutesByFrequency) {
  testing::TempDir dir;  // HMM off: needs no jieba installation
  // total = 10: 'ab' (log 4 - log 10) beats 'a' + 'b' (2 * (log 3 - log 10)).
  const auto path = testing::write_fixture(dir / "dict.txt", "a 3\nb 3\nab 4\n");
  SegmenterOptions o;
  o.dict_path = path.string();
  o.hmm = false;
  const JiebaSegmenter seg(o);
  EXPECT_EQ(seg.dictionary().total(), 10);
  EXPECT_EQ(seg.segment("abab"), (Tokens{"ab", "ab"}));
  EXPECT_EQ(seg.segment("aba"), (Tokens{"ab", "a"}));
  EXPECT_EQ(seg.signature().rfind("jieba-0.42.1|hmm:0|dict:", 0), 0u) << seg.signature();
}

// An empty dictionary file gives an empty (but usable) trie: every character is its own word.
TEST(SegmentJieba, EmptyDictionaryCutsSingleCharacters) {
  testing::TempDir dir;
  const auto path = testing::write_fixture(dir / "dict.txt", "");
  SegmenterOptions o;
  o.dict_path = path.string();
  o.hmm = false;
  const JiebaSegmenter seg(o);
  EXPECT_EQ(seg.dictionary().total(), 0);
  EXPECT_EQ(seg.segment("头痛a1"), (Tokens{"头", "痛", "a1"}));
}

TEST(SegmentJieba, MalformedHmmTableNamesFileAndLine) {
  QILIN_REQUIRE_JIEBA();
  testing::TempDir dir;
  testing::write_fixture(dir / "prob_start.py", "P={'B': -0.26,\n 'E': -3.14e+100,\n 'M': oops,\n 'S': -1.4}\n");
  testing::write_fixture(dir / "prob_trans.py", "P={}\n");
  testing::write_fixture(dir / "prob_emit.py", "P={}\n");
  SegmenterOptions o;
  o.hmm_model_dir = dir.path().string();
  try {
    JiebaSegmenter seg(o);
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), (dir / "prob_start.py").string() + ": line 3: expected a number or a dict");
  }
}

TEST(SegmentJieba, IllFormedUtf8IsAnInputError) {
  QILIN_REQUIRE_JIEBA();
  try {
    jieba(true).segment("头\xE5\x97");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "<text>: byte 3: ill-formed UTF-8 sequence");
  }
}

}  // namespace
}  // namespace qb
