#include "data/exam_questions.h"

#include <algorithm>
#include <set>

#include "data/phrasing.h"

namespace qb::demo {
namespace {

bool overlaps(const std::string& a, const std::string& b) {
  return a.find(b) != std::string::npos || b.find(a) != std::string::npos;
}

// Draws `n` distinct items from `pool` (order of the draw is the rng's).
std::vector<std::string> draw(std::vector<std::string> pool, size_t n, SplitMix64& rng) {
  rng.shuffle(pool);
  if (pool.size() > n) pool.resize(n);
  return pool;
}

}  // namespace

std::string ExamQuestion::options_cell() const {
  std::string out;
  for (size_t i = 0; i < options.size(); ++i) {
    if (i) out += '\n';
    out += static_cast<char>('A' + i);
    out += ' ';
    out += options[i];
  }
  return out;
}

std::string ExamQuestion::prompt() const { return question + "\n" + options_cell() + "\n答案："; }

ExamQuestionBuilder::ExamQuestionBuilder(const KnowledgeBase& kb) : kb_(kb) {
  std::vector<std::set<std::string>> values(kAttributeCount);
  for (const auto& f : kb.facts) values[static_cast<int>(f.attribute)].insert(f.value);
  for (const auto& v : values) values_by_attribute_.emplace_back(v.begin(), v.end());
  for (const auto& e : kb.entities)
    if (e.kind == EntityKind::kDisease) disease_names_.push_back(e.name);
}

std::vector<std::string> ExamQuestionBuilder::wrong_values(int subject, Attribute a, const std::string& right,
                                                           size_t n, SplitMix64& rng) const {
  const std::string& s = kb_.entities[subject].name;
  std::vector<std::string> pool;
  for (const auto& v : values_by_attribute_[static_cast<int>(a)])
    if (!overlaps(v, right) && !kb_.related(s, v) && !overlaps(v, s)) pool.push_back(v);
  return draw(std::move(pool), n, rng);
}

std::vector<std::string> ExamQuestionBuilder::disease_names_not_related_to(const std::string& value) const {
  std::vector<std::string> pool;
  for (const auto& d : disease_names_)
    if (!kb_.related(d, value) && !overlaps(d, value)) pool.push_back(d);
  return pool;
}

std::optional<ExamQuestion> ExamQuestionBuilder::assemble(std::string stem, std::vector<std::string> correct,
                                                          std::vector<std::string> distractors,
                                                          SplitMix64& rng) const {
  if (correct.size() + distractors.size() != 5) return std::nullopt;
  std::vector<std::pair<std::string, bool>> all;
  for (auto& c : correct) all.emplace_back(std::move(c), true);
  for (auto& d : distractors) all.emplace_back(std::move(d), false);
  rng.shuffle(all);
  ExamQuestion q;
  q.question = std::move(stem);
  for (size_t i = 0; i < 5; ++i) {
    q.options[i] = all[i].first;
    if (all[i].second) q.answer += static_cast<char>('A' + i);
  }
  return q;
}

std::optional<ExamQuestion> ExamQuestionBuilder::forward(const Fact& fact, SplitMix64& rng) const {
  const std::string& s = kb_.entities[fact.subject].name;
  auto distractors = wrong_values(fact.subject, fact.attribute, fact.value, 4, rng);
  auto q = assemble(fill_pattern(rng.pick(question_stems(fact.attribute)), s, fact.value), {fact.value},
                    std::move(distractors), rng);
  if (!q) return q;
  q->explanation = fill_pattern(statement_patterns(fact.attribute)[0], s, fact.value) + "故选" + q->answer + "。";
  auto a = annotations_for(kb_, fact.subject, fact.attribute, false, false);
  q->disease_group = a.disease_group, q->area = a.area, q->department = a.department;
  q->discipline = a.discipline, q->difficulty = a.difficulty;
  q->facts = {fact.id};
  q->kind = "forward";
  return q;
}

std::optional<ExamQuestion> ExamQuestionBuilder::reverse(const Fact& fact, SplitMix64& rng) const {
  const auto& stems = reverse_question_stems(fact.attribute);
  if (stems.empty() || kb_.entities[fact.subject].kind != EntityKind::kDisease) return std::nullopt;
  const std::string& s = kb_.entities[fact.subject].name;
  auto q = assemble(fill_pattern(rng.pick(stems), s, fact.value), {s},
                    draw(disease_names_not_related_to(fact.value), 4, rng), rng);
  if (!q) return q;
  q->explanation = fill_pattern(statement_patterns(fact.attribute)[0], s, fact.value) + "故选" + q->answer + "。";
  auto a = annotations_for(kb_, fact.subject, fact.attribute, true, false);
  q->disease_group = a.disease_group, q->area = a.area, q->department = a.department;
  q->discipline = a.discipline, q->difficulty = a.difficulty;
  q->facts = {fact.id};
  q->kind = "reverse";
  return q;
}

std::optional<ExamQuestion> ExamQuestionBuilder::multi(const std::vector<const Fact*>& facts,
                                                       SplitMix64& rng) const {
  if (facts.size() < 2 || facts.size() > 4) return std::nullopt;
  const Fact& first = *facts[0];
  std::string stem = multi_question_stem(first.attribute);
  if (stem.empty()) return std::nullopt;
  std::vector<std::string> correct;
  for (const Fact* f : facts) {
    if (f->attribute != first.attribute || f->value != first.value ||
        kb_.entities[f->subject].kind != EntityKind::kDisease)
      return std::nullopt;
    correct.push_back(kb_.entities[f->subject].name);
  }
  auto q = assemble(fill_pattern(stem, "", first.value), correct,
                    draw(disease_names_not_related_to(first.value), 5 - correct.size(), rng), rng);
  if (!q) return q;
  for (const Fact* f : facts) q->explanation += fill_pattern(statement_patterns(f->attribute)[0], kb_.entities[f->subject].name, f->value);
  q->explanation += "故选" + q->answer + "。";
  auto a = annotations_for(kb_, first.subject, first.attribute, false, true);
  q->disease_group = a.disease_group, q->area = a.area, q->department = a.department;
  q->discipline = a.discipline, q->difficulty = a.difficulty;
  for (const Fact* f : facts) q->facts.push_back(f->id);
  q->kind = "multi";
  return q;
}

}  // namespace qb::demo
