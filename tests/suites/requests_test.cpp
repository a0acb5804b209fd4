// Request builders: the Qilin-Med CMExam prompt, letter/cloze continuations, seeded
// few-shot selection, the Huatuo template and the RAG prompt hook.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "suites/cmexam_reader.h"
#include "suites/cmexam_requests.h"
#include "suites/csv_reader.h"
#include "suites/huatuo_requests.h"
#include "suites/rag_prompt.h"
#include "tests/testing/testing.h"

namespace {

using Strings = std::vector<std::string>;

qb::CMExamQuestion question(const std::string& id, const std::string& text, const std::string& answer = "A") {
  qb::CMExamQuestion q;
  q.id = id;
  q.question = text;
  q.options = {{'A', "甲"}, {'B', "乙"}, {'C', "丙"}};
  q.answer = answer;
  return q;
}

TEST(CMExamPrompt, QilinMedForm) {
  auto q = question("1", "哪个是对的");
  EXPECT_EQ(qb::cmexam_options_block(q), "A 甲\nB 乙\nC 丙");
  EXPECT_EQ(qb::cmexam_prompt(q), "哪个是对的\nA 甲\nB 乙\nC 丙\n答案：");
}

// Parity with Qilin-Med's eval/CMExam format_example, which concatenates the raw cells:
// Question + "\n" + Options + "\n答案：". Built here from the raw CSV fields independently
// of the option parser (the 4-column file's literal backslash-n becomes a newline).
void expect_prompt_parity(const std::filesystem::path& path) {
  auto ds = qb::read_cmexam(path, qb::ReadOptions{true});
  std::ifstream in(path, std::ios::binary);
  qb::CsvReader csv(in, path.string());
  qb::CsvRecord rec;
  ASSERT_TRUE(csv.next(rec));  // header
  size_t i = 0, checked = 0;
  while (csv.next(rec)) {
    if (i < ds.records.size() && ds.records[i].line == rec.line) {
      std::string opts = rec.fields[1];
      for (size_t p; (p = opts.find("\\n")) != std::string::npos;) opts.replace(p, 2, "\n");
      ASSERT_EQ(qb::cmexam_prompt(ds.records[i]), rec.fields[0] + "\n" + opts + "\n答案：") << "line " << rec.line;
      ++i;
      ++checked;
    }
  }
  EXPECT_EQ(checked, ds.records.size());
}

TEST(CMExamPrompt, ParityWithRawCellsOnRealFiles) {
  QILIN_REQUIRE_SHARED(nine, "cmexam/qilinmed_test_10.csv");
  QILIN_REQUIRE_SHARED(four, "cmexam/cmexam_val_6811.csv");
  expect_prompt_parity(nine);
  expect_prompt_parity(four);
}

TEST(CMExamRequests, LetterAndTextContinuations) {
  auto q = question("q1", "问题");
  auto r = qb::build_cmexam_requests(q);
  EXPECT_EQ(r.loglik.id, "q1");
  EXPECT_EQ(r.loglik.context, "问题\nA 甲\nB 乙\nC 丙\n答案：");
  EXPECT_EQ(r.loglik.continuations, (Strings{"A", "B", "C"}));
  EXPECT_EQ(r.generate.prompt, r.loglik.context);
  EXPECT_EQ(r.generate.max_new_tokens, 32);
  EXPECT_EQ(r.generate.stop, (Strings{"\n\n"}));
  EXPECT_TRUE(r.shot_ids.empty());

  qb::CMExamPromptOptions o;
  o.style = qb::ContinuationStyle::kText;
  r = qb::build_cmexam_requests(q, o);
  EXPECT_EQ(r.loglik.context, "问题\n答案：");
  EXPECT_EQ(r.loglik.continuations, (Strings{"甲", "乙", "丙"}));
  EXPECT_EQ(r.generate.prompt, "问题\nA 甲\nB 乙\nC 丙\n答案：");  // generation always sees the options
}

std::vector<qb::CMExamQuestion> train_set() {
  std::vector<qb::CMExamQuestion> t;
  for (int i = 1; i <= 20; ++i) t.push_back(question("t" + std::to_string(i), "训练题" + std::to_string(i), "B"));
  return t;
}

TEST(CMExamRequests, FewShotIsSeededPerQuestionAndLogged) {
  auto train = train_set();
  qb::CMExamPromptOptions o;
  o.k_shot = 3;
  o.seed = 42;
  o.train = &train;
  auto r = qb::build_cmexam_requests(question("q7", "测试题"), o);
  // Expected ids from an independent Python re-implementation of splitmix64 + FNV-1a +
  // partial Fisher-Yates (seed 42 ^ fnv1a("q7")).
  EXPECT_EQ(r.shot_ids, (Strings{"t12", "t15", "t3"}));
  EXPECT_EQ(r.loglik.context,
            "训练题12\nA 甲\nB 乙\nC 丙\n答案：B\n\n"
            "训练题15\nA 甲\nB 乙\nC 丙\n答案：B\n\n"
            "训练题3\nA 甲\nB 乙\nC 丙\n答案：B\n\n"
            "测试题\nA 甲\nB 乙\nC 丙\n答案：");
  o.style = qb::ContinuationStyle::kText;
  auto cloze = qb::build_cmexam_requests(question("q7", "测试题"), o);
  EXPECT_EQ(cloze.shot_ids, r.shot_ids);
  EXPECT_EQ(cloze.loglik.context, "训练题12\n答案：乙\n\n训练题15\n答案：乙\n\n训练题3\n答案：乙\n\n测试题\n答案：");
  EXPECT_EQ(cloze.generate.prompt, r.generate.prompt);  // generation keeps the lettered prompt
  o.style = qb::ContinuationStyle::kLetter;
  // Same seed and id: same shots, whatever else was built before.
  qb::build_cmexam_requests(question("q8", "别的"), o);
  EXPECT_EQ(qb::build_cmexam_requests(question("q7", "测试题"), o).shot_ids, r.shot_ids);
  o.seed = 43;
  EXPECT_NE(qb::build_cmexam_requests(question("q7", "测试题"), o).shot_ids, r.shot_ids);
}

TEST(CMExamRequests, ClozeShotsJoinMultiAnswerTexts) {
  std::vector<qb::CMExamQuestion> train{question("t1", "多选题", "AC")};
  qb::CMExamPromptOptions o;
  o.k_shot = 1;
  o.train = &train;
  o.style = qb::ContinuationStyle::kText;
  auto r = qb::build_cmexam_requests(question("q", "问"), o);
  EXPECT_EQ(r.loglik.context, "多选题\n答案：甲；丙\n\n问\n答案：");
  EXPECT_EQ(r.generate.prompt, "多选题\nA 甲\nB 乙\nC 丙\n答案：AC\n\n问\nA 甲\nB 乙\nC 丙\n答案：");
}

TEST(CMExamRequests, FewShotNeverUsesTheQuestionItselfAndChecksPoolSize) {
  auto train = train_set();
  qb::CMExamPromptOptions o;
  o.k_shot = 19;
  o.train = &train;
  for (uint64_t seed = 0; seed < 20; ++seed) {
    o.seed = seed;
    auto ids = qb::build_cmexam_requests(question("t5", "other text"), o).shot_ids;
    std::set<std::string> uniq(ids.begin(), ids.end());
    EXPECT_EQ(uniq.size(), 19u);
    EXPECT_EQ(uniq.count("t5"), 0u);
  }
  o.k_shot = 20;
  try {
    qb::build_cmexam_requests(question("x", "训练题4"), o);  // same text as t4: excluded
    FAIL() << "expected an error";
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "few-shot: k_shot is 20 but the train list has only 19 usable examples");
  }
  o.train = nullptr;
  EXPECT_THROW(qb::build_cmexam_requests(question("x", "y"), o), std::invalid_argument);
}

TEST(HuatuoRequest, DefaultAndCustomTemplate) {
  qb::HuatuoItem it;
  it.id = "9";
  it.question = "头痛怎么办";
  auto r = qb::build_huatuo_request(it);
  EXPECT_EQ(r.id, "9");
  EXPECT_EQ(r.prompt, "问：头痛怎么办\n答：");
  EXPECT_EQ(r.max_new_tokens, 256);
  qb::HuatuoPromptOptions o;
  o.prompt_template = "{question}";
  o.max_new_tokens = 64;
  r = qb::build_huatuo_request(it, o);
  EXPECT_EQ(r.prompt, "头痛怎么办");
  EXPECT_EQ(r.max_new_tokens, 64);
  o.prompt_template = "no slot";
  EXPECT_THROW(qb::build_huatuo_request(it, o), std::invalid_argument);
}

TEST(RagPrompt, DefaultTemplateCustomTemplateAndNoPassages) {
  EXPECT_EQ(qb::with_passages("问题\n答案：", {"p1", "p2"}), "参考资料：\np1\np2\n\n问题\n答案：");
  EXPECT_EQ(qb::with_passages("P", {}), "P");
  EXPECT_EQ(qb::with_passages("P{passages}", {"x{prompt}"}, "[{passages}] {prompt}"), "[x{prompt}] P{passages}");
  EXPECT_THROW(qb::with_passages("P", {"x"}, "{passages} only"), std::invalid_argument);
}

}  // namespace
