// Differential: the flat-JSON fast path (suites/flat_json_record.h) against nlohmann::json, the
// parser it stands in for. Whenever the fast path accepts a line, nlohmann must accept it too
// and see the same object: the same keys (the fast path refuses duplicates), strings byte-equal
// after unescaping, integers and fractions equal as numbers, the same literals. Whenever
// nlohmann rejects a line (syntax, UTF-8, surrogates, overflow), the fast path must reject it.
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "suites/flat_json_record.h"

namespace {

[[noreturn]] void mismatch(const std::string& what) {
  std::fprintf(stderr, "flat JSON fast path disagrees with nlohmann: %s\n", what.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string line(reinterpret_cast<const char*>(data), size);
  std::vector<qb::FlatJsonField> fields;
  const bool fast = qb::parse_flat_json_object(line, fields);
  nlohmann::json j;
  bool parsed = true;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {  // parse_error, or out_of_range for 1e999
    parsed = false;
  }
  if (!fast) return 0;  // the caller falls back to nlohmann: nothing to compare
  if (!parsed) mismatch("accepted a line nlohmann rejects");
  if (!j.is_object()) mismatch("accepted a non-object");
  if (j.size() != fields.size()) mismatch("key count " + std::to_string(fields.size()) + " vs " + std::to_string(j.size()));
  for (const auto& f : fields) {
    auto it = j.find(f.key);
    if (it == j.end()) mismatch("key '" + f.key + "' missing");
    const nlohmann::json& v = *it;
    switch (f.kind) {
      case qb::FlatJsonField::kString:
        if (!v.is_string() || v.get_ref<const std::string&>() != f.text) mismatch("string of '" + f.key + "'");
        break;
      case qb::FlatJsonField::kInteger:
        if (!v.is_number_integer() || std::to_string(v.get<long long>()) != std::to_string(std::stoll(f.text)))
          mismatch("integer of '" + f.key + "'");
        break;
      case qb::FlatJsonField::kNumber:
        if (!v.is_number() || v.get<double>() != std::strtod(f.text.c_str(), nullptr)) mismatch("number of '" + f.key + "'");
        break;
      case qb::FlatJsonField::kTrue:
        if (v != true) mismatch("true of '" + f.key + "'");
        break;
      case qb::FlatJsonField::kFalse:
        if (v != false) mismatch("false of '" + f.key + "'");
        break;
      case qb::FlatJsonField::kNull:
        if (!v.is_null()) mismatch("null of '" + f.key + "'");
        break;
    }
  }
  return 0;
}
