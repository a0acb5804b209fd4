// CMExam: five-option multiple choice, scored by accuracy (SPEC §3).
//
// Options read: mode ("loglik" default, "generate"), data, train_data + k_shot + seed (few-shot),
// limit, lenient, continuation ("letter" | "text"), max_new_tokens (generate; default 32).
//
// Rows (samples.jsonl): id, gold, options (the letters present), annotations, shot_ids, prompt;
// loglik: continuations, logprob[], n_tokens[] → scoring adds predicted (acc) and predicted_norm
// (acc_norm); generate: output, n_tokens, finish_reason → scoring adds predicted (the extracted
// letter set, null when extraction failed). Every row gets correct (exact letter-set match).
//
// `score` predictions (JSONL, one record per question of options.data, matched by id):
// {id, output} (generate), {id, choice: "AC"} or {id, logprobs: {"A": lp, …}} (loglik); the mode
// comes from options.mode, else from the first record. Questions of the CSV that were skipped
// (lenient) are reported under details "data".
#pragma once

#include "evals/suite.h"

namespace qb {

class CMExamSuite : public Suite {
 public:
  std::string name() const override { return "cmexam"; }
  std::vector<std::string> modes() const override { return {"loglik", "generate"}; }
  std::vector<SuiteItem> build_items(const SuiteOptions& options, ReadReport& report) const override;
  std::unique_ptr<SuiteScorer> new_scorer(const SuiteOptions& options) const override;
  std::unique_ptr<SuiteScorer> score_predictions(const std::filesystem::path& predictions,
                                                 const SuiteOptions& options) const override;
};

}  // namespace qb
