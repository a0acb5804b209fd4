// Huatuo-26M: open-ended medical QA, scored by BLEU-1..4, ROUGE-1/2/L, GLEU and Distinct against
// the reference answer, with Chinese segmentation (SPEC §3, §4).
//
// Options read: mode ("generate", the only one), data (official JSONL, the JSON list with
// instruction/output, or {question, answer} JSONL), limit, lenient, prompt_template (default
// "问：{question}\n答："), max_new_tokens (default 256), scoring (segmenter, BLEU aggregation,
// smoothing, ROUGE mode, bootstrap resamples and seed, threads).
//
// Rows (samples.jsonl): id, reference, prompt; prediction, n_tokens, finish_reason → scoring adds
// scores {rouge1_f, rouge2_f, rougeL_f} (×100).
//
// `score` predictions (JSONL): {prediction, reference, id?} per line (id defaults to the record
// number; ids must be unique). Streamed in batches parsed and scored on options.scoring.threads
// threads; only per-item statistics are kept, never the texts.
#pragma once

#include "evals/suite.h"

namespace qb {

class HuatuoSuite : public Suite {
 public:
  std::string name() const override { return "huatuo26m"; }
  std::vector<std::string> modes() const override { return {"generate"}; }
  std::string unsupported_mode(const std::string& /*mode*/) const override {
    return "huatuo is open-ended QA: use --mode generate";
  }
  std::string generation_field() const override { return "prediction"; }
  std::vector<SuiteItem> build_items(const SuiteOptions& options, ReadReport& report) const override;
  std::unique_ptr<SuiteScorer> new_scorer(const SuiteOptions& options) const override;
  std::unique_ptr<SuiteScorer> score_predictions(const std::filesystem::path& predictions,
                                                 const SuiteOptions& options) const override;
};

}  // namespace qb
