#include "metrics/jieba_dictionary.h"

#include <unicode/utf8.h>

#include <cmath>
#include <stdexcept>

#include "common/atomic_file.h"
#include "common/error.h"

namespace qb {

namespace {

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

// Nothing is allocated until the first load or add_word: the usual first step is adopting the
// binary cache's image, and building an empty 2 MB trie only to drop it cost ~0.7 ms of every
// `score` start.
JiebaDictionary::JiebaDictionary() = default;

void JiebaDictionary::sync_views() {
  freq_p_ = freq_.data();
  root_p_ = root_bmp_.data();
  table_p_ = table_.data();
  node_count_ = freq_.size();
}

void JiebaDictionary::own() {
  if (image_) {
    freq_.assign(freq_p_, freq_p_ + node_count_);
    root_bmp_.assign(root_p_, root_p_ + kRootSize);
    table_.assign(table_p_, table_p_ + mask_ + 1);
    image_.reset();
  } else if (freq_.empty()) {  // the empty trie: the root alone
    freq_.assign(1, 0);
    root_bmp_.assign(kRootSize, RootChild{});
    table_.assign(1 << 16, Slot{});
    mask_ = (1 << 16) - 1;
    shift_ = 64 - 16;
  } else {
    return;
  }
  sync_views();
}

JiebaDictionary::Image JiebaDictionary::image() const {
  static_assert(sizeof(Slot) == kEntryBytes && sizeof(RootChild) == kEntryBytes, "entries are 16 bytes");
  Image im;
  im.node_count = node_count_;
  im.table_size = mask_ + 1;
  im.used = used_;
  im.total = total_;
  im.log_total = log_total_;
  im.freq = freq_p_;
  im.root = root_p_;
  im.table = table_p_;
  return im;
}

void JiebaDictionary::adopt(const Image& im, std::shared_ptr<const void> keep_alive) {
  const uint64_t size = im.table_size;
  if (size < 2 || (size & (size - 1)) != 0 || im.used * 2 > size || im.node_count == 0 ||
      im.node_count > static_cast<uint64_t>(kMaxNodes) + 1)
    throw std::invalid_argument("jieba dictionary image: inconsistent sizes");
  freq_.clear();
  freq_.shrink_to_fit();
  root_bmp_.clear();
  root_bmp_.shrink_to_fit();
  table_.clear();
  table_.shrink_to_fit();
  image_ = std::move(keep_alive);
  freq_p_ = static_cast<const int64_t*>(im.freq);
  root_p_ = static_cast<const RootChild*>(im.root);
  table_p_ = static_cast<const Slot*>(im.table);
  node_count_ = im.node_count;
  mask_ = size - 1;
  shift_ = 64 - __builtin_ctzll(size);
  used_ = im.used;
  total_ = im.total;
  log_total_ = im.log_total;
}

void JiebaDictionary::grow() {
  own();
  std::vector<Slot> old(table_.size() * 2);
  old.swap(table_);
  mask_ = table_.size() - 1;
  --shift_;
  for (const Slot& s : old) {
    if (s.packed == 0) continue;
    uint64_t h = ((s.packed & kKeyMask) * kFibonacci) >> shift_;
    while (table_[h].packed != 0) h = (h + 1) & mask_;
    table_[h] = s;
  }
  sync_views();
}

double* JiebaDictionary::insert_path(const UChar32* word, size_t length, int32_t& node) {
  own();
  double* cell = nullptr;
  uint32_t* parent_root = nullptr;  // the current node's has-children flag (root child or slot)
  uint64_t* parent_slot = nullptr;
  node = root();
  for (size_t i = 0; i < length; ++i) {
    const UChar32 c = word[i];
    // The current node gets (or already has) a child. Marked before a grow() can move slots.
    if (parent_root) *parent_root = 1;
    if (parent_slot) *parent_slot |= kChildrenBit;
    parent_root = nullptr;
    parent_slot = nullptr;
    if (node == 0 && c < 0x10000) {
      RootChild& r = root_bmp_[c];
      if (r.node == kNoNode) {
        r.node = static_cast<int32_t>(freq_.size());
        freq_.push_back(0);
      }
      node = r.node;
      cell = &r.weight;
      parent_root = &r.children;
      continue;
    }
    if ((used_ + 1) * 2 > table_.size()) grow();  // load factor <= 1/2
    const uint64_t k = key(node, c);
    uint64_t h = (k * kFibonacci) >> shift_;
    while (table_[h].packed != 0 && (table_[h].packed & kKeyMask) != k) h = (h + 1) & mask_;
    Slot& s = table_[h];
    if (s.packed == 0) {
      if (freq_.size() > static_cast<size_t>(kMaxNodes))
        throw std::length_error("jieba dictionary: more than 2,097,151 distinct prefixes");
      s.packed = (static_cast<uint64_t>(freq_.size()) << 42) | k;
      freq_.push_back(0);
      ++used_;
    }
    node = static_cast<int32_t>((s.packed >> 42) & kMaxNodes);
    cell = &s.weight;
    parent_slot = &s.packed;
  }
  sync_views();
  return cell;
}

JiebaDictionary::Step JiebaDictionary::find(const UChar32* s, size_t n) const {
  Step st{n == 0 ? kNoNode : root(), n != 0, kPrefixOnly};
  for (size_t i = 0; i < n && st.node != kNoNode; ++i) st = step(st.node, s[i]);
  return st;
}

void JiebaDictionary::add_word(const UChar32* word, size_t length, int64_t freq) {
  if (length == 0) return;
  int32_t node;
  double* weight = insert_path(word, length, node);
  freq_[node] = freq;
  *weight = freq > 0 ? std::log(static_cast<double>(freq)) : kPrefixOnly;
  total_ += freq;
  log_total_ = std::log(static_cast<double>(total_));
}

void JiebaDictionary::load(const std::string& path) { load_text(read_file(path), path); }

void JiebaDictionary::load_text(std::string_view text, const std::string& name) {
  own();  // an empty text still gives a usable (empty) dictionary
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
    int32_t node;
    double* weight = insert_path(word.data(), word.size(), node);
    freq_[node] = freq;
    *weight = freq > 0 ? std::log(static_cast<double>(freq)) : kPrefixOnly;
    total_ += freq;
  }
  log_total_ = std::log(static_cast<double>(total_));
}

}  // namespace qb
