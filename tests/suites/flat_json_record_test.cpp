// The fast path for flat predictions records must agree with nlohmann::json::parse wherever it
// accepts a line, and leave every line nlohmann rejects (and every line outside its subset) to it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

#include "suites/flat_json_record.h"

namespace qb {
namespace {

// Checks one line against nlohmann; returns whether the fast path took it.
bool agrees(const std::string& line) {
  std::vector<FlatJsonField> fields;
  const bool fast = parse_flat_json_object(line, fields);
  nlohmann::json j;
  bool ok = true;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception&) {
    ok = false;
  }
  if (!fast) return false;
  EXPECT_TRUE(ok) << "fast path accepted what nlohmann rejects: " << line;
  if (!ok) return true;
  EXPECT_TRUE(j.is_object()) << line;
  EXPECT_EQ(fields.size(), j.size()) << line;
  for (const auto& f : fields) {
    const auto it = j.find(f.key);
    EXPECT_NE(it, j.end()) << f.key;
    if (it == j.end()) continue;
    switch (f.kind) {
      case FlatJsonField::kString: EXPECT_EQ(it->get<std::string>(), f.text) << line; break;
      case FlatJsonField::kInteger:
        EXPECT_TRUE(it->is_number_integer()) << line;
        EXPECT_EQ(it->get<long long>(), std::stoll(f.text)) << line;
        break;
      case FlatJsonField::kNumber: EXPECT_TRUE(it->is_number_float()) << line; break;
      case FlatJsonField::kTrue: EXPECT_EQ(*it, true) << line; break;
      case FlatJsonField::kFalse: EXPECT_EQ(*it, false) << line; break;
      case FlatJsonField::kNull: EXPECT_TRUE(it->is_null()) << line; break;
    }
  }
  return true;
}

TEST(FlatJsonRecord, TakesFlatRecordsAndAgreesWithNlohmann) {
  for (const char* line : {
           R"({"id": "0-1", "prediction": "头痛怎么办", "reference": "多喝水"})",
           R"(  {"prediction":"a\"b\\c\/d\b\f\n\r\t","reference":"\u4e2d\u6587 \ud83d\ude00","id":-0}  )",
           R"({"id": 123456789012345678, "prediction": null, "reference": "", "x": true, "y": false, "z": 1.25})",
           R"({})",
           "{\"prediction\": \"\\u0000\", \"reference\": \"tab\\there\"}\r",
       })
    EXPECT_TRUE(agrees(line)) << line;
}

TEST(FlatJsonRecord, LeavesEverythingElseToNlohmann) {
  for (const char* line : {
           R"({"a": [1, 2]})", R"({"a": {"b": 1}})", R"({"a": 1, "a": 2})", R"({"a": 1e5})", R"({"a": 1E-2})",
           R"({"a": 1234567890123456789})", R"({"a": "\ud800"})", R"({"a": "\udc00x"})", R"({"a": "\x"})",
           R"({"a": 01})", R"({"a": 1.})", R"({"a": .5})", R"({"a": -})", R"({"a": tru})", R"({"a": "b",})",
           R"({"a" "b"})", R"({a: 1})", R"({"a": 1} x)", R"([1])", R"("s")", R"()", R"({"a": "b")",
           "{\"a\": \"raw\ttab\"}", "{\"a\": \"\xff\"}", "{\"a\": \"\xed\xa0\x80\"}", "{\"a\": \"\xc0\xaf\"}",
           "{\"a\":\v1}",
       })
    EXPECT_FALSE(agrees(line)) << line;
}

TEST(FlatJsonRecord, RandomMutationsNeverDisagree) {
  const std::string base = R"({"id": 7, "prediction": "发烧38.5度\n怎么办", "reference": "\u591a喝水", "n": null})";
  std::mt19937 rng(3);
  const std::string alphabet = "{}[]\":,\\ u0123456789abcdefnrtle.-+E\x80\xe4";
  int taken = 0;
  for (int trial = 0; trial < 20000; ++trial) {
    std::string s = base;
    for (int k = 0, edits = 1 + static_cast<int>(rng() % 3); k < edits; ++k) {
      const size_t at = rng() % (s.size() + 1);
      const char c = alphabet[rng() % alphabet.size()];
      switch (rng() % 3) {
        case 0: s.insert(s.begin() + static_cast<long>(at), c); break;
        case 1: if (at < s.size()) s[at] = c; break;
        default: if (at < s.size()) s.erase(at, 1);
      }
    }
    taken += agrees(s);
  }
  EXPECT_GT(taken, 1000) << "the mutations should leave many lines valid";
}

}  // namespace
}  // namespace qb
