#include "metrics/jieba_dictionary.h"

#include <unicode/utf8.h>

#include <cmath>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {

namespace {

constexpr uint64_t kFibonacci = 0x9E3779B97F4A7C15ull;

bool is_ascii_space(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

// Python's bytes.strip(): ASCII whitespace (space, \t \n \v \f \r) at both ends.
std::string_view strip_ascii(std::string_view s) {
  while (!s.empty() && is_ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

// The integers Python's int() accepts in a dictionary file: optional sign, ASCII digits.
// Negative frequencies are refused here (Python would fail later, in math.log).
bool parse_freq(std::string_view s, int64_t& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.size() > 18) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  out = v;
  return true;
}

}  // namespace

JiebaDictionary::JiebaDictionary() : freq_(1, 0), log_freq_(1, 0.0), root_bmp_(0x10000, kNoNode) {
  keys_.assign(1 << 16, 0);
  values_.assign(1 << 16, kNoNode);
  mask_ = (1 << 16) - 1;
  shift_ = 64 - 16;
}

int32_t JiebaDictionary::hash_find(uint64_t k) const {
  uint64_t h = (k * kFibonacci) >> shift_;
  while (true) {
    const uint64_t s = keys_[h];
    if (s == k) return values_[h];
    if (s == 0) return kNoNode;
    h = (h + 1) & mask_;
  }
}

void JiebaDictionary::hash_insert(uint64_t k, int32_t value) {
  uint64_t h = (k * kFibonacci) >> shift_;
  while (keys_[h] != 0) h = (h + 1) & mask_;
  keys_[h] = k;
  values_[h] = value;
}

void JiebaDictionary::hash_grow() {
  std::vector<uint64_t> old_keys;
  std::vector<int32_t> old_values;
  old_keys.swap(keys_);
  old_values.swap(values_);
  const size_t capacity = old_keys.size() * 2;
  keys_.assign(capacity, 0);
  values_.assign(capacity, kNoNode);
  mask_ = capacity - 1;
  --shift_;
  for (size_t i = 0; i < old_keys.size(); ++i)
    if (old_keys[i] != 0) hash_insert(old_keys[i], old_values[i]);
}

int32_t JiebaDictionary::child_or_add(int32_t node, UChar32 c) {
  int32_t found = child(node, c);
  if (found != kNoNode) return found;
  const int32_t id = static_cast<int32_t>(freq_.size());
  freq_.push_back(0);
  log_freq_.push_back(0.0);
  if (node == 0 && c < 0x10000) {
    root_bmp_[c] = id;
  } else {
    if ((used_ + 1) * 2 > keys_.size()) hash_grow();  // load factor <= 1/2
    hash_insert(key(node, c), id);
    ++used_;
  }
  return id;
}

int32_t JiebaDictionary::find(const UChar32* s, size_t n) const {
  int32_t node = root();
  for (size_t i = 0; i < n && node != kNoNode; ++i) node = child(node, s[i]);
  return n == 0 ? kNoNode : node;
}

void JiebaDictionary::add_word(const UChar32* word, size_t length, int64_t freq) {
  if (length == 0) return;
  int32_t node = root();
  for (size_t i = 0; i < length; ++i) node = child_or_add(node, word[i]);
  if (freq_[node] == 0 && freq != 0) ++words_;
  freq_[node] = freq;
  log_freq_[node] = freq > 0 ? std::log(static_cast<double>(freq)) : 0.0;
  total_ += freq;
  log_total_ = std::log(static_cast<double>(total_));
}

void JiebaDictionary::load(const std::string& path) { load_text(read_file(path), path); }

void JiebaDictionary::load_text(std::string_view text, const std::string& name) {
  std::vector<UChar32> word;
  long line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view raw = text.substr(pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    const std::string_view line = strip_ascii(raw);
    auto bad = [&](const std::string& why) {
      return error_at_line(name, line_no, "invalid dictionary entry '" + std::string(line) + "': " + why);
    };
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) throw bad("expected 'word frequency [tag]'");
    const std::string_view w = line.substr(0, sp);
    std::string_view f = line.substr(sp + 1);
    f = f.substr(0, f.find(' '));
    int64_t freq = 0;
    if (!parse_freq(f, freq)) throw bad("frequency '" + std::string(f) + "' is not a non-negative integer");
    word.clear();
    const auto* p = reinterpret_cast<const uint8_t*>(w.data());
    const int32_t len = static_cast<int32_t>(w.size());
    for (int32_t i = 0; i < len;) {
      UChar32 c;
      U8_NEXT(p, i, len, c);
      if (c < 0) throw bad("ill-formed UTF-8");
      word.push_back(c);
    }
    // gen_pfdict: FREQ[word] = freq; total += freq; missing prefixes get 0.
    int32_t node = root();
    for (UChar32 c : word) node = child_or_add(node, c);
    if (freq_[node] == 0 && freq != 0) ++words_;
    freq_[node] = freq;
    total_ += freq;
  }
  for (size_t i = 1; i < freq_.size(); ++i)
    log_freq_[i] = freq_[i] > 0 ? std::log(static_cast<double>(freq_[i])) : 0.0;
  log_total_ = std::log(static_cast<double>(total_));
}

}  // namespace qb
