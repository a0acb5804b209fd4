#include "metrics/jieba_python_literal.h"

#include <unicode/utf8.h>

#include <charconv>

#include "common/error.h"

namespace qb {

const PyLiteral* PyLiteral::get(std::string_view key) const {
  for (const auto& [k, v] : items)
    if (k == key) return &v;
  return nullptr;
}

namespace {

class Parser {
 public:
  Parser(std::string_view text, const std::string& file) : s_(text), file_(file) {}

  void seek_assignment(std::string_view name) {
    size_t at = 0;
    while (true) {
      at = s_.find(name, at);
      if (at == std::string_view::npos) throw error_in_file(file_, "no assignment to '" + std::string(name) + "'");
      const bool line_start = at == 0 || s_[at - 1] == '\n';
      size_t j = at + name.size();
      while (j < s_.size() && s_[j] == ' ') ++j;
      if (line_start && j < s_.size() && s_[j] == '=') {
        pos_ = j + 1;
        return;
      }
      at += name.size();
    }
  }

  PyLiteral value() {
    skip_space();
    PyLiteral v;
    if (peek() == '{') {
      ++pos_;
      v.is_dict = true;
      skip_space();
      while (peek() != '}') {
        std::string key = string();
        skip_space();
        expect(':');
        v.items.emplace_back(std::move(key), value());
        skip_space();
        if (peek() == ',') {
          ++pos_;
          skip_space();
        } else if (peek() != '}') {
          fail("expected ',' or '}'");
        }
      }
      ++pos_;
      return v;
    }
    size_t end = pos_;
    while (end < s_.size() && std::string_view("+-.0123456789eE").find(s_[end]) != std::string_view::npos) ++end;
    const char* first = s_.data() + pos_;
    if (*first == '+') ++first;
    auto [ptr, ec] = std::from_chars(first, s_.data() + end, v.number);
    if (ec != std::errc() || ptr != s_.data() + end || end == pos_) fail("expected a number or a dict");
    pos_ = end;
    return v;
  }

  void finish() {
    skip_space();
    if (pos_ != s_.size()) fail("unexpected text after the literal");
  }

 private:
  char peek() const {
    if (pos_ >= s_.size()) fail("unexpected end of file");
    return s_[pos_];
  }
  void skip_space() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t'))
      ++pos_;
  }
  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  [[noreturn]] void fail(const std::string& what) const {
    long line = 1;
    for (size_t i = 0; i < pos_ && i < s_.size(); ++i) line += s_[i] == '\n';
    throw error_at_line(file_, line, what);
  }
  unsigned hex(size_t digits) {
    unsigned v = 0;
    for (size_t i = 0; i < digits; ++i) {
      const char c = peek();
      ++pos_;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else fail("bad hexadecimal escape");
    }
    return v;
  }
  void append(std::string& out, UChar32 c) {
    if (c < 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) fail("escape names no Unicode scalar value");
    uint8_t buf[4];
    int32_t n = 0;
    UBool err = false;
    U8_APPEND(buf, n, 4, c, err);
    out.append(reinterpret_cast<const char*>(buf), n);
  }
  std::string string() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a string key");
    ++pos_;
    std::string out;
    while (peek() != quote) {
      char c = s_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      c = peek();
      ++pos_;
      switch (c) {
        case 'u': append(out, hex(4)); break;
        case 'U': append(out, hex(8)); break;
        case 'x': append(out, hex(2)); break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case '\\': case '\'': case '"': out += c; break;
        default: fail(std::string("unsupported escape '\\") + c + "'");
      }
    }
    ++pos_;
    return out;
  }

  std::string_view s_;
  const std::string& file_;
  size_t pos_ = 0;
};

}  // namespace

PyLiteral parse_python_assignment(std::string_view text, std::string_view name, const std::string& file) {
  Parser p(text, file);
  p.seek_assignment(name);
  PyLiteral v = p.value();
  p.finish();
  return v;
}

}  // namespace qb
