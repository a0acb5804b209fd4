#include "metrics/jieba_hmm.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/fnv1a.h"
#include "metrics/jieba_dictionary_cache.h"
#include "metrics/jieba_python_literal.h"

namespace qb {

namespace {

// finalseg's MIN_FLOAT: the log probability of anything missing from the tables.
constexpr double kMinFloat = -3.14e100;
constexpr const char* kStateNames = "BEMS";  // index order = JiebaHmm::State
constexpr UChar32 kHanCount = 0x9FD5 - 0x4E00 + 1;

PyLiteral load_table(const std::string& dir, const char* file) {
  const std::string path = dir + "/" + file;
  return parse_python_assignment(read_file(path), "P", path);
}

const PyLiteral& state_entry(const PyLiteral& table, int state, const std::string& path) {
  if (!table.is_dict) throw error_in_file(path, "expected a dict keyed by state");
  const PyLiteral* v = table.get(std::string(1, kStateNames[state]));
  if (v == nullptr) throw error_in_file(path, std::string("no entry for state '") + kStateNames[state] + "'");
  return *v;
}

// The cache: magic, the three source files' size/mtime/inode, a checksum, then start (4),
// trans (16) and emit (4 x kHanCount) as doubles.
constexpr char kCacheMagic[8] = {'Q', 'B', 'J', 'H', 'M', 'M', '1', '\n'};
constexpr size_t kCacheDoubles = 4 + 16 + 4 * static_cast<size_t>(kHanCount) + 4;  // padded to 32 bytes

}  // namespace

JiebaHmm::JiebaHmm(const std::string& dir) {
  std::string sources;  // what the cache must match
  bool have_sources = true;
  uint64_t source_bytes = 0;
  for (const char* f : {"prob_start.py", "prob_trans.py", "prob_emit.py"}) {
    CacheSourceId id;
    have_sources = have_sources && cache_source_id(dir + "/" + f, id);
    source_bytes += id.size;
    sources.append(reinterpret_cast<const char*>(&id), sizeof id);
  }
  have_sources = have_sources && source_bytes >= kMinCachedSourceBytes;
  const std::filesystem::path cache_dir = qilin_cache_dir();
  std::string file;
  if (!cache_dir.empty() && have_sources) {
    file = (cache_dir / ("jieba-hmm-v1-" + hex16(fnv1a(std::filesystem::absolute(dir).string())) + ".bin")).string();
    const std::string why = read_cache(file, sources);
    if (why.empty()) return;
    if (why != "absent")
      std::cerr << "qilin-bench: jieba HMM cache " << file << " is " << why << "; rebuilding it from " << dir << "\n";
  }
  parse(dir);
  if (!file.empty()) {
    try {
      write_cache(file, sources);
    } catch (const std::exception&) {
      // An unwritable cache directory only costs the parse.
    }
  }
}

std::string JiebaHmm::read_cache(const std::string& file, const std::string& sources) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return "absent";
  const size_t header = sizeof kCacheMagic + sources.size() + 8;
  // One read of the whole file (670 KB): an istreambuf_iterator copy cost ~2.5 ms of the
  // serial start of every `score`.
  std::string bytes(static_cast<size_t>(std::max<std::streamoff>(0, in.tellg())), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()))) return "unreadable";
  if (bytes.size() != header + kCacheDoubles * 8)
    return "corrupt (" + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(header + kCacheDoubles * 8) + ")";
  if (bytes.compare(0, sizeof kCacheMagic, kCacheMagic, sizeof kCacheMagic) != 0) return "corrupt (not a qilin-bench HMM cache)";
  if (bytes.compare(sizeof kCacheMagic, sources.size(), sources) != 0)
    return "stale (the HMM files changed since the cache was built)";
  std::vector<double> d(kCacheDoubles);
  std::memcpy(d.data(), bytes.data() + header, kCacheDoubles * 8);
  uint64_t sum;
  std::memcpy(&sum, bytes.data() + header - 8, 8);
  if (cache_checksum(d.data(), kCacheDoubles * 8) != sum) return "corrupt (checksum mismatch)";
  const double* p = d.data();
  for (int s = 0; s < 4; ++s) start_[s] = *p++;
  for (int s = 0; s < 4; ++s)
    for (int t = 0; t < 4; ++t) trans_[s][t] = *p++;
  for (int s = 0; s < 4; ++s) {
    emit_[s].assign(p, p + kHanCount);
    p += kHanCount;
  }
  return "";
}

void JiebaHmm::write_cache(const std::string& file, const std::string& sources) const {
  std::vector<double> d;
  d.reserve(kCacheDoubles);
  for (int s = 0; s < 4; ++s) d.push_back(start_[s]);
  for (int s = 0; s < 4; ++s)
    for (int t = 0; t < 4; ++t) d.push_back(trans_[s][t]);
  for (int s = 0; s < 4; ++s) d.insert(d.end(), emit_[s].begin(), emit_[s].end());
  d.resize(kCacheDoubles, 0.0);
  const uint64_t sum = cache_checksum(d.data(), kCacheDoubles * 8);
  std::string bytes(kCacheMagic, sizeof kCacheMagic);
  bytes += sources;
  bytes.append(reinterpret_cast<const char*>(&sum), 8);
  bytes.append(reinterpret_cast<const char*>(d.data()), kCacheDoubles * 8);
  write_file_atomic(file, bytes);
}

void JiebaHmm::parse(const std::string& dir) {
  const PyLiteral start = load_table(dir, "prob_start.py");
  const PyLiteral trans = load_table(dir, "prob_trans.py");
  const PyLiteral emit = load_table(dir, "prob_emit.py");
  for (int s = 0; s < 4; ++s) {
    const PyLiteral& st = state_entry(start, s, dir + "/prob_start.py");
    if (st.is_dict) throw error_in_file(dir + "/prob_start.py", "expected a number per state");
    start_[s] = st.number;
    const PyLiteral& tr = state_entry(trans, s, dir + "/prob_trans.py");
    for (int t = 0; t < 4; ++t) {
      const PyLiteral* p = tr.get(std::string(1, kStateNames[t]));
      trans_[s][t] = p != nullptr ? p->number : kMinFloat;  // trans_p[y0].get(y, MIN_FLOAT)
    }
    const PyLiteral& em = state_entry(emit, s, dir + "/prob_emit.py");
    emit_[s].assign(kHanCount, kMinFloat);  // emit_p[y].get(c, MIN_FLOAT)
    for (const auto& [k, v] : em.items) {
      const auto* p = reinterpret_cast<const uint8_t*>(k.data());
      int32_t i = 0;
      const int32_t len = static_cast<int32_t>(k.size());
      UChar32 c;
      U8_NEXT(p, i, len, c);
      // Only finalseg's Han range ever reaches the Viterbi; other keys are never looked up.
      if (i == len && is_jieba_han(c)) emit_[s][c - 0x4E00] = v.number;
    }
  }
}

void JiebaHmm::viterbi(const UChar32* obs, size_t n, std::vector<uint8_t>& states) const {
  states.resize(n);
  if (n == 0) return;
  // Python: V[t][y] = max((V[t-1][y0] + trans_p[y0][y] + emit, y0) for y0 in PrevStatus[y]);
  // tuples compare probability first, then the state letter, so equal sums pick the
  // larger letter. The sums are formed left to right as in Python.
  static constexpr uint8_t kPrev[4][2] = {{kE, kS}, {kB, kM}, {kM, kB}, {kS, kE}};  // B, E, M, S
  thread_local std::vector<uint8_t> back;
  back.resize(n * 4);
  double v[4];
  for (int y = 0; y < 4; ++y) v[y] = start_[y] + emit(y, obs[0]);
  for (size_t t = 1; t < n; ++t) {
    double nv[4];
    for (int y = 0; y < 4; ++y) {
      const double em = emit(y, obs[t]);
      const uint8_t a = kPrev[y][0], b = kPrev[y][1];
      const double pa = v[a] + trans_[a][y] + em;
      const double pb = v[b] + trans_[b][y] + em;
      uint8_t pick;
      if (pa > pb) pick = a;
      else if (pb > pa) pick = b;
      else pick = a > b ? a : b;
      nv[y] = pick == a ? pa : pb;
      back[t * 4 + y] = pick;
    }
    for (int y = 0; y < 4; ++y) v[y] = nv[y];
  }
  // max((V[-1][y], y) for y in 'ES'): ties go to 'S'.
  uint8_t state = v[kE] > v[kS] ? kE : kS;
  for (size_t t = n; t-- > 0;) {
    states[t] = state;
    if (t > 0) state = back[t * 4 + state];
  }
}

}  // namespace qb
