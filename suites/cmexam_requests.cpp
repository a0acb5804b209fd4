#include "suites/cmexam_requests.h"

#include <stdexcept>

#include "common/fnv1a.h"
#include "common/splitmix64.h"

namespace qb {

namespace {

std::vector<const CMExamQuestion*> draw_shots(const CMExamQuestion& q, const CMExamPromptOptions& o) {
  std::vector<const CMExamQuestion*> pool;
  if (o.k_shot <= 0) return pool;
  if (!o.train) throw std::invalid_argument("few-shot prompts need a train list (k_shot > 0, train is null)");
  for (const auto& t : *o.train)
    if (t.id != q.id && t.question != q.question) pool.push_back(&t);
  if (pool.size() < static_cast<size_t>(o.k_shot))
    throw std::invalid_argument("few-shot: k_shot is " + std::to_string(o.k_shot) + " but the train list has only " +
                                std::to_string(pool.size()) + " usable examples");
  SplitMix64 rng(o.seed ^ fnv1a(q.id));
  // Partial Fisher-Yates: the first k slots become a uniform sample without replacement.
  for (size_t i = 0; i < static_cast<size_t>(o.k_shot); ++i) {
    size_t j = i + static_cast<size_t>(rng.below_exact(pool.size() - i));
    std::swap(pool[i], pool[j]);
  }
  pool.resize(static_cast<size_t>(o.k_shot));
  return pool;
}

}  // namespace

std::string cmexam_options_block(const CMExamQuestion& q) {
  std::string s;
  for (const auto& [letter, text] : q.options) {
    if (!s.empty()) s += '\n';
    s += letter;
    s += ' ';
    s += text;
  }
  return s;
}

std::string cmexam_prompt(const CMExamQuestion& q) {
  return q.question + "\n" + cmexam_options_block(q) + "\n答案：";
}

CMExamRequests build_cmexam_requests(const CMExamQuestion& q, const CMExamPromptOptions& opts) {
  CMExamRequests r;
  std::string shots, cloze_shots;
  for (const CMExamQuestion* s : draw_shots(q, opts)) {
    r.shot_ids.push_back(s->id);
    shots += cmexam_prompt(*s) + s->answer + "\n\n";
    // Cloze examples answer with the option text(s), as the scored continuations do.
    std::string texts;
    for (char letter : s->answer) {
      auto it = s->options.find(letter);
      if (it == s->options.end()) continue;
      if (!texts.empty()) texts += "；";
      texts += it->second;
    }
    cloze_shots += s->question + "\n答案：" + texts + "\n\n";
  }
  const std::string prompt = shots + cmexam_prompt(q);

  r.loglik.id = q.id;
  if (opts.style == ContinuationStyle::kLetter) {
    r.loglik.context = prompt;
    for (const auto& [letter, text] : q.options) r.loglik.continuations.emplace_back(1, letter);
  } else {
    // Cloze: the model scores the option text itself, so it needs no letter mapping.
    r.loglik.context = cloze_shots + q.question + "\n答案：";
    for (const auto& [letter, text] : q.options) r.loglik.continuations.push_back(text);
  }

  r.generate.id = q.id;
  r.generate.prompt = prompt;
  r.generate.max_new_tokens = opts.max_new_tokens;
  // Few-shot examples are separated by a blank line; a model that starts a new
  // example after answering is cut there.
  r.generate.stop = {"\n\n"};
  return r;
}

}  // namespace qb
