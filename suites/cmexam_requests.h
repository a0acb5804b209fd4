// Request builders for CMExam (lm-evaluation-harness style: the suite builds requests,
// the model only answers them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "suites/records.h"
#include "suites/requests.h"

namespace qb {

// "A text\nB text\n..." in letter order: the Options cell as Qilin-Med feeds it.
std::string cmexam_options_block(const CMExamQuestion& q);

// The Qilin-Med evaluation prompt (eval/CMExam format_example):
// Question + "\n" + Options + "\n答案：".
std::string cmexam_prompt(const CMExamQuestion& q);

enum class ContinuationStyle {
  kLetter,  // continuations "A".."E" after the Qilin-Med prompt (default)
  kText,    // cloze: continuations are the option texts after Question + "\n答案："
};

struct CMExamPromptOptions {
  // Few-shot: k solved examples from `train`, each rendered as its prompt followed by
  // its answer letters and a blank line, before the question (cloze style: the example's
  // question + "\n答案：" + its answer option text(s), joined by "；"). Examples are drawn without
  // replacement with a generator seeded by (seed, question id), so the choice does
  // not depend on evaluation order or sharding; a train item with the same id or the
  // same question text as the test question is never drawn.
  int k_shot = 0;
  uint64_t seed = 1234;
  const std::vector<CMExamQuestion>* train = nullptr;
  ContinuationStyle style = ContinuationStyle::kLetter;
  int max_new_tokens = 32;  // generate mode
};

struct CMExamRequests {
  LoglikRequest loglik;
  GenerateRequest generate;
  std::vector<std::string> shot_ids;  // ids of the few-shot examples used (for the per-sample log)
};

// Builds both request kinds for one question. Throws std::invalid_argument when
// k_shot > 0 and `train` is null or holds fewer than k usable examples.
CMExamRequests build_cmexam_requests(const CMExamQuestion& q, const CMExamPromptOptions& opts = {});

}  // namespace qb
