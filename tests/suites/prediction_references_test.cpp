// Pairing other tools' predictions with references (suites/prediction_references.h): from the
// file, or from the dataset by id or by position, with errors when counts or ids disagree, and
// predictions of items a lenient read skipped dropped and counted.
#include <gtest/gtest.h>

#include <map>

#include "common/error.h"
#include "suites/cmexam_reader.h"
#include "suites/huatuo_reader.h"
#include "suites/prediction_references.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::TempDir;
using testing::write_fixture;

ForeignPredictions texts(const std::vector<std::string>& predictions, const std::vector<long>& positions = {}) {
  ForeignPredictions p;
  p.format = "fields";
  p.files = {"pred.jsonl"};
  for (size_t i = 0; i < predictions.size(); ++i) {
    ForeignPrediction r;
    r.file = "pred.jsonl";
    r.where = "line " + std::to_string(i + 1);
    r.position = positions.empty() ? static_cast<long>(i) : positions[i];
    r.text = predictions[i];
    p.records.push_back(r);
  }
  return p;
}

Dataset<HuatuoItem> huatuo_data(const std::vector<std::pair<std::string, std::string>>& items) {
  Dataset<HuatuoItem> d;
  long n = 0;
  for (const auto& [id, answer] : items) {
    HuatuoItem h;
    h.id = id;
    h.record = ++n;
    h.question = "问" + id;
    h.answers = {answer};
    d.records.push_back(h);
  }
  d.report.records_read = n;
  return d;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(PredictionReferences, FromTheFileOrAnErrorAskingForData) {
  auto p = texts({"甲", "乙"});
  p.records[0].reference = "参考甲";
  p.records[1].reference = "参考乙";
  ReferenceMatch m;
  const auto items = match_huatuo_references(p, nullptr, "", m);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].id, "2");  // 1-based position, as qilin-bench numbers records
  EXPECT_EQ(items[1].reference, "参考乙");
  EXPECT_EQ(m.references, "file");
  p.records[1].reference.reset();
  EXPECT_EQ(error_of([&] { match_huatuo_references(p, nullptr, "", m); }),
            "pred.jsonl: line 2: no reference in the file; pass --data (the suite's dataset) to take them from it");
}

TEST(PredictionReferences, ByPositionFollowsTheToolsNumbering) {
  const auto data = huatuo_data({{"a", "参考A"}, {"b", "参考B"}, {"c", "参考C"}});
  auto p = texts({"答0", "答1", "答2"}, {0, 1, 2});
  p.records[2].reference = "参考 C";  // whitespace differs only: agrees
  p.records[1].reference = "别的";
  ReferenceMatch m;
  const auto items = match_huatuo_references(p, &data, "data.jsonl", m);
  EXPECT_EQ(m.references, "data");
  EXPECT_EQ(m.matched_by, "position");
  EXPECT_EQ(items[1].id, "b");
  EXPECT_EQ(items[1].reference, "参考B");  // the data's reference wins
  EXPECT_EQ(m.disagreements, 1);
  ASSERT_EQ(m.examples.size(), 1u);
  EXPECT_EQ(m.examples[0], "line 2: file '别的', data '参考B'");

  auto short_p = texts({"答0", "答1"});
  EXPECT_EQ(error_of([&] { match_huatuo_references(short_p, &data, "data.jsonl", m); }),
            "pred.jsonl: 2 predictions, but data.jsonl has 3 items: without ids the predictions are matched to the data "
            "by position, so the counts must agree (was the tool run on a subset, e.g. lm-eval --limit?)");
  auto far = texts({"答0", "答1", "答2"}, {0, 1, 7});
  EXPECT_EQ(error_of([&] { match_huatuo_references(far, &data, "data.jsonl", m); }),
            "pred.jsonl: line 3: item number 7 (0-based) is beyond the 3 items of data.jsonl");
}

TEST(PredictionReferences, ByIdWhenEveryRecordNamesOne) {
  const auto data = huatuo_data({{"a", "参考A"}, {"b", "参考B"}});
  auto p = texts({"答b", "答a"});
  p.records[0].id = "b";
  p.records[1].id = "a";
  ReferenceMatch m;
  const auto items = match_huatuo_references(p, &data, "data.jsonl", m);
  EXPECT_EQ(m.matched_by, "id");
  EXPECT_EQ(items[0].reference, "参考B");
  p.records[1].id = "z";
  EXPECT_EQ(error_of([&] { match_huatuo_references(p, &data, "data.jsonl", m); }),
            "pred.jsonl: line 2: id 'z' is not an item of data.jsonl");
  p.records[1].id = "b";
  EXPECT_EQ(error_of([&] { match_huatuo_references(p, &data, "data.jsonl", m); }),
            "pred.jsonl: line 2: id 'b' is answered twice");
  auto one = texts({"答a"});
  one.records[0].id = "a";
  EXPECT_EQ(error_of([&] { match_huatuo_references(one, &data, "data.jsonl", m); }),
            "pred.jsonl: 1 of the 2 items of data.jsonl have no prediction (the first: id 'b')");
}

TEST(PredictionReferences, LenientDataDropsThePredictionsOfSkippedItems) {
  TempDir dir;
  const auto csv = write_fixture(dir / "q.csv",
                                 "Question,Options,Answer,Explanation\n"
                                 "问一,\"A 甲\nB 乙\",A,\n"
                                 "问二,\"A 甲\nB 乙\",nan,\n"
                                 "问三,\"A 甲\nB 乙\",B,\n");
  ReadOptions lenient;
  lenient.lenient = true;
  const auto data = read_cmexam(csv, lenient);
  ASSERT_EQ(data.records.size(), 2u);
  auto p = texts({"A", "B", "B"});
  ReferenceMatch m;
  const auto items = match_cmexam_references(p, &data, csv.string(), m);
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[1].question.id, "3");
  EXPECT_EQ(items[1].source->text, "B");
  EXPECT_EQ(m.dropped, 1);
  EXPECT_EQ(m.dropped_examples[0], "line 2: item 2 of " + csv.string() + " was skipped by the lenient read");
}

TEST(PredictionReferences, CMExamQuestionsFromTheFilesChoicesOrAtoE) {
  auto p = texts({"答案是B", "C"});
  p.records[0].reference = "B";
  p.records[1].kind = ForeignAnswerKind::kChoiceLogprobs;
  p.records[1].choices = {{'A', "甲", -1}, {'B', "乙", -2}, {'C', "丙", -3}};
  p.records[1].reference = "AC";
  ReferenceMatch m;
  const auto items = match_cmexam_references(p, nullptr, "", m);
  EXPECT_EQ(items[0].question.options.size(), 5u);  // CMExam's A-E
  EXPECT_EQ(items[0].question.answer, "B");
  EXPECT_EQ(items[1].question.options.size(), 3u);
  EXPECT_EQ(items[1].question.options.at('C'), "丙");
  EXPECT_EQ(items[1].question.answer, "AC");
  p.records[1].reference = "D";
  EXPECT_EQ(error_of([&] { match_cmexam_references(p, nullptr, "", m); }),
            "pred.jsonl: line 2: gold answer: answer 'D' names no option (options: A, B, C)");
  p.records[0].reference.reset();
  EXPECT_EQ(error_of([&] { match_cmexam_references(p, nullptr, "", m); }),
            "pred.jsonl: line 1: no gold answer in the file; pass --data (the CMExam CSV) to take them from it");
}

TEST(PredictionReferences, NumberedChoicesAreTheQuestionsOptionsInOrder) {
  TempDir dir;
  // Real CMExam has a few questions whose options are B-E: lm-eval's choice 0 is then option B.
  const auto csv = write_fixture(dir / "q.csv", "Question,Options,Answer,Explanation\n问,\"B 乙\nC 丙\nD 丁\nE 戊\",C,\n");
  const auto data = read_cmexam(csv);
  auto p = texts({""});
  p.records[0].kind = ForeignAnswerKind::kChoiceLogprobs;
  for (int i = 0; i < 4; ++i) p.records[0].choices.push_back({static_cast<char>('A' + i), "", -1.0 - i, true});
  p.records[0].reference = "B";  // target index 1
  ReferenceMatch m;
  const auto items = match_cmexam_references(p, &data, csv.string(), m);
  EXPECT_EQ(items[0].choice_letters, (std::map<char, char>{{'A', 'B'}, {'B', 'C'}, {'C', 'D'}, {'D', 'E'}}));
  EXPECT_EQ(m.disagreements, 0);  // index 1 is option C, the data's answer
  p.records[0].choices.pop_back();
  EXPECT_EQ(error_of([&] { match_cmexam_references(p, &data, csv.string(), m); }),
            "pred.jsonl: line 1: 3 choices, but question '1' of " + csv.string() + " has 4 options");
}

TEST(PredictionReferences, HuatuoRefusesMultipleChoiceRecords) {
  auto p = texts({"x"});
  p.records[0].kind = ForeignAnswerKind::kLetters;
  ReferenceMatch m;
  EXPECT_EQ(error_of([&] { match_huatuo_references(p, nullptr, "", m); }),
            "pred.jsonl: line 1: holds a multiple-choice answer, not generated text: use --suite cmexam");
}

}  // namespace
}  // namespace qb
