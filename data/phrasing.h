// Every sentence pattern of the demo world, per attribute. "{s}" is the subject entity,
// "{v}" the fact's value. Several patterns per attribute give the DCPT text varied wording,
// so a model must learn the fact rather than one sentence.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "data/knowledge_base.h"

namespace qb::demo {

// Replaces every "{s}" by `s` and every "{v}" by `v`.
std::string fill_pattern(std::string_view pattern, std::string_view s, std::string_view v);

// Encyclopaedia sentences stating a fact from its subject's side (at least 4 per attribute).
const std::vector<std::string>& statement_patterns(Attribute a);
// Sentences stating a kTreatment or kExam fact from the drug's or examination's side
// ("{v}" is then the disease); empty for other attributes.
const std::vector<std::string>& reverse_statement_patterns(Attribute a);

// CMExam stems asking for the value ("{s}的首选治疗是").
const std::vector<std::string>& question_stems(Attribute a);
// CMExam stems asking for the subject given the value ("{v}是下列哪种疾病的首选治疗");
// empty when the attribute has no reverse question.
const std::vector<std::string>& reverse_question_stems(Attribute a);
// A stem asking which of the listed diseases share value "{v}" (multi-answer), or "".
std::string multi_question_stem(Attribute a);

// Patient questions, the doctor's canonical answer, and rejected-answer patterns for DPO.
const std::vector<std::string>& patient_questions(Attribute a);
const std::vector<std::string>& doctor_answers(Attribute a);
// The doctor's closing advice for a question about `a`: one sentence per kind of question
// (medication, examination, symptom or cause, where to go), so it is a style a model can learn.
const std::string& safety_advice(Attribute a);
const std::vector<std::string>& unsafe_answers(Attribute a);
const std::vector<std::string>& evasive_answers();

// The CMExam annotation columns for a question whose subject is `subject` (for a reverse
// or multi-answer question: the disease the answer names).
struct Annotations {
  std::string disease_group, area, department, discipline, difficulty;
};
Annotations annotations_for(const KnowledgeBase& kb, int subject, Attribute a, bool reverse, bool multi);

}  // namespace qb::demo
