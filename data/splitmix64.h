// The demo world's only source of randomness: splitmix64 (Steele, Lea, Flood 2014).
// std:: distributions differ between standard libraries, so every draw is made here
// and the same seed gives byte-identical files everywhere.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

namespace qb::demo {

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  // Uniform in [0, n) for n > 0 (multiply-shift; the bias is below 2^-32 for our n).
  size_t below(size_t n) {
    return static_cast<size_t>((static_cast<unsigned __int128>(next()) * n) >> 64);
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

}  // namespace qb::demo
