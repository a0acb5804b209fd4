// Data-kind detection from content, and the format names the CLI accepts.
#include <gtest/gtest.h>

#include "common/error.h"
#include "suites/data_format.h"
#include "tests/testing/testing.h"

namespace {

using qb::DataFormat;
using qb::testing::TempDir;
using qb::testing::write_fixture;

DataFormat detect(const TempDir& d, const std::string& name, const std::string& content) {
  return qb::detect_format(write_fixture(d / name, content));
}

TEST(DataFormat, DetectsEachKindFromContent) {
  TempDir d;
  EXPECT_EQ(detect(d, "a.txt", "\xEF\xBB\xBFQuestion,Options,Answer,Explanation\r\n"), DataFormat::kCMExam);
  EXPECT_EQ(detect(d, "b", "[\n {\"id\": \"\", \"instruction\": [\"q\"], \"input\": \"\", \"output\": [\"a\"]}]"),
            DataFormat::kHuatuo);
  EXPECT_EQ(detect(d, "c", "{\"questions\": [\"q\"], \"answers\": [\"a\"]}\n"), DataFormat::kHuatuo);
  EXPECT_EQ(detect(d, "d", "{\"question\": \"q\", \"answer\": \"a\"}\n"), DataFormat::kHuatuo);
  EXPECT_EQ(detect(d, "e", "{\"问\": \"q\", \"答\": \"a\"}\n"), DataFormat::kRag);
  EXPECT_EQ(detect(d, "f", "{\"conversations\": [{\"from\": \"human\", \"value\": \"x\"}], \"chosen\": \"a\", "
                           "\"rejected\": \"b\"}\n"),
            DataFormat::kDpo);
  EXPECT_EQ(detect(d, "g", "{\"question\": \"q\", \"response_chosen\": \"a\", \"response_rejected\": \"b\"}\n"),
            DataFormat::kDpo);
  EXPECT_EQ(detect(d, "h", "{\"conversations\": [{\"from\": \"human\", \"value\": \"x\"}]}\n"), DataFormat::kSft);
  EXPECT_EQ(detect(d, "i", "[{\"instruction\": \"x\", \"input\": \"\", \"output\": \"y\"}]"), DataFormat::kSft);
  EXPECT_EQ(detect(d, "j", "{\"text\": \"x\"}\n"), DataFormat::kDcpt);
  EXPECT_EQ(detect(d, "k", "传染病是指由病原微生物感染人体后产生的疾病。\n"), DataFormat::kDcpt);
  EXPECT_EQ(detect(d, "l", "[1] 这是正文，不是 JSON。\n"), DataFormat::kDcpt);
  // Only the first record is read: a huge list whose first item is complete is enough.
  EXPECT_EQ(detect(d, "m", "[{\"question\": \"q\", \"answer\": \"a\"}, {\"broken"), DataFormat::kHuatuo);
}

TEST(DataFormat, RealFiles) {
  QILIN_REQUIRE_SHARED(a, "cmexam/cmexam_val_6811.csv");
  QILIN_REQUIRE_SHARED(b, "huatuo26m/huatuo26M_test_6000.json");
  QILIN_REQUIRE_SHARED(c, "medicalgpt/medical_corpus.txt");
  EXPECT_EQ(qb::detect_format(a), DataFormat::kCMExam);
  EXPECT_EQ(qb::detect_format(b), DataFormat::kHuatuo);
  EXPECT_EQ(qb::detect_format(c), DataFormat::kRag);
}

TEST(DataFormat, Utf16FilesAreNamedAsSuch) {
  TempDir d;
  const std::string utf16("\xFF\xFEQ\0u\0,\0", 8);
  for (const char* name : {"a.csv", "b.jsonl", "c.txt"}) {
    auto p = write_fixture(d / name, utf16);
    try {
      qb::detect_format(p);
      FAIL() << name;
    } catch (const qb::InputError& e) {
      EXPECT_EQ(std::string(e.what()),
                p.string() + ": the file is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8");
    }
  }
}

TEST(DataFormat, ErrorsAndNames) {
  TempDir d;
  auto p = write_fixture(d / "e", "  \n");
  try {
    qb::detect_format(p);
    FAIL();
  } catch (const qb::InputError& e) {
    EXPECT_EQ(std::string(e.what()), p.string() + ": empty file");
  }
  p = write_fixture(d / "u", "{\"foo\": 1, \"bar\": 2}\n");
  try {
    qb::detect_format(p);
    FAIL();
  } catch (const qb::InputError& e) {
    EXPECT_EQ(std::string(e.what()), p.string() +
                                         ": cannot tell the data kind from the first record's fields (bar, foo); "
                                         "pass --format cmexam|huatuo|dcpt|sft|dpo|rag");
  }
  for (auto f : {DataFormat::kCMExam, DataFormat::kHuatuo, DataFormat::kDcpt, DataFormat::kSft, DataFormat::kDpo,
                 DataFormat::kRag})
    EXPECT_EQ(qb::parse_format_name(qb::format_name(f)), f);
  EXPECT_EQ(qb::format_name(DataFormat::kCMExam), "cmexam");
  EXPECT_FALSE(qb::parse_format_name("csv").has_value());
}

}  // namespace
