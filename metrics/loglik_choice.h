// Multiple choice by log-likelihood (CMExam "loglik" mode), as lm-evaluation-harness scores
// it: acc takes the option whose continuation has the highest summed log-probability;
// acc_norm divides each sum by the continuation's length in characters (code points) first.
#pragma once

#include <map>
#include <string>

namespace qb {

struct LoglikChoice {
  char acc = 0;       // argmax of sum logprob
  char acc_norm = 0;  // argmax of sum logprob / length in characters
};

// `logprob` and `option_text` are keyed by option letter. Ties go to the earlier letter
// (numpy argmax). Throws std::invalid_argument when `logprob` is empty, names a letter that
// has no option text, or an option text is empty (its normalised score is undefined).
LoglikChoice loglik_choice(const std::map<char, double>& logprob, const std::map<char, std::string>& option_text);

}  // namespace qb
