// RFC 4180 parsing: quoting, doubled quotes, embedded newlines, CRLF, BOM, and the
// physical line where each record starts; exact error messages for malformed input.
#include <gtest/gtest.h>

#include <sstream>

#include "common/error.h"
#include "suites/csv_reader.h"

namespace {

std::vector<qb::CsvRecord> parse_all(const std::string& text) {
  std::istringstream in(text);
  qb::CsvReader r(in, "t.csv");
  std::vector<qb::CsvRecord> out;
  qb::CsvRecord rec;
  while (r.next(rec)) out.push_back(rec);
  return out;
}

std::string error_of(const std::string& text) {
  try {
    parse_all(text);
  } catch (const qb::InputError& e) {
    return e.what();
  }
  return "(no error)";
}

using Fields = std::vector<std::string>;

TEST(CsvReader, PlainFieldsAndLines) {
  auto r = parse_all("a,b,c\n1,2,3\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].fields, (Fields{"a", "b", "c"}));
  EXPECT_EQ(r[1].fields, (Fields{"1", "2", "3"}));
  EXPECT_EQ(r[0].line, 1);
  EXPECT_EQ(r[1].line, 2);
}

TEST(CsvReader, QuotedFieldsWithCommasDoubledQuotesAndNewlines) {
  auto r = parse_all("q,opts\n\"x, y\",\"A one\nB \"\"two\"\"\r\nC three\"\nnext,row\n");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].fields, (Fields{"x, y", "A one\nB \"two\"\r\nC three"}));
  EXPECT_EQ(r[1].line, 2);
  EXPECT_EQ(r[2].line, 5);  // the quoted cell spanned lines 2-4
  EXPECT_EQ(r[2].fields, (Fields{"next", "row"}));
}

TEST(CsvReader, CrlfBomEmptyFieldsAndNoFinalNewline) {
  auto r = parse_all("\xEF\xBB\xBFh1,h2\r\n,\r\n\"\",x");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[0].fields, (Fields{"h1", "h2"}));  // BOM not part of the first name
  EXPECT_EQ(r[1].fields, (Fields{"", ""}));
  EXPECT_EQ(r[2].fields, (Fields{"", "x"}));
  EXPECT_EQ(r[2].line, 3);
}

TEST(CsvReader, FirstCharacterStartingWithEFIsNotTakenForABom) {
  auto r = parse_all("\xEF\xBC\x81x,y\n");  // U+FF01 FULLWIDTH EXCLAMATION MARK starts with 0xEF
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].fields, (Fields{"\xEF\xBC\x81x", "y"}));
}

TEST(CsvReader, BlankLinesAreSkippedButCounted) {
  auto r = parse_all("a\n\n\r\nb\n");
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[1].fields, (Fields{"b"}));
  EXPECT_EQ(r[1].line, 4);
}

TEST(CsvReader, UnterminatedQuoteNamesTheStartLine) {
  EXPECT_EQ(error_of("a,b\n1,\"open\nstill open\n"),
            "t.csv: line 2: unterminated quote: the quoted field 2 runs to the end of the file");
}

TEST(CsvReader, QuoteInsideUnquotedField) {
  EXPECT_EQ(error_of("a,b\n1,x\"y\n"),
            "t.csv: line 2: quote inside unquoted field 2 (a field holding quotes must be quoted, its quotes "
            "doubled)");
}

TEST(CsvReader, TextAfterClosingQuote) {
  EXPECT_EQ(error_of("a\n\"x\"y\n"),
            "t.csv: line 2: text after the closing quote of field 1 (a quote inside a quoted field must be "
            "doubled)");
}

TEST(CsvReader, InvalidUtf8NamesFieldByteAndLine) {
  EXPECT_EQ(error_of("a,b\nok,\"x\xFFy\"\n"), "t.csv: line 2: invalid UTF-8 in field 2 (byte 0xFF at offset 1)");
}

TEST(CsvReader, ResynchronisesAfterAnErrorSoLenientCallersContinue) {
  std::istringstream in("a\nx\"y\nok\n1,\xC3\n2\n");
  qb::CsvReader r(in, "t.csv");
  qb::CsvRecord rec;
  ASSERT_TRUE(r.next(rec));
  EXPECT_THROW(r.next(rec), qb::InputError);
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec.fields, (Fields{"ok"}));
  EXPECT_EQ(rec.line, 3);
  EXPECT_THROW(r.next(rec), qb::InputError);  // bad UTF-8 on line 4, record consumed
  ASSERT_TRUE(r.next(rec));
  EXPECT_EQ(rec.fields, (Fields{"2"}));
  EXPECT_EQ(rec.line, 5);
  EXPECT_FALSE(r.next(rec));
}

TEST(CsvReader, SmallBufferBoundariesDoNotMatter) {
  // A record longer than the 64 KiB read chunk, with a doubled quote across the boundary.
  std::string big(70000, 'x');
  big[65535] = '"';
  std::string cell = big;
  std::string escaped;
  for (char c : cell) {
    escaped += c;
    if (c == '"') escaped += '"';
  }
  auto r = parse_all("h\n\"" + escaped + "\"\nz\n");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r[1].fields[0], cell);
  EXPECT_EQ(r[2].line, 3);
}

}  // namespace
