// CMExam-style multiple-choice questions built from knowledge-base facts: five options,
// distractors of the same kind that are provably wrong (no fact links them to the
// subject), the answer letters, an explanation and the five annotation columns.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "data/knowledge_base.h"
#include "common/splitmix64.h"

namespace qb::demo {

struct ExamQuestion {
  std::string question;                // the stem, without options
  std::array<std::string, 5> options;  // texts of A..E (no letter)
  std::string answer;                  // sorted letters, e.g. "B" or "AD"
  std::string explanation;
  std::string disease_group, area, department, discipline, difficulty;
  std::vector<int> facts;              // the facts the correct answer states
  std::string kind;                    // "forward", "reverse" or "multi"

  // The Qilin-Med evaluation prompt: question, "\n", option lines "A text", "\n答案：".
  std::string prompt() const;
  // The option lines joined by "\n" (the CSV Options cell).
  std::string options_cell() const;
};

class ExamQuestionBuilder {
 public:
  explicit ExamQuestionBuilder(const KnowledgeBase& kb);

  // Asks for the value of `fact` (nullopt when fewer than four valid distractors exist).
  std::optional<ExamQuestion> forward(const Fact& fact, SplitMix64& rng) const;
  // Asks which disease has the value of `fact` (kSymptom/kTreatment/kExam/kCause of a disease).
  std::optional<ExamQuestion> reverse(const Fact& fact, SplitMix64& rng) const;
  // Asks which listed diseases share one value; `facts` (2-4) all have the same attribute
  // and value and distinct disease subjects.
  std::optional<ExamQuestion> multi(const std::vector<const Fact*>& facts, SplitMix64& rng) const;

  // Up to `n` values of attribute `a` that are wrong for `subject` (for DPO rejected answers).
  std::vector<std::string> wrong_values(int subject, Attribute a, const std::string& right, size_t n,
                                        SplitMix64& rng) const;

 private:
  std::optional<ExamQuestion> assemble(std::string stem, std::vector<std::string> correct,
                                       std::vector<std::string> distractors, SplitMix64& rng) const;
  std::vector<std::string> disease_names_not_related_to(const std::string& value) const;

  const KnowledgeBase& kb_;
  std::vector<std::vector<std::string>> values_by_attribute_;  // distinct values, sorted
  std::vector<std::string> disease_names_;
};

}  // namespace qb::demo
