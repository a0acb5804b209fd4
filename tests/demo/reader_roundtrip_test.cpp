// Every demo-world file read back through the suites/ readers, strict mode.
#include <gtest/gtest.h>

#include <set>

#include "data/demo_world.h"
#include "data/knowledge_base.h"
#include "suites/cmexam_reader.h"
#include "suites/data_format.h"
#include "suites/dcpt_reader.h"
#include "suites/dpo_reader.h"
#include "suites/huatuo_reader.h"
#include "suites/rag_reader.h"
#include "suites/sft_reader.h"
#include "tests/testing/testing.h"

namespace qb::demo {
namespace {

class DemoFiles : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    files_ = new std::vector<DemoFile>(write_demo_world(dir_->path(), 1234));
  }
  static void TearDownTestSuite() {
    delete files_;
    delete dir_;
  }
  static long records(const std::string& name) {
    for (const auto& f : *files_)
      if (f.name == name) return f.records;
    return -1;
  }
  static std::filesystem::path path(const std::string& name) { return dir_->path() / name; }
  static testing::TempDir* dir_;
  static std::vector<DemoFile>* files_;
};
testing::TempDir* DemoFiles::dir_ = nullptr;
std::vector<DemoFile>* DemoFiles::files_ = nullptr;

void check_questions(const Dataset<CMExamQuestion>& ds, long expected, int min_multi, int max_multi) {
  EXPECT_EQ(ds.report.layout, "cmexam-9col");
  ASSERT_EQ(static_cast<long>(ds.records.size()), expected);
  int multi = 0;
  for (const auto& q : ds.records) {
    ASSERT_EQ(q.options.size(), 5u) << q.line;
    std::set<std::string> texts;
    for (const auto& [letter, text] : q.options) texts.insert(text);
    EXPECT_EQ(texts.size(), 5u) << "options repeat at line " << q.line;
    EXPECT_FALSE(q.answer.empty());
    for (char c : q.answer) EXPECT_TRUE(q.options.count(c)) << q.line;
    multi += q.multi_answer();
    EXPECT_NE(q.explanation.find("故选" + q.answer), std::string::npos) << q.line;
    for (const char* col : kCMExamAnnotationColumns) {
      ASSERT_TRUE(q.annotations.count(col)) << col;
      EXPECT_FALSE(q.annotations.at(col).empty()) << col << " line " << q.line;
    }
    int difficulty = std::stoi(q.annotations.at("Difficulty level"));
    EXPECT_GE(difficulty, 1);
    EXPECT_LE(difficulty, 5);
  }
  EXPECT_GE(multi, min_multi);
  EXPECT_LE(multi, max_multi);
}

TEST_F(DemoFiles, CMExamFilesReadAsTheOfficialNineColumnLayout) {
  auto test = read_cmexam(path("cmexam_test.csv"));
  // ~3 % multi-answer: 6 of 206 in the default world.
  check_questions(test, records("cmexam_test.csv"), 5, 7);
  auto train = read_cmexam(path("cmexam_train.csv"));
  check_questions(train, records("cmexam_train.csv"), 4, 5);
  // Distractors are of the answer's kind: a drug question offers only treatments, which
  // the knowledge base lists as 首选治疗 values.
  const auto& kb = embedded_knowledge_base();
  std::set<std::string> treatments;
  for (const auto& f : kb.facts)
    if (f.attribute == Attribute::kTreatment) treatments.insert(f.value);
  int checked = 0;
  for (const auto& q : test.records)
    if (q.question.size() > 18 && q.question.compare(q.question.size() - 18, 18, "的首选治疗是") == 0) {
      for (const auto& [letter, text] : q.options) EXPECT_TRUE(treatments.count(text)) << text;
      ++checked;
    }
  EXPECT_GT(checked, 0);
}

TEST_F(DemoFiles, HuatuoSftDpoDcptAndRagFilesReadBack) {
  auto huatuo = read_huatuo(path("huatuo_test.jsonl"));
  EXPECT_EQ(huatuo.report.layout, "huatuo-jsonl");
  EXPECT_EQ(static_cast<long>(huatuo.records.size()), records("huatuo_test.jsonl"));
  for (const auto& item : huatuo.records) {
    ASSERT_EQ(item.answers.size(), 1u);
    EXPECT_LE(item.answers[0].size(), 3u * 60);  // short references: generation is the slow part
  }
  auto sft = read_sft(path("sft.jsonl"));
  EXPECT_EQ(sft.report.layout, "sft-sharegpt");
  ASSERT_EQ(static_cast<long>(sft.records.size()), records("sft.jsonl"));
  for (const auto& d : sft.records) {
    ASSERT_EQ(d.turns.size(), 2u);
    EXPECT_EQ(d.turns[0].role, "user");
    EXPECT_EQ(d.turns[1].role, "assistant");
  }
  auto dpo = read_dpo(path("dpo.jsonl"));
  EXPECT_EQ(dpo.report.layout, "dpo-question");
  EXPECT_EQ(static_cast<long>(dpo.records.size()), records("dpo.jsonl"));
  auto dcpt = read_dcpt(path("dcpt.txt"));
  EXPECT_EQ(dcpt.report.layout, "dcpt-lines");
  EXPECT_EQ(static_cast<long>(dcpt.records.size()), records("dcpt.txt"));
  auto rag = read_rag(path("rag_corpus.txt"));
  EXPECT_EQ(rag.report.layout, "rag-lines");
  EXPECT_EQ(static_cast<long>(rag.records.size()), records("rag_corpus.txt"));
  EXPECT_EQ(rag.records[0].text.rfind("大叶性肺炎：", 0), 0u);
}

// Few-shot examples come from cmexam_train.csv: what a prompt can show of them (question,
// options, explanation) never names a test fact's subject together with its value.
TEST_F(DemoFiles, FewShotPoolNeverStatesATestFact) {
  const auto& kb = embedded_knowledge_base();
  std::vector<std::pair<std::string, std::string>> test_pairs;
  DemoWorld w = build_demo_world(1234);
  for (const auto& f : kb.facts)
    if (w.test_fact[f.id]) test_pairs.emplace_back(kb.entities[f.subject].name, f.value);
  ASSERT_EQ(test_pairs.size(), 200u);
  auto train = read_cmexam(path("cmexam_train.csv"));
  for (const auto& q : train.records) {
    std::string text = q.question + "\n" + q.explanation;
    for (const auto& [letter, option] : q.options) text += "\n" + option;
    for (const auto& [s, v] : test_pairs)
      EXPECT_FALSE(text.find(s) != std::string::npos && text.find(v) != std::string::npos)
          << "line " << q.line << " states test fact " << s << " -> " << v;
  }
}

TEST_F(DemoFiles, ContentDetectionNamesEachFilesKind) {
  for (const auto& f : *files_) {
    if (f.stage == "meta") continue;
    // rag_corpus.txt is plain text, which detection reads as DCPT; the pipeline passes
    // --format rag for it (docs/DEMO_WORLD.md).
    std::string expected = f.format == "rag" ? "dcpt" : f.format;
    EXPECT_EQ(format_name(detect_format(path(f.name))), expected) << f.name;
  }
}

}  // namespace
}  // namespace qb::demo
