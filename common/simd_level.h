// Which vector instruction sets the hand-written kernels may use: the CPU's, capped by the
// environment variable QILIN_SIMD=none|avx2|avx512 (read once), so every path can be run and
// compared on one machine (ctest score_simd_paths_agree). Every path gives the same results.
#pragma once

#include <cstdlib>
#include <cstring>

namespace qb {

enum class SimdLevel { kNone = 0, kAvx2 = 1, kAvx512 = 2 };

inline SimdLevel simd_level() {
  static const SimdLevel level = [] {
    SimdLevel cpu = SimdLevel::kNone;
    if (__builtin_cpu_supports("avx2")) cpu = SimdLevel::kAvx2;
    if (cpu == SimdLevel::kAvx2 && __builtin_cpu_supports("avx512f")) cpu = SimdLevel::kAvx512;
    SimdLevel cap = SimdLevel::kAvx512;
    if (const char* v = std::getenv("QILIN_SIMD")) {
      if (std::strcmp(v, "none") == 0) cap = SimdLevel::kNone;
      if (std::strcmp(v, "avx2") == 0) cap = SimdLevel::kAvx2;
    }
    return static_cast<int>(cpu) < static_cast<int>(cap) ? cpu : cap;
  }();
  return level;
}

}  // namespace qb
