#include "metrics/loglik_choice.h"

#include <stdexcept>

#include "common/utf8.h"

namespace qb {

LoglikChoice loglik_choice(const std::map<char, double>& logprob, const std::map<char, std::string>& option_text) {
  if (logprob.empty()) throw std::invalid_argument("no option log-probabilities");
  LoglikChoice out;
  double best = 0, best_norm = 0;
  for (const auto& [letter, lp] : logprob) {  // std::map iterates letters in order
    auto it = option_text.find(letter);
    if (it == option_text.end())
      throw std::invalid_argument(std::string("log-probability for option ") + letter + ", which does not exist");
    const size_t chars = count_code_points(it->second);
    if (chars == 0) throw std::invalid_argument(std::string("option ") + letter + " has empty text");
    const double norm = lp / static_cast<double>(chars);
    if (!out.acc || lp > best) out.acc = letter, best = lp;
    if (!out.acc_norm || norm > best_norm) out.acc_norm = letter, best_norm = norm;
  }
  return out;
}

}  // namespace qb
