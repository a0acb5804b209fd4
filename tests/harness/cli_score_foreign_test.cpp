// `qilin-bench score` on other tools' prediction files (the built binary): the same predictions
// written in each tool's layout score exactly as qilin-bench's own JSONL does; references come
// from the file or from --data; the tool's own scores are printed beside ours; bad input exits 2
// with a message naming the file and the place.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <fstream>

#include "suites/cmexam_reader.h"
#include "suites/huatuo_reader.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

using testing::qilin_bench;
using testing::run_command;
using testing::TempDir;
using testing::write_fixture;
namespace fs = std::filesystem;

std::string fixture(const std::string& rel) {
  return (testing::source_dir() / "tests" / "suites" / "fixtures" / "predictions" / rel).string();
}

testing::CommandResult score(std::vector<std::string> args) {
  args.insert(args.begin(), {qilin_bench().string(), "score"});
  return run_command(args);
}

nlohmann::json scored(const std::vector<std::string>& args) {
  auto r = score(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? nlohmann::json::parse(r.out) : nlohmann::json();
}

// The result without what names the input (file names, the layout read, the tool's own scores).
nlohmann::json scores_only(nlohmann::json j) {
  for (const char* key : {"predictions", "source", "reported_by_tool"}) j.erase(key);
  return j;
}

TEST(CliScoreForeign, HuatuoEveryLayoutScoresLikeOurOwn) {
  const auto own = scores_only(scored({"--suite", "huatuo", "--predictions", fixture("qilin/huatuo.jsonl")}));
  ASSERT_EQ(own["n"], 5);
  ASSERT_EQ(own["n_empty"], 1);
  const std::string data = fixture("data/huatuo_5.jsonl");
  const std::vector<std::vector<std::string>> layouts = {
      {"--predictions", fixture("llamafactory/sft-predict/generated_predictions.jsonl")},
      {"--predictions", fixture("llamafactory/sft-predict-0.8.2/generated_predictions.jsonl")},
      {"--predictions", fixture("llamafactory/sft-predict/generated_predictions.jsonl"), "--data", data},
      {"--predictions", fixture("lm-eval/demo-model/samples_huatuo_gen_2026-01-02T03-04-05.678901.jsonl")},
      {"--predictions", fixture("lm-eval-0.4.2/pretrained__demo-model_huatuo_gen.jsonl")},
      {"--predictions", fixture("opencompass/predictions/demo-model/huatuo.json")},
      {"--predictions", fixture("opencompass/predictions/demo-model/huatuo_split_0.json")},
      {"--predictions", fixture("opencompass/predictions/demo-model/huatuo_split.json"), "--from", "opencompass"},
      {"--predictions", fixture("evalscope/reviews/demo-model/huatuo_default.jsonl")},
      {"--predictions", fixture("evalscope/predictions/demo-model/huatuo_default.jsonl"), "--data", data},
      {"--predictions", fixture("fields/huatuo_nested.jsonl"), "--field", "prediction=output.text", "--field",
       "reference=gold"},
      {"--predictions", fixture("fields/huatuo.csv"), "--from", "fields", "--field", "prediction=model_answer",
       "--field", "reference=answer"},
  };
  for (auto args : layouts) {
    args.insert(args.begin(), {"--suite", "huatuo"});
    const auto j = scored(args);
    EXPECT_EQ(scores_only(j), own) << args[3];
    EXPECT_TRUE(j.contains("source")) << args[3];
  }
}

TEST(CliScoreForeign, CMExamGenerateEveryLayoutScoresLikeOurOwn) {
  const std::string data = fixture("data/cmexam_5.csv");
  const auto own = scores_only(scored({"--suite", "cmexam", "--predictions", fixture("qilin/cmexam_generate.jsonl"),
                                       "--data", data}));
  ASSERT_EQ(own["metrics"]["acc"]["correct"], 3);
  ASSERT_EQ(own["extraction"]["failed"], 1);
  const std::vector<std::vector<std::string>> layouts = {
      {"--predictions", fixture("llamafactory/../lm-eval/demo-model/samples_cmexam_gen_2026-01-02T04-00-00.000001.jsonl")},
      {"--predictions", fixture("lm-eval-0.4.5/demo-model/samples_cmexam_gen_2024-09-01T10-00-00.000000.jsonl")},
      {"--predictions", fixture("opencompass/predictions/demo-model/cmexam_gen.json")},
      {"--predictions", fixture("evalscope/reviews/demo-model/cmexam_default.jsonl")},
      {"--predictions", fixture("cmexam/test_with_gpt.csv")},
      {"--predictions", fixture("qilin-med/医疗_test.csv")},
      {"--predictions", fixture("fields/cmexam.csv"), "--field", "prediction=reply", "--field", "id=qid"},
  };
  for (auto args : layouts) {
    args.insert(args.begin(), {"--suite", "cmexam"});
    auto with_data = args;
    with_data.insert(with_data.end(), {"--data", data});
    EXPECT_EQ(scores_only(scored(with_data)), own) << args[3];  // breakdown by annotation included
    if (args.size() > 4) continue;  // the fields CSV has no gold answers of its own
    const auto j = scored(args);    // gold answers from the file itself
    for (const char* key : {"metrics", "extraction", "n", "n_multi_answer", "mode"}) EXPECT_EQ(j[key], own[key]) << args[3] << " " << key;
  }
}

TEST(CliScoreForeign, CMExamLoglikLayoutsGiveTheSameAccAndAccNorm) {
  const std::string data = fixture("data/cmexam_5.csv");
  const auto own = scores_only(scored({"--suite", "cmexam", "--predictions", fixture("qilin/cmexam_loglik.jsonl"),
                                       "--data", data}));
  ASSERT_DOUBLE_EQ(own["metrics"]["acc"]["value"].get<double>(), 60.0);
  ASSERT_DOUBLE_EQ(own["metrics"]["acc_norm"]["value"].get<double>(), 80.0);
  for (const std::string f : {"lm-eval/demo-model/samples_cmexam_mc_2026-01-02T04-00-00.000001.jsonl",
                              "lm-eval-0.4.2/pretrained__demo-model_cmexam_mc.jsonl"}) {
    EXPECT_EQ(scores_only(scored({"--suite", "cmexam", "--predictions", fixture(f), "--data", data})), own) << f;
    // Without --data: options from the logged choices, acc_norm over their continuations.
    EXPECT_EQ(scored({"--suite", "cmexam", "--predictions", fixture(f)})["metrics"], own["metrics"]) << f;
  }
  EXPECT_EQ(scores_only(scored({"--suite", "cmexam", "--predictions", fixture("qilin/cmexam_loglik.jsonl"), "--from",
                                "fields", "--field", "prediction=logprobs", "--field", "id=id", "--data", data})),
            own);
  // OpenCompass PPL: the letters it chose, like our own {id, choice}.
  const auto choice = scores_only(scored({"--suite", "cmexam", "--predictions", fixture("qilin/cmexam_choice.jsonl"),
                                          "--data", data}));
  EXPECT_EQ(scores_only(scored({"--suite", "cmexam", "--predictions",
                                fixture("opencompass/predictions/demo-model/cmexam_ppl.json"), "--data", data})),
            choice);
  EXPECT_EQ(choice["metrics"]["acc"], own["metrics"]["acc"]);
}

TEST(CliScoreForeign, TheToolsOwnScoresStandBesideOurs) {
  auto r = score({"--suite", "huatuo", "--predictions", fixture("llamafactory/sft-predict/generated_predictions.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  const auto& t = j["reported_by_tool"];
  EXPECT_EQ(t["tool"], "llamafactory");
  EXPECT_EQ(t["file"], fixture("llamafactory/sft-predict/predict_results.json"));
  ASSERT_EQ(t["scores"].size(), 4u);
  const auto& bleu = t["scores"][0];
  EXPECT_EQ(bleu["name"], "predict_bleu-4");
  EXPECT_DOUBLE_EQ(bleu["value"].get<double>(), 18.0065);
  EXPECT_EQ(bleu["protocol"], "bleu4|tok:python-chars|ws:keep|agg:sentence-mean|smooth:nltk-method3|round:4");
  EXPECT_EQ(bleu["ours"]["metric"], "bleu4");
  EXPECT_EQ(bleu["ours"]["value"], j["metrics"]["bleu4"]["value"]);
  EXPECT_EQ(bleu["ours"]["signature"], j["metrics"]["bleu4"]["signature"]);
  EXPECT_NE(r.err.find("llamafactory reported its own scores (" + fixture("llamafactory/sft-predict/predict_results.json") +
                       "); qilin-bench's beside them:\n"),
            std::string::npos)
      << r.err;
  // Name padded to 34 columns, the value in 9: "  llamafactory predict_bleu-4" + 7 + 1 + 2 spaces + "18.0065".
  EXPECT_NE(r.err.find("\n  llamafactory predict_bleu-4" + std::string(10, ' ') + "18.0065  bleu4|tok:python-chars"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("  qilin-bench bleu4"), std::string::npos) << r.err;

  r = score({"--suite", "cmexam", "--predictions", fixture("lm-eval/demo-model/samples_cmexam_mc_2026-01-02T04-00-00.000001.jsonl")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto mc = nlohmann::json::parse(r.out)["reported_by_tool"]["scores"];
  // lm-eval counts a multi-answer item right when the argmax is ANY gold letter; ours needs the exact set.
  EXPECT_DOUBLE_EQ(mc[0]["percent"].get<double>(), 80.0);
  EXPECT_DOUBLE_EQ(mc[0]["ours"]["value"].get<double>(), 60.0);
}

TEST(CliScoreForeign, SourceSaysWhereReferencesCameFrom) {
  const auto j = scored({"--suite", "cmexam", "--predictions", fixture("opencompass/predictions/demo-model/cmexam_gen.json"),
                         "--data", fixture("data/cmexam_5.csv")});
  EXPECT_EQ(j["source"]["format"], "opencompass");
  EXPECT_EQ(j["source"]["layout"], "opencompass-gen");
  EXPECT_EQ(j["source"]["references"], "data");
  EXPECT_EQ(j["source"]["matched_by"], "position");
  EXPECT_EQ(j["source"]["reference_disagreements"]["count"], 0);
  EXPECT_EQ(j["data"]["questions"], 5);
}

TEST(CliScoreForeign, CompareAcrossLayouts) {
  const auto j = scored({"--suite", "cmexam", "--predictions",
                         fixture("lm-eval/demo-model/samples_cmexam_mc_2026-01-02T04-00-00.000001.jsonl"), "--data",
                         fixture("data/cmexam_5.csv"), "--compare", fixture("qilin/cmexam_loglik.jsonl")});
  EXPECT_EQ(j["compare"]["test"], "mcnemar-exact");
  EXPECT_EQ(j["compare"]["delta"], 0.0);
  EXPECT_EQ(j["compare"]["p_value"], 1.0);
  const auto h = scored({"--suite", "huatuo", "--bootstrap", "50", "--predictions",
                         fixture("llamafactory/sft-predict/generated_predictions.jsonl"), "--compare",
                         fixture("opencompass/predictions/demo-model/huatuo.json")});
  EXPECT_EQ(h["compare"]["metrics"]["bleu1"]["delta"], 0.0);
  EXPECT_EQ(h["compare_source"]["format"], "opencompass");
}

TEST(CliScoreForeign, BadInputExitsTwoNamingFileAndPlace) {
  TempDir dir;
  const std::string data = fixture("data/cmexam_5.csv");
  struct Case {
    std::vector<std::string> args;
    std::string err;
  } cases[] = {
      {{"--suite", "huatuo", "--predictions", fixture("llamafactory/rm-predict/generated_predictions.jsonl")},
       fixture("llamafactory/rm-predict/generated_predictions.jsonl") +
           ": line 1: this is the generated_predictions.jsonl of a LLaMA-Factory reward-model run (`chosen`/`rejected` "
           "reward scores), not generated text: there is nothing to re-score"},
      {{"--suite", "huatuo", "--predictions", fixture("evalscope/predictions/demo-model/huatuo_default.jsonl"), "--data",
        fixture("data/cmexam_5.csv")},
       "prefix:" + fixture("data/cmexam_5.csv") + ": line 1: invalid JSON at column 1: "},  // the Huatuo reader's error
      {{"--suite", "cmexam", "--predictions", fixture("lm-eval/demo-model/samples_cmexam_mc_2026-01-02T04-00-00.000001.jsonl"),
        "--mode", "generate"},
       "--mode: generate: " + fixture("lm-eval/demo-model/samples_cmexam_mc_2026-01-02T04-00-00.000001.jsonl") +
           " holds choices made by log-likelihood (loglik mode)"},
      {{"--suite", "huatuo", "--predictions", fixture("qilin/huatuo.jsonl"), "--field", "prediction"},
       "--field: prediction: expected prediction=NAME, reference=NAME or id=NAME"},
      {{"--suite", "huatuo", "--predictions", fixture("qilin/huatuo.jsonl"), "--filter", "none"},
       "--filter: " + fixture("qilin/huatuo.jsonl") +
           ": applies to other tools' files, not to qilin-bench's own JSONL (--from qilin)"},
      {{"--suite", "huatuo", "--predictions", fixture("lm-eval/demo-model/samples_cmexam_mc_2026-01-02T04-00-00.000001.jsonl")},
       fixture("lm-eval/demo-model/samples_cmexam_mc_2026-01-02T04-00-00.000001.jsonl") +
           ": line 1: holds a multiple-choice answer, not generated text: use --suite cmexam"},
  };
  for (const auto& c : cases) {
    auto r = score(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    if (c.err.rfind("prefix:", 0) == 0)
      EXPECT_EQ(r.err.rfind("qilin-bench: error: " + c.err.substr(7), 0), 0u) << r.err;
    else
      EXPECT_EQ(r.err, "qilin-bench: error: " + c.err + "\n");
  }
  // Counts that disagree with --data: four predictions for five questions.
  const auto four = write_fixture(dir / "four.json",
                                  "{\"0\": {\"prediction\": \"A\"}, \"1\": {\"prediction\": \"B\"}, \"2\": {\"prediction\": "
                                  "\"B\"}, \"3\": {\"prediction\": \"C\"}}");
  auto r = score({"--suite", "cmexam", "--predictions", four.string(), "--data", data});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + four.string() + ": 4 predictions, but " + data +
                       " has 5 items: without ids the predictions are matched to the data by position, so the counts "
                       "must agree (was the tool run on a subset, e.g. lm-eval --limit?)\n");
  // Ids that are not the data's.
  const auto ids = write_fixture(dir / "ids.jsonl", "{\"q\": \"9\", \"out\": \"A\"}\n");
  r = score({"--suite", "cmexam", "--predictions", ids.string(), "--field", "prediction=out", "--field", "id=q", "--data", data});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + ids.string() + ": line 1: id '9' is not an item of " + data + "\n");
  // Nothing written with -o when the input is bad.
  const auto out = dir / "out.json";
  r = score({"--suite", "cmexam", "--predictions", four.string(), "--data", data, "-o", out.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_FALSE(fs::exists(out));
}

// The 6,000 real Huatuo-26M test items: the same predictions as LLaMA-Factory and lm-eval files and as
// our own JSONL score identically, with references from the file or from the data set.
TEST(CliScoreForeignReal, Huatuo6000InThreeLayouts) {
  QILIN_REQUIRE_SHARED(data, "huatuo26m/huatuo26M_test_6000.json");
  const auto items = read_huatuo(data).records;
  ASSERT_EQ(items.size(), 6000u);
  TempDir dir;
  std::ofstream own(dir / "own.jsonl"), lf(dir / "generated_predictions.jsonl"),
      lm(dir / "samples_huatuo_2026-01-01T00-00-00.000000.jsonl");
  for (size_t i = 0; i < items.size(); ++i) {
    // A stand-in answer: the question followed by the first half of the reference (a partial match).
    const std::string& ref = items[i].answers[0];
    std::string prediction = items[i].question + ref.substr(0, ref.size() / 2);
    while (!prediction.empty() && (static_cast<unsigned char>(prediction.back()) & 0xC0) == 0x80) prediction.pop_back();
    if (!prediction.empty() && static_cast<unsigned char>(prediction.back()) >= 0xC0) prediction.pop_back();
    own << nlohmann::json{{"prediction", prediction}, {"reference", ref}}.dump() << "\n";
    lf << nlohmann::json{{"prompt", items[i].question}, {"predict", prediction}, {"label", ref}}.dump() << "\n";
    const size_t doc = (i % 2 == 0 ? i / 2 : 3000 + i / 2);  // two ranks: even docs first, then odd
    const size_t k = doc < 3000 ? doc * 2 : (doc - 3000) * 2 + 1;
    const std::string& ref_k = items[k].answers[0];
    std::string pred_k = items[k].question + ref_k.substr(0, ref_k.size() / 2);
    while (!pred_k.empty() && (static_cast<unsigned char>(pred_k.back()) & 0xC0) == 0x80) pred_k.pop_back();
    if (!pred_k.empty() && static_cast<unsigned char>(pred_k.back()) >= 0xC0) pred_k.pop_back();
    lm << nlohmann::json{{"doc_id", k}, {"target", ref_k}, {"resps", {{pred_k}}}, {"filtered_resps", {pred_k}},
                         {"arguments", {{"gen_args_0", {{"arg_0", items[k].question}, {"arg_1", {{"until", {"\n"}}}}}}}},
                         {"filter", "none"}}
              .dump()
       << "\n";
  }
  own.close();
  lf.close();
  lm.close();
  const auto base = scores_only(scored({"--suite", "huatuo", "--bootstrap", "0", "--predictions", (dir / "own.jsonl").string()}));
  ASSERT_EQ(base["n"], 6000);
  EXPECT_EQ(scores_only(scored({"--suite", "huatuo", "--bootstrap", "0", "--predictions",
                                (dir / "generated_predictions.jsonl").string()})),
            base);
  const auto lm_scored = scored({"--suite", "huatuo", "--bootstrap", "0", "--predictions",
                                 (dir / "samples_huatuo_2026-01-01T00-00-00.000000.jsonl").string(), "--data", data.string()});
  EXPECT_EQ(scores_only(lm_scored), base);
  EXPECT_EQ(lm_scored["source"]["matched_by"], "position");
  EXPECT_EQ(lm_scored["source"]["reference_disagreements"]["count"], 0);
}

// The real CMExam validation split read leniently (its row 5357 has no answer): an lm-eval
// multiple-choice file with all 6,811 docs scores like our own JSONL for the 6,810 readable
// questions, and the prediction of the skipped one is dropped and counted.
TEST(CliScoreForeignReal, CMExam6811LenientDropsTheSkippedQuestion) {
  QILIN_REQUIRE_SHARED(data, "cmexam/cmexam_val_6811.csv");
  ReadOptions lenient;
  lenient.lenient = true;
  const auto questions = read_cmexam(data, lenient).records;
  ASSERT_EQ(questions.size(), 6810u);
  std::map<long, const CMExamQuestion*> by_position;
  for (const auto& q : questions) by_position[std::stol(q.id) - 1] = &q;
  TempDir dir;
  std::ofstream own(dir / "own.jsonl"), lm(dir / "samples_cmexam_2026-01-01T00-00-00.000000.jsonl");
  for (long doc = 0; doc < 6811; ++doc) {
    auto it = by_position.find(doc);
    // The skipped question's options are unknown here: five stand-ins. A few real questions have
    // options B-E or A, B, D, E: lm-eval numbers the choices, so choice i is the i-th option.
    const std::map<char, std::string> options = it == by_position.end()
        ? std::map<char, std::string>{{'A', "x"}, {'B', "x"}, {'C', "x"}, {'D', "x"}, {'E', "x"}}
        : it->second->options;
    nlohmann::json logprobs = nlohmann::json::object(), resps = nlohmann::json::array(), args = nlohmann::json::object();
    long c = 0;
    for (const auto& [letter, text] : options) {
      const double lp = -1.0 - static_cast<double>((doc * 7 + c * 3) % 11) / 4.0;  // exact in binary
      logprobs[std::string(1, letter)] = lp;
      resps.push_back({{lp, false}});
      args["gen_args_" + std::to_string(c++)] = {{"arg_0", "q"}, {"arg_1", " " + text}};
    }
    if (it != by_position.end()) own << nlohmann::json{{"id", it->second->id}, {"logprobs", logprobs}}.dump() << "\n";
    nlohmann::json filtered = nlohmann::json::array();
    for (const auto& r : resps) filtered.push_back(r[0]);
    lm << nlohmann::json{{"doc_id", doc}, {"target", "0"}, {"arguments", args}, {"resps", resps},
                         {"filtered_resps", filtered}, {"filter", "none"}}
              .dump()
       << "\n";
  }
  own.close();
  lm.close();
  const auto base = scores_only(scored({"--suite", "cmexam", "--predictions", (dir / "own.jsonl").string(), "--data",
                                        data.string(), "--lenient-data"}));
  ASSERT_EQ(base["n"], 6810);
  const auto j = scored({"--suite", "cmexam", "--predictions", (dir / "samples_cmexam_2026-01-01T00-00-00.000000.jsonl").string(),
                         "--data", data.string(), "--lenient-data"});
  EXPECT_EQ(scores_only(j), base);
  EXPECT_EQ(j["source"]["dropped"]["count"], 1);
  EXPECT_EQ(j["source"]["dropped"]["examples"][0], "line 5357: item 5357 of " + data.string() + " was skipped by the lenient read");
}

}  // namespace
}  // namespace qb
