// nlohmann's get<int>() on a JSON float static_casts it: 2.5 silently becomes 2, and 2e113 is
// undefined behaviour (found by fuzz/fuzz_configs under UBSan). Config readers ask this first.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <type_traits>

namespace qb {

// For a JSON number `v`: true when T holds it without changing its value (for integer T, a JSON
// integer within T's range; for floating T, always). Callers ask only for numbers and leave other
// types to nlohmann's own type check.
template <class T>
bool json_value_fits(const nlohmann::json& v) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (v.is_number_unsigned())
      return v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
    if (!v.is_number_integer()) return false;
    const int64_t x = v.get<int64_t>();
    if constexpr (std::is_signed_v<T>)
      return x >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
             x <= static_cast<int64_t>(std::numeric_limits<T>::max());
    else
      return x >= 0 && static_cast<uint64_t>(x) <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  } else if constexpr (std::is_floating_point_v<T>) {
    return v.is_number();
  } else {
    return true;
  }
}

}  // namespace qb
