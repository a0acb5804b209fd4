#include "suites/flat_json_record.h"

#include "common/utf8.h"

namespace qb {

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view s) : s_(s) {}
  void skip_ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool eat(char c) {
    if (i_ < s_.size() && s_[i_] == c) {
      ++i_;
      return true;
    }
    return false;
  }
  bool at_end() const { return i_ == s_.size(); }
  char peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }

  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  bool hex4(unsigned& v) {
    if (s_.size() - i_ < 4) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      const int h = hex(s_[i_ + k]);
      if (h < 0) return false;
      v = v * 16 + static_cast<unsigned>(h);
    }
    i_ += 4;
    return true;
  }
  static void append_utf8(unsigned cp, std::string& out) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // A JSON string (the opening quote is next), decoded into `out`.
  bool string(std::string& out) {
    out.clear();
    if (!eat('"')) return false;
    while (true) {
      const size_t run = i_;
      bool high = false;
      while (i_ < s_.size() && s_[i_] != '"' && s_[i_] != '\\') {
        const unsigned char c = static_cast<unsigned char>(s_[i_]);
        if (c < 0x20) return false;  // raw control character: invalid JSON
        high |= c >= 0x80;
        ++i_;
      }
      const std::string_view piece = s_.substr(run, i_ - run);
      if (high && first_invalid_utf8(piece)) return false;
      out.append(piece);
      if (i_ == s_.size()) return false;
      if (s_[i_++] == '"') return true;
      if (i_ == s_.size()) return false;
      const char e = s_[i_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          unsigned cp;
          if (!hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // lone low surrogate
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo;
            if (!eat('\\') || !eat('u') || !hex4(lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          }
          append_utf8(cp, out);
          break;
        }
        default: return false;
      }
    }
  }

  // -?(0|[1-9][0-9]*)(.[0-9]+)? ; exponents are left to nlohmann (it rejects overflow).
  bool number(FlatJsonField& f) {
    const size_t start = i_;
    eat('-');
    size_t digits = 0;
    if (eat('0')) {
      digits = 1;
    } else {
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_, ++digits;
      if (digits == 0) return false;
    }
    bool fraction = false;
    if (eat('.')) {
      size_t frac = 0;
      while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_, ++frac;
      if (frac == 0) return false;
      fraction = true;
    }
    if (peek() == 'e' || peek() == 'E') return false;
    if (!fraction && digits > 18) return false;
    f.kind = fraction ? FlatJsonField::kNumber : FlatJsonField::kInteger;
    f.text.assign(s_.substr(start, i_ - start));
    return true;
  }

  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

 private:
  std::string_view s_;
  size_t i_ = 0;
};

}  // namespace

bool parse_flat_json_object(std::string_view line, std::vector<FlatJsonField>& fields) {
  fields.clear();
  Cursor c(line);
  c.skip_ws();
  if (!c.eat('{')) return false;
  c.skip_ws();
  if (c.eat('}')) {
    c.skip_ws();
    return c.at_end();
  }
  while (true) {
    c.skip_ws();
    fields.emplace_back();
    FlatJsonField& f = fields.back();
    if (!c.string(f.key)) return false;
    for (size_t k = 0; k + 1 < fields.size(); ++k)
      if (fields[k].key == f.key) return false;  // duplicate key: nlohmann's rule decides
    c.skip_ws();
    if (!c.eat(':')) return false;
    c.skip_ws();
    const char v = c.peek();
    if (v == '"') {
      f.kind = FlatJsonField::kString;
      if (!c.string(f.text)) return false;
    } else if (v == '-' || (v >= '0' && v <= '9')) {
      if (!c.number(f)) return false;
    } else if (c.literal("true")) {
      f.kind = FlatJsonField::kTrue;
    } else if (c.literal("false")) {
      f.kind = FlatJsonField::kFalse;
    } else if (c.literal("null")) {
      f.kind = FlatJsonField::kNull;
    } else {
      return false;  // object, array or invalid
    }
    c.skip_ws();
    if (c.eat(',')) continue;
    if (!c.eat('}')) return false;
    c.skip_ws();
    return c.at_end();
  }
}

}  // namespace qb
