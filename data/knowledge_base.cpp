#include "data/knowledge_base.h"

#include <algorithm>

#include "common/error.h"
#include "common/utf8.h"
#include "data/embedded_kb.h"

namespace qb::demo {
namespace {

struct TableSpec {
  const char* file;
  EntityKind kind;
  std::vector<Attribute> columns;  // after the name column
};

const std::vector<TableSpec>& table_specs() {
  static const std::vector<TableSpec> specs = {
      {"diseases.txt", EntityKind::kDisease,
       {Attribute::kGroup, Attribute::kDiscipline, Attribute::kDepartment, Attribute::kSymptom,
        Attribute::kTreatment, Attribute::kExam, Attribute::kCause}},
      {"drugs.txt", EntityKind::kDrug,
       {Attribute::kDrugClass, Attribute::kAdverseEffect, Attribute::kContraindication}},
      {"exams.txt", EntityKind::kExam, {Attribute::kExamType, Attribute::kPrecaution}},
  };
  return specs;
}

std::string trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return std::string(s.substr(b, e - b));
}

std::vector<std::string> split_fields(std::string_view line) {
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t bar = line.find('|', start);
    out.push_back(trim(line.substr(start, bar == std::string_view::npos ? bar : bar - start)));
    if (bar == std::string_view::npos) return out;
    start = bar + 1;
  }
}

}  // namespace

const char* attribute_label(Attribute a) {
  static const char* const labels[kAttributeCount] = {
      "疾病类别", "学科", "科室", "典型症状", "首选治疗", "确诊检查",
      "病因",     "药物类别", "常见不良反应", "禁忌", "检查类型", "注意事项"};
  return labels[static_cast<int>(a)];
}

bool is_patient_attribute(Attribute a) {
  switch (a) {
    case Attribute::kGroup:
    case Attribute::kDiscipline:
    case Attribute::kDrugClass:
    case Attribute::kExamType:
      return false;
    default:
      return true;
  }
}

int KnowledgeBase::find(std::string_view name) const {
  auto it = by_name.find(name);
  return it == by_name.end() ? -1 : it->second;
}

std::vector<int> KnowledgeBase::facts_of(int entity) const { return subject_facts[entity]; }
std::vector<int> KnowledgeBase::facts_about(int entity) const { return object_facts[entity]; }

bool KnowledgeBase::related(std::string_view a, std::string_view b) const {
  auto key = std::make_pair(std::string(a), std::string(b));
  return std::binary_search(related_pairs.begin(), related_pairs.end(), key);
}

KnowledgeBase parse_knowledge_base(const std::map<std::string, std::string_view>& files) {
  KnowledgeBase kb;
  struct PendingFact {
    int subject;
    Attribute attribute;
    std::string value;
    std::string where;  // file and line, for an exam value that names no examination
  };
  std::vector<PendingFact> pending;
  for (const auto& spec : table_specs()) {
    auto it = files.find(spec.file);
    if (it == files.end()) throw error_in_file(spec.file, "knowledge-base table is missing");
    std::string_view text = strip_bom(it->second);
    if (auto bad = first_invalid_utf8(text))
      throw error_in_file(spec.file, "invalid UTF-8 at byte " + std::to_string(*bad));
    long line_no = 0;
    size_t rows = 0;
    for (size_t pos = 0; pos <= text.size();) {
      size_t nl = text.find('\n', pos);
      std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
      pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
      ++line_no;
      std::string trimmed = trim(line);
      if (trimmed.empty() || trimmed[0] == '#') continue;
      auto fields = split_fields(line);
      if (fields.size() != spec.columns.size() + 1)
        throw error_at_line(spec.file, line_no,
                            "expected " + std::to_string(spec.columns.size() + 1) +
                                " fields separated by '|', found " + std::to_string(fields.size()));
      for (size_t c = 0; c < fields.size(); ++c)
        if (fields[c].empty())
          throw error_at_line(spec.file, line_no,
                              "field " + std::to_string(c + 1) + " is empty (write '-' for no fact)");
      const std::string& name = fields[0];
      size_t len = count_code_points(name);
      if (name == "-" || len < 2 || len > 6)
        throw error_at_line(spec.file, line_no,
                            "entity name '" + name + "' must be 2 to 6 characters long");
      if (kb.by_name.count(name))
        throw error_at_line(spec.file, line_no, "duplicate entity name '" + name + "'");
      Entity e;
      e.index = static_cast<int>(kb.entities.size());
      e.kind = spec.kind;
      e.name = name;
      e.source = std::string(spec.file) + ":" + std::to_string(line_no);
      kb.by_name.emplace(name, e.index);
      kb.entities.push_back(e);
      for (size_t c = 0; c < spec.columns.size(); ++c)
        if (fields[c + 1] != "-")
          pending.push_back({e.index, spec.columns[c], fields[c + 1], e.source});
      ++rows;
    }
    if (rows == 0) throw error_in_file(spec.file, "knowledge-base table has no rows");
  }
  // A name inside another name would make string checks (and a reader) confuse the two.
  for (const auto& a : kb.entities)
    for (const auto& b : kb.entities)
      if (a.index != b.index && b.name.find(a.name) != std::string::npos)
        throw InputError(b.source, "entity name '" + b.name + "'",
                         "contains the name of entity '" + a.name + "' (" + a.source + ")");
  for (auto& p : pending) {
    Fact f;
    f.id = static_cast<int>(kb.facts.size());
    f.subject = p.subject;
    f.attribute = p.attribute;
    f.value = p.value;
    // Only a treatment or an examination makes the value an entity of its own; another
    // value that happens to be a name (青霉素G's 过敏性休克) stays a plain value.
    if (p.attribute == Attribute::kTreatment || p.attribute == Attribute::kExam) f.object = kb.find(p.value);
    if (p.attribute == Attribute::kExam &&
        (f.object < 0 || kb.entities[f.object].kind != EntityKind::kExam))
      throw InputError(p.where, "确诊检查 '" + p.value + "'", "names no entity of exams.txt");
    if (p.attribute == Attribute::kTreatment && f.object >= 0 &&
        kb.entities[f.object].kind != EntityKind::kDrug)
      throw InputError(p.where, "首选治疗 '" + p.value + "'", "names an entity that is not a drug");
    kb.facts.push_back(std::move(f));
  }
  kb.subject_facts.assign(kb.entities.size(), {});
  kb.object_facts.assign(kb.entities.size(), {});
  for (const auto& f : kb.facts) {
    kb.subject_facts[f.subject].push_back(f.id);
    if (f.object >= 0) kb.object_facts[f.object].push_back(f.id);
    const std::string& s = kb.entities[f.subject].name;
    kb.related_pairs.emplace_back(s, f.value);
    kb.related_pairs.emplace_back(f.value, s);
  }
  std::sort(kb.related_pairs.begin(), kb.related_pairs.end());
  kb.related_pairs.erase(std::unique(kb.related_pairs.begin(), kb.related_pairs.end()),
                         kb.related_pairs.end());
  return kb;
}

const KnowledgeBase& embedded_knowledge_base() {
  static const KnowledgeBase kb = [] {
    std::map<std::string, std::string_view> files;
    for (const auto& f : embedded_kb_files()) files.emplace(std::string(f.name), f.bytes);
    return parse_knowledge_base(files);
  }();
  return kb;
}

}  // namespace qb::demo
