// A small streaming CSV parser per RFC 4180: quoted fields, doubled quotes, embedded
// newlines, CRLF or LF line ends, an optional UTF-8 byte-order mark. Debian ships no
// C++ CSV library worth depending on, so this one is ours and tested on its own.
#pragma once

#include <istream>
#include <memory>
#include <string>
#include <vector>

namespace qb {

struct CsvRecord {
  std::vector<std::string> fields;
  long line = 0;  // physical line (1-based) where the record starts
};

class CsvReader {
 public:
  // Reads from `in` (which must outlive the reader); `file` names it in errors.
  CsvReader(std::istream& in, std::string file);

  // The next record, or false at end of input. Completely empty lines carry no
  // data and are skipped (as pandas does). Throws qb::InputError naming the line
  // where the record starts for an unterminated quote, a quote inside an unquoted
  // field, text after a closing quote, or invalid UTF-8. After any error but an
  // unterminated quote the reader has skipped to the next line, so a lenient caller
  // may call next() again.
  bool next(CsvRecord& out);

  const std::string& file() const { return file_; }

 private:
  int get();   // next byte or -1
  int peek();
  void skip_rest_of_line();  // resynchronise after a malformed record
  std::istream& in_;
  std::string file_;
  std::vector<char> buf_;
  size_t pos_ = 0, end_ = 0;
  long line_ = 1;
  bool at_start_ = true;
};

}  // namespace qb
