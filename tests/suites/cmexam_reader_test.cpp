// CMExam reader on the real CMExam files and on small malformed fixtures written here.
#include <gtest/gtest.h>

#include <map>

#include "common/error.h"
#include "suites/cmexam_reader.h"
#include "tests/testing/testing.h"

namespace {

using qb::testing::TempDir;
using qb::testing::write_fixture;

const char kHeader4[] = "Question,Options,Answer,Explanation\n";
const char kHeader9[] =
    "Question,Options,Answer,Explanation,Disease Group,Area of Competency,Clinical Department,"
    "Medical Discipline,Difficulty level\r\n";

std::string error_of(const std::filesystem::path& p) {
  try {
    qb::read_cmexam(p);
  } catch (const qb::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CMExamReal, Val6811HasOneQuestionWithoutAnAnswer) {
  QILIN_REQUIRE_SHARED(path, "cmexam/cmexam_val_6811.csv");
  // Row 5357 (line 5358) has Answer "nan": the exam item has no correct option, and
  // a spreadsheet export wrote pandas' NaN. Strict reading stops there.
  EXPECT_EQ(error_of(path), path.string() +
                                ": line 5358: missing answer (the Answer cell reads 'nan', how pandas "
                                "writes an empty cell)");
}

TEST(CMExamReal, Val6811LenientReadsTheOther6810) {
  QILIN_REQUIRE_SHARED(path, "cmexam/cmexam_val_6811.csv");
  qb::ReadOptions opts;
  opts.lenient = true;
  auto ds = qb::read_cmexam(path, opts);
  EXPECT_EQ(ds.report.layout, "cmexam-4col");
  EXPECT_EQ(ds.records.size(), 6810u);
  EXPECT_EQ(ds.report.records_read, 6810);
  EXPECT_EQ(ds.report.records_skipped, 1);
  ASSERT_EQ(ds.report.errors.size(), 1u);
  EXPECT_EQ(ds.report.errors[0].where(), "line 5358");
  std::map<size_t, int> answer_len, option_count;
  for (const auto& q : ds.records) {
    ++answer_len[q.answer.size()];
    ++option_count[q.options.size()];
  }
  // The data README's {1: 6600, 2: 35, 3: 97, 4: 61, 5: 18} counts the 'nan' cell as a
  // 3-letter answer; as letter sets there are 96 three-letter answers.
  EXPECT_EQ(answer_len, (std::map<size_t, int>{{1, 6600}, {2, 35}, {3, 96}, {4, 61}, {5, 18}}));
  EXPECT_EQ(option_count, (std::map<size_t, int>{{4, 205}, {5, 6605}}));
  const auto& q0 = ds.records[0];
  EXPECT_EQ(q0.id, "1");
  EXPECT_EQ(q0.line, 2);
  EXPECT_EQ(q0.question, "上消化道出血可单纯表现为呕血或黑便，也可两者兼有，这取决于");
  EXPECT_EQ(q0.options, (std::map<char, std::string>{
                            {'A', "原发病"}, {'B', "出血部位"}, {'C', "出血量"}, {'D', "在胃内停留时间"}, {'E', "以上均非"}}));
  EXPECT_EQ(q0.answer, "C");
  EXPECT_TRUE(q0.annotations.empty());
}

TEST(CMExamReal, QilinMedTest10HasNineRowsWithFiveAnnotations) {
  QILIN_REQUIRE_SHARED(path, "cmexam/qilinmed_test_10.csv");
  auto ds = qb::read_cmexam(path);
  EXPECT_EQ(ds.report.layout, "cmexam-9col");
  ASSERT_EQ(ds.records.size(), 9u);
  EXPECT_EQ(ds.report.columns.front(), "Question");  // the BOM is gone
  for (const auto& q : ds.records) {
    EXPECT_EQ(q.annotations.size(), 5u);
    EXPECT_EQ(q.options.size(), 5u);
  }
  const auto& q = ds.records[1];
  EXPECT_EQ(q.question, "既治湿热泻痢，又治感冒发热的药是");
  EXPECT_EQ(q.options.at('D'), "穿心莲");
  EXPECT_EQ(q.answer, "D");
  EXPECT_EQ(q.annotations.at("Disease Group"), "补充章传统医学病证-模块1");
  EXPECT_EQ(q.annotations.at("Clinical Department"), "中医科");
  EXPECT_EQ(q.annotations.at("Difficulty level"), "3");
}

TEST(CMExamFixture, FourColumnLiteralBackslashN) {
  TempDir d;
  auto p = write_fixture(d / "q.csv", std::string(kHeader4) +
                                          "Q1?,A 甲\\nB 乙\\nC 丙,B,because\n"
                                          "\"Q2, multi\",\"A x\\nB y\\nC z\\nD w\",\"A,C\",\n");
  auto ds = qb::read_cmexam(p);
  ASSERT_EQ(ds.records.size(), 2u);
  EXPECT_EQ(ds.records[0].options, (std::map<char, std::string>{{'A', "甲"}, {'B', "乙"}, {'C', "丙"}}));
  EXPECT_EQ(ds.records[0].explanation, "because");
  EXPECT_EQ(ds.records[1].question, "Q2, multi");
  EXPECT_EQ(ds.records[1].answer, "AC");
  EXPECT_TRUE(ds.records[1].multi_answer());
  EXPECT_EQ(ds.records[1].line, 3);
}

TEST(CMExamFixture, NineColumnsCrlfBomRealNewlinesUnsortedAnswer) {
  TempDir d;
  auto p = write_fixture(d / "q.csv", std::string("\xEF\xBB\xBF") + kHeader9 +
                                          "Q?,\"A one\nB two\r\nC three\",CA,expl,g,a,c,m,2\r\n"
                                          "Q2?,\"A. x\nB、y\",B,,g2,a2,c2,m2,5\r\n");
  auto ds = qb::read_cmexam(p);
  ASSERT_EQ(ds.records.size(), 2u);
  EXPECT_EQ(ds.records[0].options.at('B'), "two");
  EXPECT_EQ(ds.records[0].answer, "AC");
  EXPECT_EQ(ds.records[0].annotations.at("Medical Discipline"), "m");
  EXPECT_EQ(ds.records[1].line, 5);
  EXPECT_EQ(ds.records[1].options, (std::map<char, std::string>{{'A', "x"}, {'B', "y"}}));
  EXPECT_EQ(ds.records[1].annotations.at("Difficulty level"), "5");
}

TEST(CMExamFixture, AnswerNamingNoOption) {
  TempDir d;
  auto p = write_fixture(d / "bad.csv", std::string(kHeader4) + "Q?,A a\\nB b\\nC c\\nD d\\nE e,F,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: answer 'F' names no option (options: A, B, C, D, E)");
  p = write_fixture(d / "bad2.csv", std::string(kHeader4) + "Q?,A a\\nB b,AF,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: answer 'AF': letter 'F' names no option (options: A, B)");
  p = write_fixture(d / "bad3.csv", std::string(kHeader4) + "Q?,A a\\nB b,b?,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: answer 'b?' is not a set of option letters A-Z");
}

TEST(CMExamFixture, MissingAnswerAndEmptyQuestion) {
  TempDir d;
  auto p = write_fixture(d / "a.csv", std::string(kHeader4) + "Q?,A a\\nB b,A,\nQ2?,A a\\nB b, ,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 3: missing answer (the Answer cell is empty)");
  p = write_fixture(d / "q.csv", std::string(kHeader4) + "  ,A a\\nB b,A,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: empty question");
}

TEST(CMExamFixture, MissingColumnsAreNamed) {
  TempDir d;
  auto p = write_fixture(d / "c.csv", "Question,Options,Difficulty level\nQ,A a,1\n");
  EXPECT_EQ(error_of(p), p.string() +
                             ": line 1: missing columns Answer, Explanation (the header has: Question, "
                             "Options, Difficulty level)");
}

TEST(CMExamFixture, WrongFieldCountBadOptionLinesDuplicates) {
  TempDir d;
  auto p = write_fixture(d / "f.csv", std::string(kHeader4) + "Q?,A a,A\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: expected 4 fields (as in the header), found 3");
  p = write_fixture(d / "o.csv", std::string(kHeader4) + "Q?,A a\\nsomething,A,\n");
  EXPECT_EQ(error_of(p),
            p.string() + ": line 2: option line 2 'something' does not start with a letter A-Z and a space");
  p = write_fixture(d / "o2.csv", std::string(kHeader4) + "Q?,A a\\nA b,A,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: option A appears twice");
  p = write_fixture(d / "o3.csv", std::string(kHeader4) + "Q?,,A,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: no options (the Options cell is empty)");
  p = write_fixture(d / "id.csv", "id,Question,Options,Answer,Explanation\nx1,Q,A a,A,\nx1,Q2,A a,A,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 3: duplicate id 'x1' (first used at line 2)");
}

TEST(CMExamFixture, EmptyFileHeaderOnlyUnterminatedQuoteBadUtf8) {
  TempDir d;
  auto p = write_fixture(d / "e.csv", "");
  EXPECT_EQ(error_of(p), p.string() + ": empty file: no header and no records");
  p = write_fixture(d / "h.csv", kHeader4);
  EXPECT_EQ(error_of(p), p.string() + ": no records: the file holds only a header");
  p = write_fixture(d / "u.csv", std::string(kHeader4) + "Q?,\"A a\nB b,A,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: unterminated quote: the quoted field 2 runs to the end of the file");
  p = write_fixture(d / "x.csv", std::string(kHeader4) + "Q\xE4\xB8?,A a,A,\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: invalid UTF-8 in field 1 (byte 0xE4 at offset 1)");
}

TEST(CMExamFixture, Utf16Export) {
  TempDir d;
  auto p = write_fixture(d / "u16.csv", std::string("\xFF\xFEQ\0u\0", 6));
  EXPECT_EQ(error_of(p), p.string() + ": the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8");
}

TEST(CMExamFixture, LenientSkipsEachBadRecordAndCollectsItsError) {
  TempDir d;
  auto p = write_fixture(d / "l.csv", std::string(kHeader4) +
                                          "Q1,A a\\nB b,A,\n"
                                          "Q2,A a\\nB b,F,\n"
                                          "Q3,A a\\nB\"b,A,\n"
                                          "Q4,A a\\nB b,B,\n"
                                          ",A a,A,\n");
  qb::ReadOptions opts;
  opts.lenient = true;
  auto ds = qb::read_cmexam(p, opts);
  ASSERT_EQ(ds.records.size(), 2u);
  EXPECT_EQ(ds.records[0].id, "1");
  EXPECT_EQ(ds.records[1].id, "4");  // ids are row numbers, stable when rows are skipped
  EXPECT_EQ(ds.records[1].line, 5);
  EXPECT_EQ(ds.report.records_skipped, 3);
  ASSERT_EQ(ds.report.errors.size(), 3u);
  EXPECT_EQ(ds.report.errors[0].problem(), "answer 'F' names no option (options: A, B)");
  EXPECT_EQ(ds.report.errors[1].where(), "line 4");
  EXPECT_EQ(ds.report.errors[2].what(), p.string() + ": line 6: empty question");
  opts.max_errors_kept = 1;
  ds = qb::read_cmexam(p, opts);
  EXPECT_EQ(ds.report.records_skipped, 3);
  EXPECT_EQ(ds.report.errors.size(), 1u);
}

}  // namespace
