#include "metrics/jieba_segmenter.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <cstdio>
#include <future>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/fnv1a.h"
#include "common/utf8.h"
#include "metrics/jieba_dictionary_cache.h"

namespace qb {

const char* const kJiebaDefaultDict = "/usr/lib/python3/dist-packages/jieba/dict.txt";
const char* const kJiebaDefaultHmmDir = "/usr/lib/python3/dist-packages/jieba/finalseg";

namespace {

// Per-thread working memory, reused across calls so cutting allocates nothing once warm.
struct Scratch {
  std::vector<UChar32> cps;     // the text's code points
  std::vector<uint32_t> offs;   // byte offset of each code point, plus the text's length
  std::vector<double> prob;     // route[i][0]
  std::vector<int32_t> next;    // route[i][1]
  std::vector<uint8_t> states;  // Viterbi path
};
thread_local Scratch scratch;

bool is_ascii_alnum(UChar32 c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// re_han_default: [\u4E00-\u9FD5a-zA-Z0-9+#&\._%\-]
bool is_block_char(UChar32 c) {
  if (c < 0x80) {
    return is_ascii_alnum(c) || c == '+' || c == '#' || c == '&' || c == '.' || c == '_' || c == '%' ||
           c == '-';
  }
  return is_jieba_han(c);
}

void decode(std::string_view text, Scratch& s) {
  s.cps.clear();
  s.offs.clear();
  const auto* p = reinterpret_cast<const uint8_t*>(text.data());
  const int32_t len = static_cast<int32_t>(text.size());
  for (int32_t i = 0; i < len;) {
    const int32_t start = i;
    UChar32 c;
    if (p[i] < 0x80) {
      c = p[i++];
    } else {
      U8_NEXT(p, i, len, c);
      if (c < 0) throw InputError("<text>", "byte " + std::to_string(start), "ill-formed UTF-8 sequence");
    }
    s.cps.push_back(c);
    s.offs.push_back(static_cast<uint32_t>(start));
  }
  s.offs.push_back(static_cast<uint32_t>(len));
}

// Python's re_userdict ^(.+?)( [0-9]+)?( [a-z]+)?$ : the shortest word for which the rest
// is empty, " digits", " tag" or " digits tag".
bool match_user_tail(std::string_view rest, std::string_view& freq) {
  freq = {};
  auto run = [&](size_t at, bool digits) {
    size_t j = at;
    while (j < rest.size() && (digits ? (rest[j] >= '0' && rest[j] <= '9') : (rest[j] >= 'a' && rest[j] <= 'z'))) ++j;
    return j;
  };
  if (rest.empty()) return true;
  if (rest[0] != ' ') return false;
  size_t j = run(1, true);
  if (j > 1) {
    if (j == rest.size()) {
      freq = rest.substr(1, j - 1);
      return true;
    }
    if (rest[j] == ' ') {
      const size_t k = run(j + 1, false);
      if (k > j + 1 && k == rest.size()) {
        freq = rest.substr(1, j - 1);
        return true;
      }
    }
  }
  j = run(1, false);
  return j > 1 && j == rest.size();
}

}  // namespace

JiebaSegmenter::JiebaSegmenter(const SegmenterOptions& options) : hmm_(options.hmm) {
  // The HMM tables load on a second thread while the dictionary loads here: both are a
  // start-up cost of every `score` and `segment` (about 1 and 2.5 ms), and independent.
  const std::string hmm_dir = options.hmm_model_dir.empty() ? kJiebaDefaultHmmDir : options.hmm_model_dir;
  std::future<std::unique_ptr<JiebaHmm>> hmm_model;
  if (hmm_) hmm_model = std::async(std::launch::async, [hmm_dir] { return std::make_unique<JiebaHmm>(hmm_dir); });
  const std::string dict_path = options.dict_path.empty() ? kJiebaDefaultDict : options.dict_path;
  const uint64_t dict_fnv = load_jieba_dictionary(dict_, dict_path);  // the binary cache when valid
  signature_ = std::string("jieba-0.42.1|hmm:") + (hmm_ ? "1" : "0");
  if (!options.dict_path.empty() && dict_path != kJiebaDefaultDict) signature_ += "|dict:" + hex16(dict_fnv);
  if (!options.user_dict_path.empty()) {
    load_user_dict(options.user_dict_path);
    signature_ += "|user:" + hex16(fnv1a(read_file(options.user_dict_path)));
  }
  if (hmm_) {
    hmm_model_ = hmm_model.get();  // re-throws the load's error
    if (!options.hmm_model_dir.empty() && hmm_dir != kJiebaDefaultHmmDir) signature_ += "|hmm-model:" + hmm_dir;
  }
}

void JiebaSegmenter::load_user_dict(const std::string& path) {
  const std::string text = read_file(path);
  std::vector<UChar32> word;
  long line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line(text.data() + pos, eol - pos);
    pos = eol + 1;
    ++line_no;
    // ln.strip() (ASCII whitespace, bytes), decode, lstrip('\ufeff'), skip empty lines.
    while (!line.empty() && (line.front() == ' ' || (line.front() >= '\t' && line.front() <= '\r'))) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || (line.back() >= '\t' && line.back() <= '\r'))) line.remove_suffix(1);
    if (auto bad = first_invalid_utf8(line))
      throw error_at_line(path, line_no, "dictionary file must be UTF-8 (ill-formed byte at column " +
                                             std::to_string(*bad + 1) + ")");
    while (line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
    if (line.empty()) continue;
    // The lazy word group: the first code-point boundary after which the tail matches.
    std::string_view w, freq;
    bool matched = false;
    for (size_t cut = 1; cut <= line.size(); ++cut) {
      if (cut < line.size() && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) continue;
      if (match_user_tail(line.substr(cut), freq)) {
        w = line.substr(0, cut);
        matched = true;
        break;
      }
    }
    if (!matched) throw error_at_line(path, line_no, "cannot parse user dictionary entry");  // unreachable: cut = size matches
    const std::string word_text(w);
    int64_t f;
    if (freq.empty()) {
      f = suggest_freq(word_text);
    } else {
      if (freq.size() > 18) throw error_at_line(path, line_no, "frequency '" + std::string(freq) + "' is too large");
      f = std::stoll(std::string(freq));
    }
    word.clear();
    decode(word_text, scratch);
    word.assign(scratch.cps.begin(), scratch.cps.end());
    dict_.add_word(word.data(), word.size(), f);
    if (f == 0) force_split_.push_back(dict_.find(word.data(), word.size()).node);
  }
  std::sort(force_split_.begin(), force_split_.end());
}

// suggest_freq(word, tune=False): the product of P(piece) over the HMM-free cut, scaled back
// to a count, plus one; at least the word's current frequency.
int64_t JiebaSegmenter::suggest_freq(const std::string& word) const {
  const double ftotal = static_cast<double>(dict_.total());
  double freq = 1.0;
  std::vector<TokenSpan> pieces;
  cut(word, false, pieces);
  decode(word, scratch);
  const std::vector<UChar32> cps = scratch.cps;
  const std::vector<uint32_t> offs = scratch.offs;
  auto get = [&](size_t b, size_t e) -> int64_t {  // FREQ.get(piece, 1)
    const int32_t node = dict_.find(cps.data() + b, e - b).node;
    return node == JiebaDictionary::kNoNode ? 1 : dict_.freq(node);
  };
  auto index_of = [&](uint32_t byte) {
    return static_cast<size_t>(std::lower_bound(offs.begin(), offs.end(), byte) - offs.begin());
  };
  for (const TokenSpan& t : pieces) freq *= static_cast<double>(get(index_of(t.begin), index_of(t.end))) / ftotal;
  const int64_t suggested = static_cast<int64_t>(freq * static_cast<double>(dict_.total())) + 1;
  return std::max(suggested, get(0, cps.size()));
}

bool JiebaSegmenter::is_force_split(size_t begin, size_t end) const {
  const int32_t node = dict_.find(scratch.cps.data() + begin, end - begin).node;
  return node != JiebaDictionary::kNoNode && std::binary_search(force_split_.begin(), force_split_.end(), node);
}

void JiebaSegmenter::cut(std::string_view text, bool hmm, std::vector<TokenSpan>& out) const {
  if (hmm && !hmm_model_) throw std::logic_error("jieba segmenter loaded without its HMM tables");
  Scratch& s = scratch;
  decode(text, s);
  const size_t n = s.cps.size();
  size_t i = 0;
  while (i < n) {
    if (is_block_char(s.cps[i])) {
      size_t j = i + 1;
      while (j < n && is_block_char(s.cps[j])) ++j;
      cut_block(i, j, hmm, out);
      i = j;
    } else if (s.cps[i] == '\r' && i + 1 < n && s.cps[i + 1] == '\n') {
      out.push_back({s.offs[i], s.offs[i + 2]});
      i += 2;
    } else {
      out.push_back({s.offs[i], s.offs[i + 1]});
      ++i;
    }
  }
}

void JiebaSegmenter::cut_block(size_t b, size_t e, bool hmm, std::vector<TokenSpan>& out) const {
  Scratch& s = scratch;
  const UChar32* cps = s.cps.data();
  const size_t n = e - b;
  s.prob.resize(n + 1);
  s.next.resize(n + 1);
  double* prob = s.prob.data();
  int32_t* next = s.next.data();
  const double log_total = dict_.log_total();
  // calc: route[idx] = max((log(FREQ[w] or 1) - logtotal + route[x+1][0], x) for x in DAG[idx]).
  prob[n] = 0.0;
  next[n] = 0;
  // Walks from different start positions are independent: prefetch the table slots of the
  // second and third steps of walks a few positions ahead (the probes are mostly cache misses).
  constexpr size_t kAhead = 8;
  for (size_t idx = n; idx-- > 0;) {
    if (idx >= kAhead) dict_.prefetch_second_step(cps[b + idx - kAhead], cps[b + idx - kAhead + 1]);
    if (idx >= kAhead / 2 && idx - kAhead / 2 + 2 < n)
      dict_.prefetch_third_step(cps[b + idx - kAhead / 2], cps[b + idx - kAhead / 2 + 1], cps[b + idx - kAhead / 2 + 2]);
    int32_t node = dict_.root();
    double best = 0.0;
    int32_t best_x = -1;
    for (size_t x = idx; x < n; ++x) {
      const JiebaDictionary::Step st = dict_.step(node, cps[b + x]);
      if (st.node == JiebaDictionary::kNoNode) break;
      node = st.node;
      if (st.weight >= 0) {  // FREQ[frag] != 0: a word ends here
        const double cand = (st.weight - log_total) + prob[x + 1];
        if (best_x < 0 || cand >= best) {  // equal sums: the larger x wins the tuple max
          best = cand;
          best_x = static_cast<int32_t>(x);
        }
      }
      if (!st.has_children) break;  // no longer word starts with this one: skip the probe
    }
    if (best_x < 0) {  // no word starts here: the single character, log(1) = 0
      best = (0.0 - log_total) + prob[idx + 1];
      best_x = static_cast<int32_t>(idx);
    }
    prob[idx] = best;
    next[idx] = best_x;
  }

  auto emit = [&](size_t from, size_t to) { out.push_back({s.offs[b + from], s.offs[b + to]}); };
  size_t buf_begin = 0, buf_end = 0;  // the pending run of single characters
  if (!hmm) {
    // __cut_DAG_NO_HMM: single ASCII letters/digits are joined.
    for (size_t x = 0; x < n;) {
      const size_t y = static_cast<size_t>(next[x]) + 1;
      if (y - x == 1 && is_ascii_alnum(cps[b + x])) {
        if (buf_begin == buf_end) buf_begin = x;
        buf_end = y;
      } else {
        if (buf_begin != buf_end) emit(buf_begin, buf_end);
        buf_begin = buf_end = 0;
        emit(x, y);
      }
      x = y;
    }
    if (buf_begin != buf_end) emit(buf_begin, buf_end);
    return;
  }
  // __cut_DAG: runs of single characters that are not themselves a word go to finalseg.
  auto flush = [&]() {
    if (buf_end - buf_begin == 1) {
      emit(buf_begin, buf_end);
    } else {
      if (dict_.find(cps + b + buf_begin, buf_end - buf_begin).weight < 0) {  // not FREQ.get(buf)
        finalseg(b + buf_begin, b + buf_end, out);
      } else {
        for (size_t k = buf_begin; k < buf_end; ++k) emit(k, k + 1);
      }
    }
    buf_begin = buf_end = 0;
  };
  for (size_t x = 0; x < n;) {
    const size_t y = static_cast<size_t>(next[x]) + 1;
    if (y - x == 1) {
      if (buf_begin == buf_end) buf_begin = x;
      buf_end = y;
    } else {
      if (buf_begin != buf_end) flush();
      emit(x, y);
    }
    x = y;
  }
  if (buf_begin != buf_end) flush();
}

// finalseg.cut on cps[begin, end): Han runs through the Viterbi, the rest split by
// re_skip ([a-zA-Z0-9]+(?:\.\d+)?%?), keeping the text between matches as tokens.
void JiebaSegmenter::finalseg(size_t begin, size_t end, std::vector<TokenSpan>& out) const {
  Scratch& s = scratch;
  const UChar32* cps = s.cps.data();
  auto emit = [&](size_t from, size_t to) { out.push_back({s.offs[from], s.offs[to]}); };
  size_t i = begin;
  while (i < end) {
    size_t j = i + 1;
    if (is_jieba_han(cps[i])) {
      while (j < end && is_jieba_han(cps[j])) ++j;
      finalseg_han(i, j, out);
      i = j;
      continue;
    }
    while (j < end && !is_jieba_han(cps[j])) ++j;
    size_t gap = i;  // start of text not matched by re_skip
    size_t k = i;
    while (k < j) {
      if (!is_ascii_alnum(cps[k])) {
        ++k;
        continue;
      }
      size_t m = k + 1;
      while (m < j && is_ascii_alnum(cps[m])) ++m;
      if (m + 1 < j && cps[m] == '.' && cps[m + 1] >= '0' && cps[m + 1] <= '9') {
        m += 2;
        while (m < j && cps[m] >= '0' && cps[m] <= '9') ++m;
      }
      if (m < j && cps[m] == '%') ++m;
      if (gap < k) emit(gap, k);
      emit(k, m);
      gap = k = m;
    }
    if (gap < j) emit(gap, j);
    i = j;
  }
}

void JiebaSegmenter::finalseg_han(size_t begin, size_t end, std::vector<TokenSpan>& out) const {
  Scratch& s = scratch;
  hmm_model_->viterbi(s.cps.data() + begin, end - begin, s.states);
  auto emit = [&](size_t from, size_t to) {
    if (!force_split_.empty() && is_force_split(from, to)) {
      for (size_t k = from; k < to; ++k) out.push_back({s.offs[k], s.offs[k + 1]});
    } else {
      out.push_back({s.offs[from], s.offs[to]});
    }
  };
  size_t word_begin = begin, next_i = begin;
  for (size_t k = begin; k < end; ++k) {
    switch (s.states[k - begin]) {
      case JiebaHmm::kB: word_begin = k; break;
      case JiebaHmm::kE: emit(word_begin, k + 1); next_i = k + 1; break;
      case JiebaHmm::kS: emit(k, k + 1); next_i = k + 1; break;
      default: break;  // M
    }
  }
  if (next_i < end) emit(next_i, end);
}

std::vector<std::string> JiebaSegmenter::segment(std::string_view text) const {
  thread_local std::vector<TokenSpan> spans;
  spans.clear();
  cut(text, spans);
  std::vector<std::string> tokens;
  tokens.reserve(spans.size());
  for (const TokenSpan& t : spans) tokens.emplace_back(text.data() + t.begin, t.end - t.begin);
  return tokens;
}

std::unique_ptr<Segmenter> make_jieba_segmenter(const SegmenterOptions& options) {
  return std::make_unique<JiebaSegmenter>(options);
}

}  // namespace qb
