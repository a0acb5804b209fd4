// The 64-bit Mersenne Twister with the parameters and seeding of the C++ standard's
// std::mt19937_64 ([rand.predef]: w=64 n=312 m=156 r=31 a=0xb5026f5aa96619e9 u=29
// d=0x5555555555555555 s=17 b=0x71d67fffeda60000 t=37 c=0xfff7eee000000000 l=43
// f=6364136223846793005), so it produces exactly std::mt19937_64's sequence. Written out here
// because the bootstrap draws millions of numbers per run: the whole state is twisted and
// tempered a block of 312 at a time in straight loops (four lanes at a time with AVX2 where
// the CPU has it), and callers can read a block in place (take()) instead of one number per
// call.
#pragma once

#include <immintrin.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "common/simd_level.h"

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

  // The next min(want, what is left of the current block) outputs, in place: `p` points at
  // them and they count as consumed. Returns how many (>= 1 when want >= 1).
  size_t take(const uint64_t*& p, size_t want) {
    if (next_ == kN) refill();
    const size_t k = std::min(want, static_cast<size_t>(kN - next_));
    p = out_ + next_;
    next_ += static_cast<int>(k);
    return k;
  }

 private:
  static constexpr int kM = 156;
  static constexpr uint64_t kA = 0xb5026f5aa96619e9ull, kUpper = ~uint64_t{0} << 31, kLower = ~kUpper;

  void twist(int i, uint64_t next, uint64_t far) {
    const uint64_t y = (x_[i] & kUpper) | (next & kLower);
    x_[i] = far ^ (y >> 1) ^ ((y & 1) ? kA : 0);
  }
  static uint64_t temper(uint64_t z) {
    z ^= (z >> 29) & 0x5555555555555555ull;
    z ^= (z << 17) & 0x71d67fffeda60000ull;
    z ^= (z << 37) & 0xfff7eee000000000ull;
    return z ^ (z >> 43);
  }

  void refill() {
    if (simd_level() != SimdLevel::kNone) {
      refill_avx2();
    } else {
      for (int i = 0; i < kN - kM; ++i) twist(i, x_[i + 1], x_[i + kM]);
      for (int i = kN - kM; i < kN - 1; ++i) twist(i, x_[i + 1], x_[i + kM - kN]);
      twist(kN - 1, x_[0], x_[kM - 1]);
      for (int i = 0; i < kN; ++i) out_[i] = temper(x_[i]);
    }
    next_ = 0;
  }

  // The same twist and tempering, four words per step. Lanes i..i+3 read x[i+1..i+4] before
  // step i+4 rewrites them, and x[i+m-n..] (second loop) were all rewritten by earlier steps,
  // exactly as the one-word loop reads them.
  __attribute__((target("avx2"))) static void twist4(uint64_t* x, int i, const uint64_t* far) {
    const __m256i upper = _mm256_set1_epi64x(static_cast<long long>(kUpper));
    const __m256i lower = _mm256_set1_epi64x(static_cast<long long>(kLower));
    const __m256i one = _mm256_set1_epi64x(1);
    const __m256i cur = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i));
    const __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x + i + 1));
    const __m256i y = _mm256_or_si256(_mm256_and_si256(cur, upper), _mm256_and_si256(next, lower));
    const __m256i odd = _mm256_cmpeq_epi64(_mm256_and_si256(y, one), one);
    const __m256i a = _mm256_and_si256(odd, _mm256_set1_epi64x(static_cast<long long>(kA)));
    const __m256i f = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(far));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(x + i), _mm256_xor_si256(f, _mm256_xor_si256(_mm256_srli_epi64(y, 1), a)));
  }
  __attribute__((target("avx2"))) void refill_avx2() {
    static_assert((kN - kM) % 4 == 0, "first loop in whole vectors");
    for (int i = 0; i < kN - kM; i += 4) twist4(x_, i, x_ + i + kM);
    int i = kN - kM;
    for (; i + 4 <= kN - 1; i += 4) twist4(x_, i, x_ + i + kM - kN);
    for (; i < kN - 1; ++i) twist(i, x_[i + 1], x_[i + kM - kN]);
    twist(kN - 1, x_[0], x_[kM - 1]);
    const __m256i d = _mm256_set1_epi64x(0x5555555555555555ll);
    const __m256i b = _mm256_set1_epi64x(0x71d67fffeda60000ll);
    const __m256i c = _mm256_set1_epi64x(static_cast<long long>(0xfff7eee000000000ull));
    static_assert(kN % 4 == 0, "tempering in whole vectors");
    for (int k = 0; k < kN; k += 4) {
      __m256i z = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x_ + k));
      z = _mm256_xor_si256(z, _mm256_and_si256(_mm256_srli_epi64(z, 29), d));
      z = _mm256_xor_si256(z, _mm256_and_si256(_mm256_slli_epi64(z, 17), b));
      z = _mm256_xor_si256(z, _mm256_and_si256(_mm256_slli_epi64(z, 37), c));
      z = _mm256_xor_si256(z, _mm256_srli_epi64(z, 43));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out_ + k), z);
    }
  }

  uint64_t x_[kN];
  uint64_t out_[kN];
  int next_;
};

}  // namespace qb
