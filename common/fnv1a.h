// 64-bit FNV-1a (Fowler, Noll, Vo): a byte hash whose value is fixed by its definition, so it
// can name files (cache names), contents (signatures) and seeds the same way everywhere; and
// hex16, the 16-digit form used in those names.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace qb {

inline uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// 2^64 / golden ratio: multiplying a key by it and keeping the top bits indexes an
// open-addressing table of a power-of-two size (Fibonacci hashing).
constexpr uint64_t kFibonacci = 0x9E3779B97F4A7C15ull;

// FNV-1a finished with a Fibonacci multiply, for open-addressing tables indexed by the top
// bits (plain FNV-1a's top bits depend weakly on the last bytes).
inline uint64_t fnv1a_table_hash(std::string_view s) { return fnv1a(s) * kFibonacci; }

inline std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace qb
