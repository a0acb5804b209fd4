// Huatuo-26M reader: the real 6000-item JSON list, and JSONL fixtures in every accepted shape.
#include <gtest/gtest.h>

#include "common/error.h"
#include "common/utf8.h"
#include "suites/huatuo_reader.h"
#include "tests/testing/testing.h"

namespace {

using qb::testing::TempDir;
using qb::testing::write_fixture;
using Strings = std::vector<std::string>;

std::string error_of(const std::filesystem::path& p) {
  try {
    qb::read_huatuo(p);
  } catch (const qb::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(HuatuoReal, Test6000) {
  QILIN_REQUIRE_SHARED(path, "huatuo26m/huatuo26M_test_6000.json");
  auto ds = qb::read_huatuo(path);
  EXPECT_EQ(ds.report.layout, "huatuo-json-list");
  EXPECT_EQ(ds.report.columns, (Strings{"id", "input", "instruction", "output"}));
  ASSERT_EQ(ds.records.size(), 6000u);
  EXPECT_EQ(ds.records[0].id, "1");  // every id in the file is "", so record numbers are used
  EXPECT_EQ(ds.records[5999].id, "6000");
  EXPECT_EQ(ds.records[0].question, "做了腰间盘穿丁手术后，用盐泡脚可以吗");
  EXPECT_EQ(ds.records[0].answers.size(), 1u);
  size_t q_chars = 0, a_chars = 0;
  for (const auto& it : ds.records) {
    q_chars += qb::count_code_points(it.question);
    a_chars += qb::count_code_points(it.answers[0]);
  }
  // Independent count (Python: sum(len(x["instruction"][0].strip())), same for "output"): 272285 and 732909.
  EXPECT_EQ(q_chars, 272285u);
  EXPECT_EQ(a_chars, 732909u);
}

TEST(HuatuoFixture, OfficialJsonlStringsAndListsPlainQaAndCrlf) {
  TempDir d;
  auto p = write_fixture(d / "h.jsonl",
                         "{\"questions\": \"头痛怎么办\", \"answers\": \"多休息\"}\r\n"
                         "\r\n"
                         "{\"questions\": [\"发烧\", \"发热了\"], \"answers\": [\"退烧\", \"就医\"], \"id\": 7}\n"
                         "{\"question\": \"q3\", \"answer\": \"a3\"}\n");
  auto ds = qb::read_huatuo(p);
  EXPECT_EQ(ds.report.layout, "huatuo-jsonl");
  ASSERT_EQ(ds.records.size(), 3u);
  EXPECT_EQ(ds.records[0].question, "头痛怎么办");
  EXPECT_EQ(ds.records[0].answers, (Strings{"多休息"}));
  EXPECT_EQ(ds.records[1].question, "发烧");
  EXPECT_EQ(ds.records[1].answers, (Strings{"退烧", "就医"}));
  EXPECT_EQ(ds.records[1].id, "7");
  EXPECT_EQ(ds.records[1].line, 3);
  EXPECT_EQ(ds.records[2].id, "3");
  EXPECT_EQ(ds.records[2].line, 4);
}

// Found by fuzz/fuzz_huatuo: a number too large for a double made nlohmann throw out_of_range,
// which escaped as "[json.exception.out_of_range.406] …" with no file or line (exit 1).
TEST(HuatuoFixture, NumberTooLargeForADoubleIsInvalidJsonAtItsLine) {
  TempDir d;
  auto p = write_fixture(d / "t.jsonl", "{\"question\": \"q\", \"answer\": \"a\"}\n{\"question\": \"q2\", \"id\": 1e999}\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: invalid JSON: number out of range: 1e999");
  p = write_fixture(d / "l.json", "[{\"instruction\": [\"q\"], \"output\": [\"a\"]},\n\n {\"id\": -72e442}]");
  EXPECT_EQ(error_of(p), p.string() + ": line 3: invalid JSON: number out of range: -72e442");
}

TEST(HuatuoFixture, Errors) {
  TempDir d;
  auto p = write_fixture(d / "t.jsonl", "{\"question\": \"q\", \"answer\": \"a\"}\n{\"question\": \"q2\", \"ans");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: truncated JSON: the line ends inside a value");
  p = write_fixture(d / "l.json", "[{\"instruction\": [\"q\"], \"output\": [\"a\"]},\n {\"instruction\": [\"q2\"]");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: truncated JSON: the file ends inside the list");
  p = write_fixture(d / "m.json", "[{\"instruction\": [\"q\"], \"output\": [\"a\"]}, {\"instruction\": [\"q2\"], \"output\": []}]");
  EXPECT_EQ(error_of(p), p.string() + ": record 2: missing answer ('output' is empty)");
  p = write_fixture(d / "q.jsonl", "{\"question\": \"  \", \"answer\": \"a\"}\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 1: empty question ('question')");
  p = write_fixture(d / "k.jsonl", "{\"prompt\": \"x\"}\n");
  EXPECT_EQ(error_of(p), p.string() +
                             ": line 1: no question field: expected 'questions'/'answers', 'question'/'answer' or "
                             "'instruction'/'output'");
  p = write_fixture(d / "dup.jsonl", "{\"id\": \"a\", \"question\": \"q\", \"answer\": \"x\"}\n"
                                     "{\"id\": \"a\", \"question\": \"q2\", \"answer\": \"y\"}\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 2: duplicate id 'a' (first used at line 1)");
  p = write_fixture(d / "u.jsonl", "{\"question\": \"q\xFF\", \"answer\": \"a\"}\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 1: invalid UTF-8 (byte 0xFF at column 16)");
  p = write_fixture(d / "e.jsonl", "\n  \n");
  EXPECT_EQ(error_of(p), p.string() + ": empty file: no records");
  p = write_fixture(d / "n.jsonl", "{\"question\": 3, \"answer\": \"a\"}\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 1: field 'question' is number, expected a string or a list of strings");
  p = write_fixture(d / "s.jsonl", "{\"question\": \"q\", \"answer\": \"a\"} x\n");
  EXPECT_EQ(error_of(p), p.string() + ": line 1: invalid JSON at column 34: syntax error while parsing value - invalid literal; "
                         "last read: '\"a\"} x'; expected end of input");
}

TEST(HuatuoFixture, LenientSkipsBadLines) {
  TempDir d;
  auto p = write_fixture(d / "h.jsonl",
                         "{\"question\": \"q1\", \"answer\": \"a1\"}\n"
                         "{\"question\": \"q2\"\n"
                         "[1, 2]\n"
                         "{\"question\": \"q4\", \"answer\": \"a4\"}\n");
  qb::ReadOptions opts;
  opts.lenient = true;
  auto ds = qb::read_huatuo(p, opts);
  ASSERT_EQ(ds.records.size(), 2u);
  EXPECT_EQ(ds.records[1].id, "4");
  EXPECT_EQ(ds.report.records_skipped, 2);
  ASSERT_EQ(ds.report.errors.size(), 2u);
  EXPECT_EQ(ds.report.errors[0].what(), p.string() + ": line 2: truncated JSON: the line ends inside a value");
  EXPECT_EQ(ds.report.errors[1].what(), p.string() + ": line 3: expected a JSON object, found array");
}

}  // namespace

namespace {

TEST(HuatuoFixture, PrettyPrintedSingleObjectIsNamedAsSuch) {
  qb::testing::TempDir d;
  auto p = qb::testing::write_fixture(d / "one.json", "{\n  \"question\": \"q\",\n  \"answer\": \"a\"\n}\n");
  EXPECT_EQ(error_of(p), p.string() +
                             ": one JSON object spread over several lines; expected JSONL (one object per line) or "
                             "a JSON list of objects");
}

}  // namespace

namespace {

TEST(HuatuoFixture, JsonListErrorsNameLineOrRecord) {
  qb::testing::TempDir d;
  auto p = qb::testing::write_fixture(d / "u.json", "[\n{\"question\": \"q\", \"answer\": \"a\"},\n{\"question\": \"\xE4\", \"answer\": \"b\"}]");
  EXPECT_EQ(error_of(p), p.string() + ": line 3: invalid UTF-8 (byte 0xE4)");
  p = qb::testing::write_fixture(d / "n.json", "[{\"question\": \"q\", \"answer\": \"a\"}, 7]");
  EXPECT_EQ(error_of(p), p.string() + ": record 2: expected a JSON object, found number");
  p = qb::testing::write_fixture(d / "o.json", "[]");
  EXPECT_EQ(error_of(p), p.string() + ": empty list: no records");
  p = qb::testing::write_fixture(d / "dup.json", "[{\"id\": 5, \"question\": \"q\", \"answer\": \"a\"}, {\"id\": 5, \"question\": \"q2\", \"answer\": \"b\"}]");
  EXPECT_EQ(error_of(p), p.string() + ": record 2: duplicate id '5' (first used at record 1)");
}

}  // namespace
