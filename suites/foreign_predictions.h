// Predictions written by other evaluation tools (LLaMA-Factory, lm-evaluation-harness,
// OpenCompass, EvalScope, the CMExam / Qilin-Med evaluation scripts, or any JSONL/CSV named
// field by field), read into one typed shape so that `qilin-bench score` can re-score them
// with its own metrics. The layouts, and the tool versions they were confirmed against, are in
// docs/FORMATS.md ("Predictions written by other tools").
//
// Readers only read: no answer extraction, no metric. What a record holds is what the tool
// wrote; turning it into a scored item (extraction, log-likelihood choice, BLEU/ROUGE) happens
// in the scoring code, so every layout goes through the same scoring path.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/error.h"
#include "suites/records.h"

namespace qb {

// What the tool recorded as the model's answer to one item.
enum class ForeignAnswerKind {
  kText,            // generated text (answer extraction or BLEU/ROUGE come later)
  kLetters,         // option letters the tool already chose (OpenCompass PPL `prediction`)
  kChoiceLogprobs,  // one log-likelihood per choice (lm-eval multiple choice)
};

// One option of a multiple-choice item as the tool scored it.
struct ForeignChoice {
  char label = 0;             // the option letter: the tool's label, or 'A' + position
  std::string continuation;   // the text whose log-likelihood was taken ("" when not recorded)
  double logprob = 0;         // kChoiceLogprobs only
  // The tool numbers choices (lm-eval): `label` is 'A' + index, and so are the gold letters in
  // `reference`; against a dataset, index i is the question's i-th option (CMExam has questions
  // whose options are B-E).
  bool positional = false;
};

struct ForeignPrediction {
  std::string file;           // the file this record came from (OpenCompass split parts differ)
  std::string where;          // "line 12", "key '17'", "row 5": where in `file`, for errors
  // The item's id when the file names ids that a dataset's ids should match (a `--field id=`
  // column, an `id` column of a CMExam CSV); empty otherwise.
  std::string id;
  // 0-based position of the item in the evaluated dataset: the tool's own numbering
  // (lm-eval doc_id, OpenCompass key, EvalScope index, pandas index) or the record order.
  long position = 0;
  ForeignAnswerKind kind = ForeignAnswerKind::kText;
  std::string text;                    // kText
  std::string letters;                 // kLetters, as written by the tool
  std::vector<ForeignChoice> choices;  // kChoiceLogprobs (continuations also for kLetters when known)
  std::optional<std::string> reference;     // reference text or gold letters, when the file has them
  std::optional<CMExamQuestion> question;   // the whole question, when the file holds it (CMExam CSVs)

  InputError error(const std::string& problem) const { return InputError(file, where, problem); }
};

// A score the tool computed itself, with a description of how (its protocol), so that ours can
// be printed beside it and the difference of protocol is visible.
struct ToolScore {
  std::string name;       // as the tool names it: "predict_bleu-4", "acc,none"
  double value = 0;       // as the tool wrote it
  double percent = 0;     // on qilin-bench's ×100 scale (fractions × 100)
  std::string ours;       // the qilin-bench metric measuring the same thing ("bleu4"), or ""
  std::string protocol;   // the tool's definition, e.g. "bleu4|tok:char|agg:sentence-mean|smooth:nltk-method3"
};

struct ToolReport {
  std::string tool;       // "llamafactory", "lm-eval", …
  std::string file;       // where the scores were read (may be the predictions file itself)
  std::vector<ToolScore> scores;
};

struct ForeignPredictions {
  std::string format;                  // "llamafactory", "lm-eval", "opencompass", "evalscope", "cmexam-csv", "fields"
  std::string layout;                  // the finer layout, e.g. "lm-eval-multiple-choice"
  std::vector<std::string> files;      // every file read, in order
  std::string filter;                  // lm-eval: the filter whose responses were read ("" = raw `resps`)
  std::vector<ForeignPrediction> records;  // sorted by position
  std::optional<ToolReport> reported;  // the tool's own scores, when it wrote them
};

// `--field prediction=NAME --field reference=NAME --field id=NAME`: JSON keys (a dotted path
// reaches into objects: "output.text") or CSV column names. Empty = not given.
struct FieldMapping {
  std::string prediction, reference, id;
  bool empty() const { return prediction.empty() && reference.empty() && id.empty(); }
};

struct ForeignReadOptions {
  std::string format;        // one of prediction_format_names(), or "" to detect from content
  FieldMapping fields;       // with format "fields" (or "" and a mapping given), or to override a column
  std::string filter;        // lm-eval `--filter NAME` (or a 1-based pass number for files before 0.4.7)
  bool letters_answers = false;  // `--mode loglik` with `--field`: the prediction field holds chosen letters
};

}  // namespace qb
