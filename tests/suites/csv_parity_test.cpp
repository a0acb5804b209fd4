// CsvReader against Python's csv module (an independent RFC 4180 implementation): Python
// writes 400 random records full of commas, quotes, LF/CRLF inside fields and CJK text,
// reads them back with csv.reader, and records each record's fields and start line; the
// C++ parser must agree on every field and every start line.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "suites/csv_reader.h"
#include "tests/testing/testing.h"

namespace {

const char kScript[] = R"PY(
import csv, json, random, sys
random.seed(20240601)
pieces = ["a", "bc", "中文", "，", ",", '"', '""', "\n", "\r\n", " ", "A 选项", "\\n", "x" * 70]
rows = []
for _ in range(400):
    n = random.randint(1, 6)
    row = ["".join(random.choice(pieces) for _ in range(random.randint(0, 5))) for _ in range(n)]
    if row == [""]:
        row = ["x"]
    rows.append(row)
with open(sys.argv[1], "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f, lineterminator=random.choice(["\r\n", "\n"]))
    w.writerows(rows)
out, start = [], 1
with open(sys.argv[1], encoding="utf-8", newline="") as f:
    r = csv.reader(f)
    for rec in r:
        out.append({"line": start, "fields": rec})
        start = r.line_num + 1
json.dump(out, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
)PY";

TEST(CsvReader, ParityWithPythonCsvModule) {
  if (!std::filesystem::exists("/usr/bin/python3")) GTEST_SKIP() << "/usr/bin/python3 is absent";
  qb::testing::TempDir d;
  auto script = qb::testing::write_fixture(d / "gen.py", kScript);
  auto r = qb::testing::run_command({"/usr/bin/python3", script.string(), (d / "r.csv").string(),
                                     (d / "expected.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream ej(d / "expected.json");
  auto expected = nlohmann::json::parse(ej);
  ASSERT_EQ(expected.size(), 400u);

  std::ifstream in(d / "r.csv", std::ios::binary);
  qb::CsvReader csv(in, "r.csv");
  qb::CsvRecord rec;
  size_t i = 0;
  while (csv.next(rec)) {
    ASSERT_LT(i, expected.size());
    EXPECT_EQ(rec.line, expected[i]["line"].get<long>()) << "record " << i + 1;
    EXPECT_EQ(rec.fields, expected[i]["fields"].get<std::vector<std::string>>()) << "record " << i + 1;
    ++i;
  }
  EXPECT_EQ(i, expected.size());
}

}  // namespace
