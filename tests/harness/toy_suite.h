// A toy third suite, written the way a user adds one: a file pair implementing evals/suite.h and
// one register_suite() call, with no harness code touched. "capitals": JSONL items
// {"id", "country", "capital"}; the prompt asks for the capital; a generated answer is correct
// when its first line, trimmed, equals the capital. Score: exact-match accuracy with a Wilson
// interval; two runs compare by McNemar's exact test. `score` reads {"id", "prediction"} JSONL
// against the items file given as options.data.
#pragma once

#include "evals/suite.h"

namespace qb::testing {

class CapitalsSuite : public Suite {
 public:
  std::string name() const override { return "capitals"; }
  std::vector<std::string> modes() const override { return {"generate"}; }
  std::string generation_field() const override { return "answer"; }
  std::vector<SuiteItem> build_items(const SuiteOptions& options, ReadReport& report) const override;
  std::unique_ptr<SuiteScorer> new_scorer(const SuiteOptions& options) const override;
  std::unique_ptr<SuiteScorer> score_predictions(const std::filesystem::path& predictions,
                                                 const SuiteOptions& options) const override;
};

}  // namespace qb::testing
