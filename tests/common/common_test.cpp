#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/utf8.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

TEST(InputError, NamesFileWhereAndProblem) {
  EXPECT_STREQ(error_at_line("val.csv", 12, "answer 'F' names no option").what(),
               "val.csv: line 12: answer 'F' names no option");
  EXPECT_STREQ(error_at_record("t.json", 3, "missing \"output\"").what(),
               "t.json: record 3: missing \"output\"");
  EXPECT_STREQ(error_in_file("x.txt", "file is empty").what(), "x.txt: file is empty");
}

TEST(Utf8, FindsFirstInvalidByte) {
  EXPECT_EQ(first_invalid_utf8("病毒性感冒"), std::nullopt);
  EXPECT_EQ(first_invalid_utf8(std::string("ab\xff" "cd")), std::optional<size_t>(2));
  // A truncated 3-byte sequence at the end.
  EXPECT_EQ(first_invalid_utf8(std::string("感\xe5\x86")), std::optional<size_t>(3));
  // Overlong encoding of '/' is ill-formed.
  EXPECT_EQ(first_invalid_utf8(std::string("\xc0\xaf")), std::optional<size_t>(0));
}

TEST(Utf8, CountsCodePointsAndStripsBom) {
  EXPECT_EQ(count_code_points("发热38.5℃"), 7u);
  EXPECT_EQ(strip_bom("\xEF\xBB\xBFQuestion"), "Question");
  EXPECT_EQ(strip_bom("Question"), "Question");
}

TEST(AtomicFile, WritesAndReplacesWithoutLeavingTemporaries) {
  testing::TempDir dir;
  auto p = dir / "sub" / "out.json";
  write_file_atomic(p, "first");
  write_file_atomic(p, "second");
  EXPECT_EQ(read_file(p), "second");
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(p.parent_path())) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST(AtomicFile, UncommittedWriterLeavesOldContent) {
  testing::TempDir dir;
  auto p = dir / "out.txt";
  write_file_atomic(p, "kept");
  {
    AtomicFileWriter w(p);
    w.write("half-written");
  }  // destroyed without commit, as when a run is interrupted
  EXPECT_EQ(read_file(p), "kept");
  EXPECT_FALSE(std::filesystem::exists(p.string() + ".tmp"));
}

TEST(ReadFile, MissingFileIsAnInputError) {
  try {
    read_file("/nonexistent/x.csv");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "/nonexistent/x.csv: cannot open: No such file or directory");
  }
}

}  // namespace
}  // namespace qb
