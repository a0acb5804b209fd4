// jieba's finalseg HMM (B/M/E/S character tagging for words not in the dictionary),
// read from the Python literal files jieba ships (prob_start.py, prob_trans.py,
// prob_emit.py) so no copy of the model lives in this repository.
#pragma once

#include <unicode/umachine.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace qb {

// Characters finalseg treats as Han: its re_han is [\u4E00-\u9FD5].
inline bool is_jieba_han(UChar32 c) { return c >= 0x4E00 && c <= 0x9FD5; }

class JiebaHmm {
 public:
  // States in the alphabetical order Python compares them in (ties pick the larger letter).
  enum State : uint8_t { kB = 0, kE = 1, kM = 2, kS = 3 };

  // Reads DIR/prob_start.py, DIR/prob_trans.py and DIR/prob_emit.py; throws InputError.
  // The parsed tables are cached as binary (jieba_dictionary_cache.h: same directory, checks
  // and messages), which saves ~10 ms of parsing the 1.3 MB prob_emit.py literal per process.
  explicit JiebaHmm(const std::string& finalseg_dir);

  // finalseg.viterbi over Han code points (is_jieba_han); `states` gets one state per
  // code point, exactly the path Python's viterbi returns.
  void viterbi(const UChar32* obs, size_t n, std::vector<uint8_t>& states) const;

 private:
  double emit(int state, UChar32 c) const { return emit_[state][c - 0x4E00]; }
  void parse(const std::string& dir);
  // Fills the tables from the cache file; "" on success, else why it cannot be used.
  std::string read_cache(const std::string& file, const std::string& sources);
  void write_cache(const std::string& file, const std::string& sources) const;

  std::array<double, 4> start_{};
  std::array<std::array<double, 4>, 4> trans_{};  // [from][to]
  std::array<std::vector<double>, 4> emit_;       // [state][c - U+4E00]
};

}  // namespace qb
