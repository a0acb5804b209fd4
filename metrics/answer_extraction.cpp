#include "metrics/answer_extraction.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <vector>

#include "metrics/text_prep.h"

namespace qb {

namespace {

using Text = std::vector<char32_t>;

bool is_latin_letter_or_digit(char32_t c) {
  if (c < 0x80) return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  if (u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER) return true;
  if (!u_isalpha(static_cast<UChar32>(c))) return false;
  UErrorCode status = U_ZERO_ERROR;
  return uscript_getScript(static_cast<UChar32>(c), &status) == USCRIPT_LATIN && U_SUCCESS(status);
}

// 'A'..'E' for ASCII or full-width option letters that exist, else 0.
char option_letter(char32_t c, std::string_view valid) {
  char letter = 0;
  if (c >= 'A' && c <= 'Z') letter = static_cast<char>(c);
  if (c >= 0xFF21 && c <= 0xFF3A) letter = static_cast<char>('A' + (c - 0xFF21));
  return letter && valid.find(letter) != std::string_view::npos ? letter : 0;
}

bool is_filler(char32_t c) {
  static const std::u32string kFiller = U":：(（[【]】)）\"“”「」*";
  return u_isUWhiteSpace(static_cast<UChar32>(c)) || kFiller.find(c) != std::u32string::npos;
}

bool is_separator(char32_t c) {
  static const std::u32string kSep = U",，、;；/和及与";
  return u_isUWhiteSpace(static_cast<UChar32>(c)) || kSep.find(c) != std::u32string::npos;
}

bool starts_with(const Text& t, size_t pos, std::u32string_view word) {
  if (pos + word.size() > t.size()) return false;
  return std::equal(word.begin(), word.end(), t.begin() + static_cast<long>(pos));
}

size_t skip_filler(const Text& t, size_t pos) {
  while (pos < t.size() && is_filler(t[pos])) ++pos;
  return pos;
}

// Skips filler and, once, the longest matching connector among `connectors`.
size_t skip_connectors(const Text& t, size_t pos, const std::vector<std::u32string_view>& connectors) {
  pos = skip_filler(t, pos);
  for (auto c : connectors)
    if (starts_with(t, pos, c)) return skip_filler(t, pos + c.size());
  return pos;
}

// The letters of the run at `pos` (see the header), or "" when there is none.
std::string read_run(const Text& t, size_t pos, std::string_view valid) {
  std::string letters;
  if (pos > 0 && is_latin_letter_or_digit(t[pos - 1])) return letters;  // inside a word
  while (pos < t.size()) {
    if (!is_latin_letter_or_digit(t[pos])) break;
    size_t end = pos;
    std::string block;
    bool counts = true;
    while (end < t.size() && is_latin_letter_or_digit(t[end])) {
      const char l = option_letter(t[end], valid);
      if (!l) counts = false;
      block.push_back(l);
      ++end;
    }
    if (!counts) break;
    letters += block;
    pos = end;
    size_t next = pos;
    while (next < t.size() && is_separator(t[next])) ++next;
    if (next == pos || next >= t.size() || !is_latin_letter_or_digit(t[next])) break;
    pos = next;
  }
  std::sort(letters.begin(), letters.end());
  letters.erase(std::unique(letters.begin(), letters.end()), letters.end());
  return letters;
}

bool is_ascii_letter(char32_t c) { return c < 0x80 && ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

// First position after any occurrence of `cue` (scanning left to right) whose run is non-empty.
std::string after_cue(const Text& t, std::u32string_view cue, const std::vector<std::u32string_view>& connectors,
                      std::string_view valid, bool ascii_word) {
  for (size_t i = 0; i + cue.size() <= t.size(); ++i) {
    bool match = true;
    for (size_t k = 0; k < cue.size() && match; ++k) {
      char32_t c = t[i + k];
      if (ascii_word && c < 0x80) c = static_cast<char32_t>(std::tolower(static_cast<int>(c)));
      match = c == cue[k];
    }
    if (!match) continue;
    if (ascii_word && ((i > 0 && is_ascii_letter(t[i - 1])) ||
                       (i + cue.size() < t.size() && is_ascii_letter(t[i + cue.size()]))))
      continue;  // "answers", "reanswer"
    const std::string run = read_run(t, skip_connectors(t, i + cue.size(), connectors), valid);
    if (!run.empty()) return run;
  }
  return "";
}

}  // namespace

std::optional<std::string> extract_answer_letters(std::string_view output, std::string_view valid) {
  const Text t = code_points(output);
  static const std::vector<std::u32string_view> kAnswerConnectors = {U"应该是", U"应该为", U"应是", U"应为",
                                                                     U"选择", U"是", U"为", U"选"};
  static const std::vector<std::u32string_view> kIsConnectors = {U"是", U"为"};
  static const std::vector<std::u32string_view> kEnglishConnectors = {U"is"};
  static const std::vector<std::u32string_view> kNone = {};
  static const std::vector<std::u32string_view> kOptionWord = {U"选项"};

  std::string run = after_cue(t, U"答案", kAnswerConnectors, valid, false);
  if (run.empty()) run = after_cue(t, U"正确选项", kIsConnectors, valid, false);
  if (run.empty()) run = after_cue(t, U"answer", kEnglishConnectors, valid, true);
  if (run.empty()) run = read_run(t, skip_connectors(t, 0, kOptionWord), valid);
  if (run.empty()) run = after_cue(t, U"选择", kNone, valid, false);
  if (run.empty()) run = after_cue(t, U"应选", kNone, valid, false);
  if (run.empty()) run = after_cue(t, U"选", kNone, valid, false);
  if (run.empty()) return std::nullopt;
  return run;
}

}  // namespace qb
