// Other tools' prediction files (suites/prediction_formats.h): each layout read into typed
// records, recognised from its content, and rejected with a message naming the file, the place
// and the problem when malformed or ambiguous. The fixtures under
// tests/suites/fixtures/predictions/ were written for this project from the layouts in
// docs/FORMATS.md; the small malformed files are written here.
#include <gtest/gtest.h>

#include "common/error.h"
#include "suites/prediction_formats.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::TempDir;
using testing::write_fixture;
namespace fs = std::filesystem;

fs::path fixture(const std::string& rel) {
  return testing::source_dir() / "tests" / "suites" / "fixtures" / "predictions" / rel;
}

ForeignPredictions read(const fs::path& p, const std::string& format = "", const std::string& filter = "") {
  ForeignReadOptions o;
  o.format = format;
  o.filter = filter;
  return read_foreign_predictions(p, o);
}

// The message of the InputError reading `p` throws ("(no error)" when it reads).
std::string error_of(const fs::path& p, const ForeignReadOptions& o) {
  try {
    read_foreign_predictions(p, o);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}
std::string error_of(const fs::path& p, const std::string& format = "") {
  ForeignReadOptions o;
  o.format = format;
  return error_of(p, o);
}

const char* const kHuatuoPredictions[] = {"建议多喝水休息，高烧时服用退烧药。", "少吃盐，多吃蔬菜，戒烟。",
                                         "多饮多尿，体重下降。", "", "睡前不要玩手机，规律作息。"};

TEST(PredictionFormats, LlamaFactoryBothLayoutsAndItsOwnScores) {
  for (const char* dir : {"sft-predict", "sft-predict-0.8.2"}) {
    const auto p = read(fixture(std::string("llamafactory/") + dir + "/generated_predictions.jsonl"));
    EXPECT_EQ(p.format, "llamafactory");
    ASSERT_EQ(p.records.size(), 5u);
    for (size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(p.records[i].kind, ForeignAnswerKind::kText);
      EXPECT_EQ(p.records[i].text, kHuatuoPredictions[i]);
      EXPECT_EQ(p.records[i].position, static_cast<long>(i));
    }
    EXPECT_EQ(*p.records[1].reference, "低盐低脂饮食，多吃蔬菜水果，戒烟限酒。");
  }
  const auto with_prompt = read(fixture("llamafactory/sft-predict/generated_predictions.jsonl"));
  EXPECT_EQ(with_prompt.layout, "llamafactory-prompt-predict-label");
  EXPECT_EQ(read(fixture("llamafactory/sft-predict-0.8.2/generated_predictions.jsonl")).layout,
            "llamafactory-label-predict");
  ASSERT_TRUE(with_prompt.reported);
  EXPECT_EQ(with_prompt.reported->tool, "llamafactory");
  ASSERT_EQ(with_prompt.reported->scores.size(), 4u);  // bleu-4, rouge-1, rouge-2, rouge-l; runtime etc. are not scores
  EXPECT_EQ(with_prompt.reported->scores[0].name, "predict_bleu-4");
  EXPECT_DOUBLE_EQ(with_prompt.reported->scores[0].value, 18.0065);
  EXPECT_EQ(with_prompt.reported->scores[0].ours, "bleu4");
  EXPECT_EQ(with_prompt.reported->scores[0].protocol,
            "bleu4|tok:python-chars|ws:keep|agg:sentence-mean|smooth:nltk-method3|round:4");
  EXPECT_EQ(with_prompt.reported->scores[3].ours, "rougeL");
}

TEST(PredictionFormats, LlamaFactoryRewardModelFileIsRefusedByName) {
  const auto f = fixture("llamafactory/rm-predict/generated_predictions.jsonl");
  EXPECT_EQ(error_of(f), f.string() +
                             ": line 1: this is the generated_predictions.jsonl of a LLaMA-Factory reward-model run "
                             "(`chosen`/`rejected` reward scores), not generated text: there is nothing to re-score");
}

TEST(PredictionFormats, LmEvalGenerateSortsRanksByDocIdAndReadsItsResults) {
  const auto p = read(fixture("lm-eval/demo-model/samples_huatuo_gen_2026-01-02T03-04-05.678901.jsonl"));
  EXPECT_EQ(p.format, "lm-eval");
  EXPECT_EQ(p.layout, "lm-eval-generate");
  ASSERT_EQ(p.records.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {  // the file holds rank 0's docs 0, 2, 4, then rank 1's 1, 3
    EXPECT_EQ(p.records[i].position, static_cast<long>(i));
    EXPECT_EQ(p.records[i].text, kHuatuoPredictions[i]);
  }
  EXPECT_EQ(p.records[1].where, "line 4");
  ASSERT_TRUE(p.reported);
  ASSERT_EQ(p.reported->scores.size(), 1u);  // bleu,none; its stderr is not a score
  EXPECT_EQ(p.reported->scores[0].name, "bleu,none");
  EXPECT_EQ(p.reported->scores[0].ours, "");  // lm-eval's sacreBLEU is not one of ours
  const auto old = read(fixture("lm-eval-0.4.2/pretrained__demo-model_huatuo_gen.jsonl"));
  EXPECT_EQ(old.layout, "lm-eval-generate (0.4.0-0.4.2 JSON list)");
  ASSERT_EQ(old.records.size(), 5u);
  EXPECT_EQ(old.records[4].text, kHuatuoPredictions[4]);
  EXPECT_EQ(old.records[4].where, "record 5");
}

TEST(PredictionFormats, LmEvalMultipleChoiceLogprobsContinuationsAndTargets) {
  for (const char* f : {"lm-eval/demo-model/samples_cmexam_mc_2026-01-02T04-00-00.000001.jsonl",
                        "lm-eval-0.4.2/pretrained__demo-model_cmexam_mc.jsonl"}) {
    const auto p = read(fixture(f));
    EXPECT_EQ(p.layout.rfind("lm-eval-multiple-choice", 0), 0u) << p.layout;
    ASSERT_EQ(p.records.size(), 5u);
    const auto& r = p.records[1];
    EXPECT_EQ(r.kind, ForeignAnswerKind::kChoiceLogprobs);
    ASSERT_EQ(r.choices.size(), 5u);
    EXPECT_EQ(r.choices[1].label, 'B');
    EXPECT_EQ(r.choices[1].logprob, -2.5);
    EXPECT_EQ(r.choices[1].continuation, "钙通道阻滞剂");  // lm-eval's target_delimiter " " removed
    EXPECT_EQ(*r.reference, "AB");                        // a list of target indices
    EXPECT_EQ(*p.records[4].reference, "C");               // target 2 ("2" in >= 0.4.3)
    ASSERT_TRUE(p.reported);
    EXPECT_EQ(p.reported->scores[0].name, "acc,none");
    EXPECT_DOUBLE_EQ(p.reported->scores[0].percent, 80.0);
    EXPECT_EQ(p.reported->scores[0].protocol, "acc|lm-eval|task:cmexam_mc|filter:none|argmax:sum-logprob");
  }
}

TEST(PredictionFormats, LmEvalFiltersRawByDefaultNamedOrByPassBefore047) {
  const auto f = fixture("lm-eval/demo-model/samples_cmexam_gen_2026-01-02T04-00-00.000001.jsonl");
  const auto raw = read(f);  // two filters, ten lines: one record per doc, the raw response
  ASSERT_EQ(raw.records.size(), 5u);
  EXPECT_EQ(raw.records[1].text, "A、B");
  EXPECT_EQ(raw.filter, "");
  const auto flexible = read(f, "", "flexible-extract");
  EXPECT_EQ(flexible.records[1].text, "AB");
  EXPECT_EQ(flexible.records[1].where, "line 7");
  EXPECT_EQ(read(f, "", "strict-match").records[1].text, "[invalid]");
  ForeignReadOptions o;
  o.filter = "majority";
  EXPECT_EQ(error_of(f, o), f.string() + ": no lines for filter 'majority'; the file's filters are: strict-match, flexible-extract");

  const auto old = fixture("lm-eval-0.4.5/demo-model/samples_cmexam_gen_2024-09-01T10-00-00.000000.jsonl");
  EXPECT_EQ(read(old, "", "2").records[1].text, "AB");
  EXPECT_EQ(read(old, "", "1").records[1].text, "[invalid]");
  EXPECT_EQ(read(old).records[1].text, "A、B");
  o.filter = "flexible-extract";
  EXPECT_EQ(error_of(old, o), old.string() +
                                  ": its lines do not name a filter (lm-eval before 0.4.7): pass --filter K, the 1-based "
                                  "position of the filter in the task's filter_list, instead of 'flexible-extract'");
  o.filter = "3";
  EXPECT_EQ(error_of(old, o), old.string() + ": doc_id 0 has 2 line(s), so there is no filter pass 3");
}

TEST(PredictionFormats, OpenCompassGenPplAndSplitParts) {
  const auto whole = read(fixture("opencompass/predictions/demo-model/huatuo.json"));
  EXPECT_EQ(whole.layout, "opencompass-gen");
  ASSERT_EQ(whole.records.size(), 5u);
  EXPECT_EQ(whole.records[3].where, "key '3'");
  EXPECT_EQ(whole.records[3].text, "");
  for (const char* part : {"huatuo_split_0.json", "huatuo_split.json"}) {  // the first part, or the name without _N
    const auto split = read(fixture(std::string("opencompass/predictions/demo-model/") + part), "opencompass");
    EXPECT_EQ(split.layout, "opencompass-gen (split parts)");
    ASSERT_EQ(split.files.size(), 2u);
    ASSERT_EQ(split.records.size(), 5u);
    for (size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(split.records[i].position, static_cast<long>(i));
      EXPECT_EQ(split.records[i].text, whole.records[i].text);
      EXPECT_EQ(*split.records[i].reference, *whole.records[i].reference);
    }
    EXPECT_EQ(split.records[3].where, "key '0'");  // each part numbers its items from "0"
    EXPECT_EQ(split.records[3].file, split.files[1]);
  }
  const auto ppl = read(fixture("opencompass/predictions/demo-model/cmexam_ppl.json"));
  EXPECT_EQ(ppl.layout, "opencompass-ppl");
  EXPECT_EQ(ppl.records[3].kind, ForeignAnswerKind::kLetters);
  EXPECT_EQ(ppl.records[3].letters, "B");
  EXPECT_EQ(ppl.records[3].choices.size(), 5u);
  EXPECT_EQ(*ppl.records[1].reference, "AB");
}

TEST(PredictionFormats, EvalScopeReviewsAndPredictions) {
  const auto reviews = read(fixture("evalscope/reviews/demo-model/cmexam_default.jsonl"));
  EXPECT_EQ(reviews.layout, "evalscope-reviews");
  EXPECT_EQ(reviews.records[2].text, "CT检查可见阑尾增粗");
  EXPECT_EQ(*reviews.records[2].reference, "B");
  ASSERT_TRUE(reviews.reported);
  EXPECT_EQ(reviews.reported->scores[0].name, "mean acc");
  EXPECT_DOUBLE_EQ(reviews.reported->scores[0].percent, 40.0);
  const auto predictions = read(fixture("evalscope/predictions/demo-model/huatuo_default.jsonl"));
  EXPECT_EQ(predictions.layout, "evalscope-predictions");
  EXPECT_EQ(predictions.records[0].text, kHuatuoPredictions[0]);  // the text part; the reasoning part is not the answer
  EXPECT_FALSE(predictions.records[0].reference);
}

TEST(PredictionFormats, CMExamScriptCsvsCarryTheirQuestions) {
  const auto gpt = read(fixture("cmexam/test_with_gpt.csv"));
  EXPECT_EQ(gpt.layout, "cmexam-csv (raw_prediction)");
  ASSERT_EQ(gpt.records.size(), 5u);
  ASSERT_TRUE(gpt.records[1].question);
  EXPECT_EQ(gpt.records[1].question->answer, "AB");
  EXPECT_EQ(gpt.records[1].question->options.at('B'), "钙通道阻滞剂");
  EXPECT_EQ(gpt.records[1].question->annotations.at("Clinical Department"), "心血管内科");
  EXPECT_EQ(gpt.records[1].question->annotations.count("predicted_answer"), 0u);  // the tool's columns are not annotations
  EXPECT_EQ(gpt.records[1].text, "A、B");
  ASSERT_TRUE(gpt.reported);  // evaluate_gpt_result.py: predicted_answer == Answer over rows that have one: 3 of 4
  EXPECT_DOUBLE_EQ(gpt.reported->scores[0].value, 0.75);

  const auto qilin = read(fixture("qilin-med/医疗_test.csv"));
  EXPECT_EQ(qilin.layout, "cmexam-csv (model_output)");
  EXPECT_EQ(qilin.records[4].position, 4);  // the pandas index column
  EXPECT_EQ(qilin.records[4].question->annotations.count(""), 0u);
  ASSERT_TRUE(qilin.reported);
  EXPECT_EQ(qilin.reported->tool, "qilin-med");
  EXPECT_DOUBLE_EQ(qilin.reported->scores[0].percent, 40.0);
}

TEST(PredictionFormats, CMExamCsvWithBomAndItsErrors) {
  TempDir dir;
  const std::string header = "\xEF\xBB\xBF,Question,Options,Answer,Explanation,model_output,correctness\n";
  const auto bom = write_fixture(dir / "bom.csv", header + "0,问题一,\"A 甲\nB 乙\",B,,答案：B,1\n");
  const auto p = read(bom);
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].text, "答案：B");

  const auto zero_shot = write_fixture(dir / "zero.csv", ",Question,Options,Answer,Explanation,correctness\n0,问,\"A 甲\nB 乙\",B,,1\n");
  EXPECT_EQ(error_of(zero_shot, "cmexam-csv"),
            zero_shot.string() +
                ": line 1: a 'correctness' column but no 'model_output': Qilin-Med writes the model's answers only for "
                "few-shot runs, so this zero-shot file has nothing to re-score");
  const auto both = write_fixture(dir / "both.csv", "Question,Options,Answer,raw_prediction,model_output\n问,\"A 甲\",A,A,A\n");
  EXPECT_EQ(error_of(both), both.string() +
                                ": line 1: ambiguous: both 'raw_prediction' (CMExam's scripts) and 'model_output' "
                                "(Qilin-Med's) are columns; pass --field prediction=COLUMN");
  const auto bad_answer = write_fixture(dir / "bad.csv", "Question,Options,Answer,raw_prediction\n问,\"A 甲\nB 乙\",F,A\n");
  EXPECT_EQ(error_of(bad_answer), bad_answer.string() + ": line 2: answer 'F' names no option (options: A, B)");
  const auto bad_index = write_fixture(dir / "index.csv", ",Question,Options,Answer,model_output\nx,问,\"A 甲\",A,A\n");
  EXPECT_EQ(error_of(bad_index), bad_index.string() + ": line 2: the index column holds 'x', expected pandas' row number");
}

TEST(PredictionFormats, FieldsJsonPathsAndCsvColumns) {
  ForeignReadOptions o;
  o.fields = {"output.text", "gold", "item.uid"};
  const auto p = read_foreign_predictions(fixture("fields/huatuo_nested.jsonl"), o);
  EXPECT_EQ(p.format, "fields");
  EXPECT_EQ(p.records[2].id, "h3");
  EXPECT_EQ(p.records[2].text, kHuatuoPredictions[2]);
  o.fields = {"model_answer", "answer", ""};
  const auto c = read_foreign_predictions(fixture("fields/huatuo.csv"), o);
  EXPECT_EQ(c.layout, "fields-csv");
  EXPECT_EQ(c.records[2].text, kHuatuoPredictions[2]);
  EXPECT_EQ(c.records[2].id, "");

  TempDir dir;
  const auto lp = write_fixture(dir / "lp.jsonl", "{\"scores\": {\"A\": -1, \"B\": \"-0.5\"}}\n");
  o.fields = {"scores", "", ""};
  const auto l = read_foreign_predictions(lp, o);
  ASSERT_EQ(l.records[0].kind, ForeignAnswerKind::kChoiceLogprobs);
  EXPECT_EQ(l.records[0].choices[1].logprob, -0.5);
  o.fields = {"answer", "", ""};
  EXPECT_EQ(error_of(lp, o), lp.string() + ": line 1: missing field 'answer' (named by --field prediction)");
  o.fields = {"answer", "", ""};
  EXPECT_EQ(error_of(fixture("fields/cmexam.csv"), o),
            fixture("fields/cmexam.csv").string() +
                ": line 1: no column 'answer' (named by --field prediction); the header has: qid, reply, gold");
  const auto dup = write_fixture(dir / "dup.jsonl", "{\"p\": \"a\", \"i\": 7}\n{\"p\": \"b\", \"i\": \"7\"}\n");
  o.fields = {"p", "", "i"};
  EXPECT_EQ(error_of(dup, o), dup.string() + ": line 2: id '7' appears twice (also at line 1)");
}

TEST(PredictionFormats, DetectionNamesTheCandidatesOrTheKeysItFound) {
  EXPECT_EQ(guess_prediction_format(fixture("lm-eval-0.4.2/pretrained__demo-model_cmexam_mc.jsonl")).candidates,
            std::vector<std::string>{"lm-eval"});
  EXPECT_EQ(guess_prediction_format(fixture("opencompass/predictions/demo-model/huatuo_split.json")).candidates,
            std::vector<std::string>{"opencompass"});
  EXPECT_EQ(guess_prediction_format(fixture("cmexam/test_with_gpt.csv")).candidates, std::vector<std::string>{"cmexam-csv"});
  const auto own = guess_prediction_format(fixture("qilin/huatuo.jsonl"));
  EXPECT_TRUE(own.native);
  EXPECT_TRUE(own.candidates.empty());

  TempDir dir;
  const auto both = write_fixture(dir / "both.jsonl", "{\"predict\": \"a\", \"label\": \"b\", \"prediction\": \"a\", \"reference\": \"b\"}\n");
  EXPECT_EQ(error_of(both), both.string() +
                                ": ambiguous layout (line 1 keys: label, predict, prediction, reference): it could be "
                                "llamafactory or qilin-bench's own {prediction, reference} / {id, output}; pass --from to choose");
  const auto two = write_fixture(dir / "two.jsonl", "{\"doc_id\": 0, \"resps\": [], \"index\": 0, \"model_output\": null}\n");
  EXPECT_EQ(error_of(two), two.string() +
                               ": ambiguous layout (line 1 keys: doc_id, index, model_output, resps): it could be "
                               "lm-eval or evalscope; pass --from to choose");
  const auto unknown = write_fixture(dir / "unknown.jsonl", "{\"q\": 1, \"a\": 2}\n");
  EXPECT_EQ(error_of(unknown), unknown.string() +
                                   ": no known layout of predictions (line 1 keys: a, q); pass --from "
                                   "llamafactory|lm-eval|opencompass|evalscope|cmexam-csv|fields, or name the fields with "
                                   "--field prediction=NAME [--field reference=NAME]");
}

TEST(PredictionFormats, MalformedFilesNameFileAndPlace) {
  TempDir dir;
  struct Case {
    std::string name, format, content, problem;
  } cases[] = {
      {"lf.jsonl", "llamafactory", "{\"predict\": \"a\", \"label\": \"b\"}\n{\"predict\": 3, \"label\": \"b\"}\n",
       ": line 2: field 'predict' is number, expected a string"},
      {"lf2.jsonl", "llamafactory", "{\"prompt\": \"p\", \"predict\": \"a\"}\n",
       ": line 1: missing field 'label' (LLaMA-Factory writes prompt, predict, label)"},
      {"lf3.jsonl", "llamafactory", "{\"predict\": \"a\", \"label\": \"b\"\n", ": line 1: truncated JSON: the line ends inside a value"},
      {"lm.jsonl", "lm-eval", "{\"doc_id\": 0, \"resps\": [[\"x\"]], \"filtered_resps\": [\"x\"]}\n{\"resps\": []}\n",
       ": line 2: missing field 'doc_id' (lm-eval --log_samples writes one per line)"},
      {"lm2.jsonl", "lm-eval",
       "{\"doc_id\": 0, \"resps\": [[\"x\"]], \"filtered_resps\": [\"x\"], \"filter\": \"none\"}\n{\"doc_id\": 0, "
       "\"resps\": [[\"y\"]], \"filtered_resps\": [\"y\"], \"filter\": \"none\"}\n",
       ": line 2: doc_id 0 appears twice for filter 'none' (also at line 1)"},
      {"lm3.jsonl", "lm-eval",
       "{\"doc_id\": 0, \"arguments\": {\"gen_args_0\": {\"arg_0\": \"q\", \"arg_1\": \" A\"}, \"gen_args_1\": {\"arg_0\": "
       "\"q\", \"arg_1\": \" B\"}}, \"resps\": [[[\"-1\", \"False\"]], [[\"x\", \"True\"]]], \"filtered_resps\": "
       "[[\"-1\", \"False\"], [\"x\", \"True\"]], \"target\": \"0\"}\n",
       ": line 1: field 'resps' holds 'x', expected a number"},
      {"lm4.jsonl", "lm-eval",
       "{\"doc_id\": 0, \"arguments\": {\"gen_args_0\": {\"arg_0\": \"q\", \"arg_1\": \" A\"}}, \"resps\": "
       "[[[\"-1\", \"False\"]]], \"filtered_resps\": [[\"-1\", \"False\"]], \"target\": \"3\"}\n",
       ": line 1: target 3 is not a choice index (the item has 1 choices)"},
      {"lm5.jsonl", "lm-eval",
       "{\"doc_id\": 0, \"arguments\": {\"gen_args_0\": {\"arg_0\": \"a long text\"}}, \"resps\": [[\"-12.5\"]], "
       "\"filtered_resps\": [\"-12.5\"]}\n",
       ": line 1: a loglikelihood_rolling (perplexity) task: there are no answers to re-score"},
      {"oc.json", "opencompass", "{\n  \"0\": {\"prediction\": \"a\"},\n  \"2\": {\"prediction\": \"b\"}\n}\n",
       ": key \"1\" is missing (the 2 keys must be \"0\" … \"1\")"},
      {"oc2.json", "opencompass", "{\n  \"0\": {\"prediction\": \"a\"},\n  \"x\": {\"prediction\": \"b\"}\n}\n",
       ": key 'x': not an item number (OpenCompass keys items \"0\" … \"N-1\")"},
      {"oc3.json", "opencompass", "{\n  \"0\": {\"prediction\": \"a\",\n", ": line 3: truncated JSON: the file ends inside a value"},
      {"oc4.json", "opencompass", "{\"0\": {\"origin_prompt\": \"q\"}}", ": key '0': missing field 'prediction'"},
      {"oc5.json", "opencompass", "{\"0\": {\"prediction\": [\"a\", \"b\"]}}",
       ": key '0': 'prediction' is a list (a multi-round dialogue); qilin-bench scores one answer per item"},
      {"es.jsonl", "evalscope", "{\"index\": 0, \"sample_score\": {\"score\": {\"prediction\": \"a\"}}}\n{\"index\": 0, \"model_output\": null}\n",
       ": line 2: a predictions record in a file of reviews"},
      {"es2.jsonl", "evalscope", "{\"index\": \"0\", \"model_output\": null}\n", ": line 1: missing or non-integer field 'index'"},
      {"es3.jsonl", "evalscope", "{\"index\": 1, \"model_output\": null}\n{\"index\": 1, \"model_output\": null}\n",
       ": line 2: item number 1 (0-based, as the tool numbers items) appears twice (also at line 1)"},
  };
  for (const auto& c : cases) {
    const auto f = write_fixture(dir / c.name, c.content);
    EXPECT_EQ(error_of(f, c.format), f.string() + c.problem) << c.name;
  }
}

TEST(PredictionFormats, OptionsThatDoNotApply) {
  ForeignReadOptions o;
  o.format = "llamafactory";
  o.fields.prediction = "x";
  EXPECT_EQ(error_of(fixture("llamafactory/sft-predict/generated_predictions.jsonl"), o),
            "--field: llamafactory: --field names the fields of --from fields (or the columns of cmexam-csv); "
            "llamafactory files have a fixed layout");
  o = {};
  o.format = "opencompass";
  o.filter = "none";
  EXPECT_EQ(error_of(fixture("opencompass/predictions/demo-model/huatuo.json"), o),
            "--filter: none: applies to lm-eval samples only");
  o = {};
  o.format = "fields";
  EXPECT_EQ(error_of(fixture("fields/huatuo.csv"), o),
            "--field: prediction: missing: --from fields needs --field prediction=NAME");
}

}  // namespace
}  // namespace qb
