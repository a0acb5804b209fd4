#include "suites/csv_reader.h"

#include <cstdio>
#include <optional>

#include "common/error.h"
#include "common/utf8.h"
#include "suites/text_util.h"

namespace qb {

namespace {
constexpr size_t kChunk = 1 << 16;
}  // namespace

CsvReader::CsvReader(std::istream& in, std::string file)
    : in_(in), file_(std::move(file)), buf_(kChunk) {}

int CsvReader::peek() {
  if (pos_ == end_) {
    in_.read(buf_.data(), static_cast<std::streamsize>(buf_.size()));
    end_ = static_cast<size_t>(in_.gcount());
    pos_ = 0;
    if (end_ == 0) return -1;
  }
  return static_cast<unsigned char>(buf_[pos_]);
}

int CsvReader::get() {
  int c = peek();
  if (c >= 0) ++pos_;
  return c;
}

void CsvReader::skip_rest_of_line() {
  for (int c = get(); c >= 0; c = get()) {
    if (c == '\n') break;
    if (c == '\r') {
      if (peek() == '\n') ++pos_;
      break;
    }
  }
  ++line_;
}

bool CsvReader::next(CsvRecord& out) {
  if (at_start_) {
    at_start_ = false;
    // A UTF-8 byte-order mark (Excel writes one) is not part of the first field.
    // The first chunk is in the buffer after peek(), so the three bytes can be looked at
    // without consuming a first character that merely starts with 0xEF (e.g. "！").
    if (peek() >= 0) reject_utf16(std::string_view(buf_.data() + pos_, end_ - pos_), file_);
    if (peek() == 0xEF && end_ - pos_ >= 3 && static_cast<unsigned char>(buf_[pos_ + 1]) == 0xBB &&
        static_cast<unsigned char>(buf_[pos_ + 2]) == 0xBF)
      pos_ += 3;
  }
  // Skip empty lines between records: they carry no data.
  for (;;) {
    int c = peek();
    if (c == '\n') {
      ++pos_;
      ++line_;
    } else if (c == '\r') {
      ++pos_;
      if (peek() == '\n') ++pos_;
      ++line_;
    } else {
      break;
    }
  }
  if (peek() < 0) return false;

  out.fields.clear();
  out.line = line_;
  std::string field;
  std::optional<size_t> bad;
  std::optional<InputError> utf8_problem;
  for (;;) {  // one field per iteration
    field.clear();
    int c = peek();
    bool end_of_record = false;
    if (c == '"') {
      ++pos_;
      for (;;) {
        c = get();
        if (c < 0)
          throw error_at_line(file_, out.line,
                              "unterminated quote: the quoted field " +
                                  std::to_string(out.fields.size() + 1) +
                                  " runs to the end of the file");
        if (c == '"') {
          if (peek() == '"') {
            ++pos_;
            field.push_back('"');
            continue;
          }
          break;  // closing quote
        }
        if (c == '\n') ++line_;
        if (c == '\r' && peek() != '\n') ++line_;
        field.push_back(static_cast<char>(c));
      }
      c = peek();
      if (c == ',') {
        ++pos_;
      } else if (c == '\n' || c == '\r' || c < 0) {
        end_of_record = true;
      } else {
        skip_rest_of_line();
        throw error_at_line(file_, out.line,
                            "text after the closing quote of field " +
                                std::to_string(out.fields.size() + 1) +
                                " (a quote inside a quoted field must be doubled)");
      }
    } else {
      for (;;) {
        c = peek();
        if (c < 0 || c == '\n' || c == '\r') {
          end_of_record = true;
          break;
        }
        ++pos_;
        if (c == ',') break;
        if (c == '"') {
          skip_rest_of_line();
          throw error_at_line(file_, out.line,
                              "quote inside unquoted field " + std::to_string(out.fields.size() + 1) +
                                  " (a field holding quotes must be quoted, its quotes doubled)");
        }
        field.push_back(static_cast<char>(c));
      }
    }
    // Invalid UTF-8 is reported once the record has been read to its end, so a
    // lenient caller can carry on with the next record.
    if (!utf8_problem && (bad = first_invalid_utf8(field)))
      utf8_problem = error_at_line(file_, out.line,
                          "invalid UTF-8 in field " + std::to_string(out.fields.size() + 1) +
                              " (byte " + hex_byte(static_cast<unsigned char>(field[*bad])) +
                              " at offset " + std::to_string(*bad) + ")");
    out.fields.push_back(std::move(field));
    if (end_of_record) {
      c = get();
      if (c == '\r' && peek() == '\n') ++pos_;
      if (c >= 0) ++line_;
      if (utf8_problem) throw *utf8_problem;
      return true;
    }
  }
}

}  // namespace qb
