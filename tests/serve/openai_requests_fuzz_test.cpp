// A small seeded fuzz of the request parsers: mutated bodies (bytes flipped, cut, duplicated,
// JSON values swapped for others) are either parsed or refused with a 4xx ApiError — never
// another exception or a crash. A stand-in until a libFuzzer target exists (the parsers take a
// string and need neither HTTP nor torch for that reason).
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "serve/api_error.h"
#include "serve/openai_requests.h"

namespace qb::serve {
namespace {

const std::vector<std::string> kSeeds = {
    R"({"model":"m","prompt":["患者","b"],"echo":true,"logprobs":1,"max_tokens":0,"stop":["\n"],"temperature":0})",
    R"({"model":"m","prompt":[[1,2,3],[4]],"max_tokens":5,"n":1,"top_p":1,"stream":false})",
    R"({"model":"m","messages":[{"role":"user","content":"高血压"}],"max_completion_tokens":3})",
    R"({"prompt":"ab","add_special_tokens":false})",
    R"({"tokens":[1,2,18446744073709551615,-9223372036854775808]})",
};
const std::vector<std::string> kValues = {"null", "true", "-1", "1e308", "18446744073709551615", "\"\"", "[]", "{}",
                                          "[[]]", "[1,[2]]", "\"\\ud800\"", "0.5", "[\"a\",1]"};

std::string mutate(std::string s, std::mt19937_64& rng) {
  const int kind = static_cast<int>(rng() % 5);
  if (s.empty()) return s;
  const size_t at = rng() % s.size();
  switch (kind) {
    case 0: s[at] = static_cast<char>(rng() % 256); break;                         // flip a byte
    case 1: s.resize(at); break;                                                    // truncate
    case 2: s.insert(at, s.substr(at, rng() % 16)); break;                          // duplicate a run
    case 3: {                                                                       // swap a value
      const size_t colon = s.find(':', at);
      if (colon == std::string::npos) break;
      const size_t end = s.find_first_of(",}", colon);
      if (end == std::string::npos) break;
      s.replace(colon + 1, end - colon - 1, kValues[rng() % kValues.size()]);
      break;
    }
    default: s.erase(at, rng() % 8); break;                                         // delete a run
  }
  return s;
}

TEST(OpenAIRequestsFuzz, MutatedBodiesAreParsedOrRefusedWith4xx) {
  const std::vector<std::function<void(const std::string&)>> parsers = {
      [](const std::string& b) { parse_completion_request(b); },
      [](const std::string& b) { parse_chat_request(b); },
      [](const std::string& b) { parse_tokenize_request(b); },
      [](const std::string& b) { parse_detokenize_request(b); },
  };
  std::mt19937_64 rng(20261205);
  int parsed = 0, refused = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string body = kSeeds[rng() % kSeeds.size()];
    for (int m = 1 + static_cast<int>(rng() % 3); m > 0; --m) body = mutate(body, rng);
    for (const auto& parse : parsers) {
      try {
        parse(body);
        ++parsed;
      } catch (const ApiError& e) {
        ++refused;
        ASSERT_GE(e.status, 400) << body;
        ASSERT_LT(e.status, 500) << body;
        ASSERT_NE(std::string(e.what()).find("POST /"), std::string::npos) << e.what();
      } catch (const std::exception& e) {
        FAIL() << "body " << body << " threw a non-API error: " << e.what();
      }
    }
  }
  EXPECT_GT(parsed, 100);  // the mutations keep some bodies valid,
  EXPECT_GT(refused, 100);  // and break many
}

}  // namespace
}  // namespace qb::serve
