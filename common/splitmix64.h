// splitmix64 (Steele, Lea, Flood 2014): the project's generator wherever a seed must give the
// same draws on every platform (std:: distributions differ between standard libraries): the
// demo world's files (data/) and the few-shot example choice (suites/cmexam_requests.cpp).
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace qb {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) for n > 0 (multiply-shift; the bias is below 2^-32 for our n). One draw
  // per call; the demo world's golden digest depends on it.
  size_t below(size_t n) {
    return static_cast<size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
  }

  // Exactly uniform in [0, n) for n > 0: rejection of the top partial block of 2^64, then
  // modulo. Draw counts vary; the few-shot selections pinned by tests depend on it.
  uint64_t below_exact(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t r;
    do r = next();
    while (r >= limit);
    return r % n;
  }

  // True with probability percent / 100.
  bool chance(int percent) { return below(100) < static_cast<size_t>(percent); }

  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

  template <class T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

  // An independent stream per (seed, purpose), so adding draws to one file's generator
  // does not change any other file.
  static SplitMix64 stream(uint64_t seed, uint64_t purpose) {
    SplitMix64 mixer(seed ^ (purpose * 0xd1342543de82ef95ULL));
    return SplitMix64(mixer.next());
  }

 private:
  uint64_t state_;
};

}  // namespace qb
