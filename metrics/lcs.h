// Length of the longest common subsequence of two code-point sequences (ROUGE-L).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qb {

// Bit-parallel (Allison-Dix / Hyyro): O(|a| * ceil(|b| / 64)) word operations instead of the
// O(|a| * |b|) table, which matters for 6,000 answers of ~120 characters each.
size_t lcs_length(const std::vector<char32_t>& a, const std::vector<char32_t>& b);
size_t lcs_length(const std::vector<uint32_t>& a, const std::vector<uint32_t>& b);

}  // namespace qb
