// The 64-bit Mersenne Twister with the parameters and seeding of the C++ standard's
// std::mt19937_64 ([rand.predef]: w=64 n=312 m=156 r=31 a=0xb5026f5aa96619e9 u=29
// d=0x5555555555555555 s=17 b=0x71d67fffeda60000 t=37 c=0xfff7eee000000000 l=43
// f=6364136223846793005), so it produces exactly std::mt19937_64's sequence. Written out here
// because the bootstrap draws millions of numbers per run: the whole state is twisted and
// tempered a block of 312 at a time in straight loops, about twice as fast as libstdc++'s
// one-number-per-call engine.
#pragma once

#include <cstdint>

namespace qb {

class Mt19937_64 {
 public:
  static constexpr int kN = 312;

  explicit Mt19937_64(uint64_t seed) {
    x_[0] = seed;
    for (int i = 1; i < kN; ++i) x_[i] = 6364136223846793005ull * (x_[i - 1] ^ (x_[i - 1] >> 62)) + static_cast<uint64_t>(i);
    next_ = kN;
  }

  uint64_t operator()() {
    if (next_ == kN) refill();
    return out_[next_++];
  }

 private:
  void refill() {
    constexpr int kM = 156;
    constexpr uint64_t kA = 0xb5026f5aa96619e9ull, kUpper = ~uint64_t{0} << 31, kLower = ~kUpper;
    auto twist = [&](int i, uint64_t next, uint64_t far) {
      const uint64_t y = (x_[i] & kUpper) | (next & kLower);
      x_[i] = far ^ (y >> 1) ^ ((y & 1) ? kA : 0);
    };
    for (int i = 0; i < kN - kM; ++i) twist(i, x_[i + 1], x_[i + kM]);
    for (int i = kN - kM; i < kN - 1; ++i) twist(i, x_[i + 1], x_[i + kM - kN]);
    twist(kN - 1, x_[0], x_[kM - 1]);
    for (int i = 0; i < kN; ++i) {
      uint64_t z = x_[i];
      z ^= (z >> 29) & 0x5555555555555555ull;
      z ^= (z << 17) & 0x71d67fffeda60000ull;
      z ^= (z << 37) & 0xfff7eee000000000ull;
      z ^= z >> 43;
      out_[i] = z;
    }
    next_ = 0;
  }

  uint64_t x_[kN];
  uint64_t out_[kN];
  int next_;
};

}  // namespace qb
