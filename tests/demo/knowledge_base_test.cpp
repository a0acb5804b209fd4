#include <gtest/gtest.h>

#include <set>

#include "common/error.h"
#include "common/utf8.h"
#include "data/knowledge_base.h"
#include "common/splitmix64.h"

namespace qb::demo {
namespace {

std::string error_of(const std::map<std::string, std::string_view>& files) {
  try {
    parse_knowledge_base(files);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

const char kDrugs[] = "# 名称 | 药物类别 | 常见不良反应 | 禁忌\n青霉素G | 青霉素类抗生素 | 过敏反应 | 青霉素过敏者\n";
const char kExams[] = "胸部X线 | 影像学检查 | 去除胸前金属饰物\n";

TEST(KnowledgeBase, EmbeddedTablesHoldTheWrittenEntitiesAndFacts) {
  const auto& kb = embedded_knowledge_base();
  int by_kind[3] = {0, 0, 0};
  for (const auto& e : kb.entities) ++by_kind[static_cast<int>(e.kind)];
  EXPECT_EQ(by_kind[0], 136);  // diseases.txt rows
  EXPECT_EQ(by_kind[1], 71);   // drugs.txt rows
  EXPECT_EQ(by_kind[2], 94);   // exams.txt rows
  EXPECT_GE(kb.entities.size(), 150u);
  EXPECT_EQ(kb.facts.size(), 1306u);
  EXPECT_EQ(kb.entities[0].name, "大叶性肺炎");
  EXPECT_EQ(kb.entities[0].source, "diseases.txt:3");
  // The first disease's facts, in table column order.
  auto facts = kb.facts_of(0);
  ASSERT_EQ(facts.size(), 7u);
  EXPECT_EQ(kb.facts[facts[4]].attribute, Attribute::kTreatment);
  EXPECT_EQ(kb.facts[facts[4]].value, "青霉素G");
  EXPECT_EQ(kb.entities[kb.facts[facts[4]].object].name, "青霉素G");
  EXPECT_EQ(kb.facts[facts[5]].value, "胸部X线");
}

TEST(KnowledgeBase, NamesAreShortUniqueAndNeverInsideAnotherName) {
  const auto& kb = embedded_knowledge_base();
  std::set<std::string> names;
  for (const auto& e : kb.entities) {
    size_t n = count_code_points(e.name);
    EXPECT_GE(n, 2u) << e.name;
    EXPECT_LE(n, 6u) << e.name;
    EXPECT_TRUE(names.insert(e.name).second) << e.name;
  }
  for (const auto& a : kb.entities)
    for (const auto& b : kb.entities)
      if (a.index != b.index) EXPECT_EQ(b.name.find(a.name), std::string::npos) << a.name << " in " << b.name;
}

TEST(KnowledgeBase, ExamsAndDrugTreatmentsNameEntitiesOfTheRightKind) {
  const auto& kb = embedded_knowledge_base();
  int exams = 0, drug_treatments = 0, drug_indications = 0;
  for (const auto& f : kb.facts) {
    if (f.attribute == Attribute::kExam) {
      ASSERT_GE(f.object, 0) << f.value;
      EXPECT_EQ(kb.entities[f.object].kind, EntityKind::kExam);
      ++exams;
    }
    if (f.attribute == Attribute::kTreatment && f.object >= 0) {
      EXPECT_EQ(kb.entities[f.object].kind, EntityKind::kDrug);
      ++drug_treatments;
    }
  }
  for (const auto& e : kb.entities)
    if (e.kind == EntityKind::kDrug) drug_indications += kb.facts_about(e.index).empty() ? 0 : 1;
  EXPECT_EQ(exams, 120);            // diseases with a 确诊检查 (16 have "-")
  EXPECT_EQ(drug_treatments, 88);   // diseases whose 首选治疗 is a drug of drugs.txt
  EXPECT_EQ(drug_indications, 71);  // every drug is some disease's first-line treatment
  EXPECT_TRUE(kb.related("大叶性肺炎", "青霉素G"));
  EXPECT_TRUE(kb.related("青霉素G", "大叶性肺炎"));
  EXPECT_FALSE(kb.related("大叶性肺炎", "阿莫西林"));
  // A value that happens to name an entity is related but is no object (no reverse sentence).
  int penicillin = kb.find("青霉素G");
  EXPECT_TRUE(kb.related("青霉素G", "过敏性休克"));
  for (int id : kb.facts_of(penicillin)) EXPECT_EQ(kb.facts[id].object, -1);
  EXPECT_EQ(kb.facts_about(kb.find("过敏性休克")).size(), 0u);
}

TEST(KnowledgeBase, WrongFieldCountNamesFileAndLine) {
  EXPECT_EQ(error_of({{"diseases.txt", "# header\n\n肺炎 | 呼吸系统疾病 | 内科学\n"},
                      {"drugs.txt", kDrugs},
                      {"exams.txt", kExams}}),
            "diseases.txt: line 3: expected 8 fields separated by '|', found 3");
}

TEST(KnowledgeBase, EmptyFieldLongNameAndDuplicateAreRejected) {
  const std::string row = " | 呼吸系统疾病 | 内科学 | 呼吸内科 | 铁锈色痰 | 青霉素G | 胸部X线 | 肺炎链球菌\n";
  std::string empty = "大叶性肺炎 | 呼吸系统疾病 | 内科学 |  | 铁锈色痰 | 青霉素G | 胸部X线 | -\n";
  EXPECT_EQ(error_of({{"diseases.txt", empty}, {"drugs.txt", kDrugs}, {"exams.txt", kExams}}),
            "diseases.txt: line 1: field 4 is empty (write '-' for no fact)");
  std::string long_name = "社区获得性大叶性肺炎" + row;
  EXPECT_EQ(error_of({{"diseases.txt", long_name}, {"drugs.txt", kDrugs}, {"exams.txt", kExams}}),
            "diseases.txt: line 1: entity name '社区获得性大叶性肺炎' must be 2 to 6 characters long");
  std::string dup = "大叶性肺炎" + row + "大叶性肺炎" + row;
  EXPECT_EQ(error_of({{"diseases.txt", dup}, {"drugs.txt", kDrugs}, {"exams.txt", kExams}}),
            "diseases.txt: line 2: duplicate entity name '大叶性肺炎'");
}

TEST(KnowledgeBase, NameInsideAnotherNameAndUnknownExamAreRejected) {
  const std::string row = " | 呼吸系统疾病 | 内科学 | 呼吸内科 | 铁锈色痰 | 青霉素G | 胸部X线 | 肺炎链球菌\n";
  EXPECT_EQ(error_of({{"diseases.txt", "肺炎" + row + "大叶性肺炎" + row}, {"drugs.txt", kDrugs}, {"exams.txt", kExams}}),
            "diseases.txt:2: entity name '大叶性肺炎': contains the name of entity '肺炎' (diseases.txt:1)");
  std::string unknown = "大叶性肺炎 | 呼吸系统疾病 | 内科学 | 呼吸内科 | 铁锈色痰 | 青霉素G | 胸部CT | -\n";
  EXPECT_EQ(error_of({{"diseases.txt", unknown}, {"drugs.txt", kDrugs}, {"exams.txt", kExams}}),
            "diseases.txt:1: 确诊检查 '胸部CT': names no entity of exams.txt");
  EXPECT_EQ(error_of({{"diseases.txt", "大叶性肺炎" + row}, {"drugs.txt", kDrugs}}),
            "exams.txt: knowledge-base table is missing");
  EXPECT_EQ(error_of({{"diseases.txt", "# only a comment\n"}, {"drugs.txt", kDrugs}, {"exams.txt", kExams}}),
            "diseases.txt: knowledge-base table has no rows");
}

TEST(SplitMix64, MatchesTheReferenceSequence) {
  // Reference values of splitmix64 from seed 0 (Vigna's splitmix64.c; recomputed with
  // Python integers).
  SplitMix64 r(0);
  EXPECT_EQ(r.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(r.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(r.next(), 0x06c45d188009454fULL);
  SplitMix64 a = SplitMix64::stream(7, 1), b = SplitMix64::stream(7, 1), c = SplitMix64::stream(7, 2);
  uint64_t x = a.next();
  EXPECT_EQ(x, b.next());
  EXPECT_NE(x, c.next());
  for (int i = 0; i < 1000; ++i) EXPECT_LT(a.below(5), 5u);
}

}  // namespace
}  // namespace qb::demo
