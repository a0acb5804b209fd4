// The demo world's knowledge base: diseases, drugs and examinations with short canonical
// facts, parsed from the embedded data/kb/*.txt tables.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace qb::demo {

enum class EntityKind { kDisease, kDrug, kExam };

// Every attribute a fact can state. Disease facts come first, then drug, then exam facts.
enum class Attribute {
  kGroup,              // 疾病类别 (also the CMExam "Disease Group" annotation)
  kDiscipline,         // 学科 (also "Medical Discipline")
  kDepartment,         // 科室 (also "Clinical Department")
  kSymptom,            // 典型症状
  kTreatment,          // 首选治疗 (a drug of the drug table or a non-drug treatment)
  kExam,               // 确诊检查 (always an examination of the exam table)
  kCause,              // 病因
  kDrugClass,          // 药物类别
  kAdverseEffect,      // 常见不良反应
  kContraindication,   // 禁忌
  kExamType,           // 检查类型
  kPrecaution,         // 注意事项
};
inline constexpr int kAttributeCount = 12;

// The Chinese column label of an attribute, e.g. "首选治疗".
const char* attribute_label(Attribute a);
// Attributes a patient would ask a doctor about (used for dialogue and Huatuo items).
bool is_patient_attribute(Attribute a);

struct Entity {
  int index = 0;
  EntityKind kind = EntityKind::kDisease;
  std::string name;
  std::string source;  // "diseases.txt:12", for error messages
};

// One fact: `subject` has `attribute` = `value`. When a kTreatment value is a drug or a
// kExam value an examination, `object` is that entity's index; otherwise -1.
struct Fact {
  int id = 0;  // position in KnowledgeBase::facts (stable for a given knowledge base)
  int subject = 0;
  Attribute attribute = Attribute::kGroup;
  std::string value;
  int object = -1;
};

struct KnowledgeBase {
  std::vector<Entity> entities;
  std::vector<Fact> facts;

  const Entity& subject_of(const Fact& f) const { return entities[f.subject]; }
  // Index of the entity with this exact name, or -1.
  int find(std::string_view name) const;
  // Facts whose subject is `entity`, in attribute order.
  std::vector<int> facts_of(int entity) const;
  // Facts whose object is `entity` (a drug's indications, an exam's uses).
  std::vector<int> facts_about(int entity) const;
  // True when some fact links `a` and `b` in either direction (a's value is b,
  // b's value is a, or one is the other's object): such a pair may never be used
  // as question and distractor together.
  bool related(std::string_view a, std::string_view b) const;

  std::map<std::string, int, std::less<>> by_name;
  std::vector<std::vector<int>> subject_facts, object_facts;
  std::vector<std::pair<std::string, std::string>> related_pairs;  // sorted, both orders
};

// Parses the three tables. `files` maps "diseases.txt", "drugs.txt", "exams.txt" to their
// content. Throws qb::InputError naming the file and line for a wrong field count, an empty
// field, a duplicate or over-long name, a name contained in another name, or a 确诊检查
// that names no examination.
KnowledgeBase parse_knowledge_base(const std::map<std::string, std::string_view>& files);

// The knowledge base compiled into the binary (parsed once).
const KnowledgeBase& embedded_knowledge_base();

}  // namespace qb::demo
