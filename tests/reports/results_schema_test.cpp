// results.json: the fixture loads, round-trips exactly, and each broken variant is rejected
// with the exact JSON path and problem.
#include <gtest/gtest.h>

#include <functional>

#include "common/atomic_file.h"
#include "common/error.h"
#include "reports/results.h"
#include "tests/testing/testing.h"

namespace qb::reports {
namespace {

using nlohmann::json;

std::filesystem::path demo_fixture() {
  return testing::source_dir() / "tests/reports/fixtures/run_demo/results.json";
}

json demo_json() { return json::parse(read_file(demo_fixture())); }

// The message validate_results_json gives for `j`, or "" when it is accepted.
std::string rejection(const json& j) {
  try {
    validate_results_json(j, "r.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(ResultsSchema, DemoFixtureLoads) {
  Results r = load_results(demo_fixture());
  ASSERT_EQ(r.models.size(), 6u);
  EXPECT_EQ(r.models[0].name, "base");
  EXPECT_EQ(r.models[0].base, "");
  EXPECT_EQ(r.models[4].name, "sft+rag");
  EXPECT_TRUE(r.models[4].rag);
  EXPECT_EQ(r.models[4].base, "base");
  const Evaluation& ev = r.models[2].evaluations[0];
  EXPECT_EQ(ev.suite, "cmexam");
  EXPECT_EQ(ev.mode, "loglik");
  EXPECT_EQ(ev.n, 200);
  EXPECT_DOUBLE_EQ(ev.metrics.at("acc").value, 38.0);
  EXPECT_EQ(ev.metrics.at("acc").signature, "acc|mode:loglik|shots:0|prompt:qilin-med-v1|norm:none");
  EXPECT_EQ(ev.breakdown.at("Disease Group").at("感染性疾病").n, 36);
  EXPECT_DOUBLE_EQ(ev.breakdown.at("Disease Group").at("感染性疾病").metrics.at("acc"), 44.44);
  EXPECT_DOUBLE_EQ(*ev.metrics.at("acc").ci_low, 31.56);
  EXPECT_EQ(ev.breakdown.size(), 5u);
  ASSERT_TRUE(r.models[3].training.has_value());
  EXPECT_EQ(r.models[3].training->stage, "dpo");
  EXPECT_EQ(r.models[3].training->curve.front().step, 1);
  EXPECT_EQ(r.models[3].training->curve.front().values.count("rewards/margins"), 1u);
  EXPECT_EQ(r.comparisons.size(), 20u);
  EXPECT_EQ(r.manifest["run_name"], "demo-2026-11-24");
}

TEST(ResultsSchema, RoundTripIsExact) {
  json original = demo_json();
  json again = results_to_json(results_from_json(original, "r.json"));
  EXPECT_EQ(again, original);
}

TEST(ResultsSchema, SaveWritesWhatLoadReads) {
  testing::TempDir dir;
  Results r = load_results(demo_fixture());
  save_results(dir / "out/results.json", r);
  EXPECT_EQ(results_to_json(load_results(dir / "out/results.json")), results_to_json(r));
  std::string text = read_file(dir / "out/results.json");
  EXPECT_EQ(text.back(), '\n');
  EXPECT_NE(text.find("感染性疾病"), std::string::npos);  // UTF-8 kept, not \u-escaped
}

TEST(ResultsSchema, SaveRefusesAnInvalidResultAndWritesNothing) {
  testing::TempDir dir;
  Results r = load_results(demo_fixture());
  r.models[1].base = "nobody";
  try {
    save_results(dir / "results.json", r);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "models[1].base");
    EXPECT_EQ(e.problem(), "names no model in this file ('nobody')");
  }
  EXPECT_FALSE(std::filesystem::exists(dir / "results.json"));
}

struct BadCase {
  const char* name;
  std::function<void(json&)> edit;
  const char* message;
};

TEST(ResultsSchema, EachBreakageIsNamedByPath) {
  const std::vector<BadCase> cases = {
      {"version missing", [](json& j) { j.erase("schema_version"); },
       "r.json: missing required key 'schema_version'"},
      {"version 2", [](json& j) { j["schema_version"] = 2; },
       "r.json: schema_version: unsupported version 2 (this build reads 1)"},
      {"version as text", [](json& j) { j["schema_version"] = "1"; },
       "r.json: schema_version: expected an integer, got a string"},
      {"unknown top key", [](json& j) { j["modles"] = json::array(); }, "r.json: modles: unknown key"},
      {"manifest array", [](json& j) { j["manifest"] = json::array(); },
       "r.json: manifest: expected an object, got an array"},
      {"manifest timing negative", [](json& j) { j["manifest"]["timings"]["eval_all"] = -1; },
       "r.json: manifest.timings.eval_all: a duration cannot be negative"},
      {"no models", [](json& j) { j["models"] = json::array(); }, "r.json: models: must hold at least one model"},
      {"model misspelt key", [](json& j) { j["models"][0]["evaluatons"] = json::array(); },
       "r.json: models[0].evaluatons: unknown key"},
      {"model without name", [](json& j) { j["models"][2].erase("name"); },
       "r.json: models[2]: missing required key 'name'"},
      {"empty name", [](json& j) { j["models"][2]["name"] = ""; }, "r.json: models[2].name: must not be empty"},
      {"duplicate name", [](json& j) { j["models"][3]["name"] = "sft"; },
       "r.json: models[3].name: duplicate model name 'sft'"},
      {"bad base", [](json& j) { j["models"][2]["base"] = "bsae"; },
       "r.json: models[2].base: names no model in this file ('bsae')"},
      {"self base", [](json& j) { j["models"][2]["base"] = "sft"; },
       "r.json: models[2].base: a model cannot be its own base"},
      {"rag as string", [](json& j) { j["models"][4]["rag"] = "yes"; },
       "r.json: models[4].rag: expected true or false, got a string"},
      {"bad mode", [](json& j) { j["models"][1]["evaluations"][0]["mode"] = "mc"; },
       "r.json: models[1].evaluations[0].mode: must be \"loglik\" or \"generate\" (got \"mc\")"},
      {"duplicate evaluation", [](json& j) { j["models"][1]["evaluations"][1]["mode"] = "loglik"; },
       "r.json: models[1].evaluations[1]: a second evaluation of suite 'cmexam' in mode 'loglik'"},
      {"n fractional", [](json& j) { j["models"][1]["evaluations"][0]["n"] = 200.5; },
       "r.json: models[1].evaluations[0].n: expected a whole number, got a number"},
      {"metric value text", [](json& j) { j["models"][1]["evaluations"][0]["metrics"]["acc"]["value"] = "35.5"; },
       "r.json: models[1].evaluations[0].metrics.acc.value: expected a number, got a string"},
      {"metric half interval", [](json& j) { j["models"][1]["evaluations"][2]["metrics"]["bleu1"].erase("ci_high"); },
       "r.json: models[1].evaluations[2].metrics.bleu1: has ci_low without ci_high"},
      {"metric inverted interval",
       [](json& j) {
         j["models"][1]["evaluations"][2]["metrics"]["rouge1"]["ci_low"] = 20;
         j["models"][1]["evaluations"][2]["metrics"]["rouge1"]["ci_high"] = 10;
       },
       "r.json: models[1].evaluations[2].metrics.rouge1: ci_low 20 is above ci_high 10"},
      {"negative count", [](json& j) { j["models"][0]["evaluations"][1]["counts"]["extraction_failures"] = -3; },
       "r.json: models[0].evaluations[1].counts.extraction_failures: must not be negative (got -3)"},
      {"breakdown key with space",
       [](json& j) { j["models"][0]["evaluations"][0]["breakdown"]["Disease Group"]["其他"]["acc"] = nullptr; },
       "r.json: models[0].evaluations[0].breakdown[\"Disease Group\"].其他.acc: expected a number, got null"},
      {"breakdown without n",
       [](json& j) { j["models"][0]["evaluations"][0]["breakdown"]["Difficulty level"]["3"].erase("n"); },
       "r.json: models[0].evaluations[0].breakdown[\"Difficulty level\"].3: missing required key 'n'"},
      {"steps not increasing", [](json& j) { j["models"][1]["training"]["curve"][3]["step"] = 1; },
       "r.json: models[1].training.curve[3].step: steps must increase (1 follows 11)"},
      {"curve value text", [](json& j) { j["models"][3]["training"]["curve"][0]["rewards/margins"] = "0.1"; },
       "r.json: models[3].training.curve[0].rewards/margins: expected a number, got a string"},
      {"summary nested", [](json& j) { j["models"][2]["training"]["summary"]["x"] = json::object(); },
       "r.json: models[2].training.summary.x: expected a number, string or boolean, got an object"},
      {"comparison unknown model", [](json& j) { j["comparisons"][0]["model"] = "dcpt2"; },
       "r.json: comparisons[0].model: names no model in this file ('dcpt2')"},
      {"comparison p > 1", [](json& j) { j["comparisons"][5]["p_value"] = 1.5; },
       "r.json: comparisons[5].p_value: must be between 0 and 1 (got 1.5)"},
      {"comparison without verdict", [](json& j) { j["comparisons"][1].erase("significant"); },
       "r.json: comparisons[1]: missing required key 'significant'"},
      {"top level array", [](json& j) { j = json::array(); },
       "r.json: expected a JSON object at the top level, got an array"},
  };
  EXPECT_EQ(rejection(demo_json()), "");
  for (const auto& c : cases) {
    json j = demo_json();
    c.edit(j);
    EXPECT_EQ(rejection(j), c.message) << c.name;
  }
}

TEST(ResultsSchema, SyntaxErrorNamesLineAndColumn) {
  testing::TempDir dir;
  auto path = testing::write_fixture(dir / "results.json", "{\n  \"schema_version\": 1,\n  \"manifest\": {}\n  \"models\": []\n}\n");
  try {
    load_results(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "line 4, column 10"  /* where the parser stopped: the end of "models" */);
    EXPECT_EQ(e.problem(), "invalid JSON: syntax error while parsing object - unexpected string literal; expected '}'");
  }
}

// Found by fuzz/fuzz_results_json: nlohmann reports a number too large for a double as
// out_of_range, not as a parse error; it must still be an InputError at the number's line.
TEST(ResultsSchema, NumberTooLargeForADoubleIsInvalidJsonAtItsLine) {
  testing::TempDir dir;
  auto path = testing::write_fixture(dir / "results.json", "{\n  \"schema_version\": 1,\n  \"x\": 9e798\n}\n");
  try {
    load_results(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), path.string() + ": line 3: invalid JSON: number out of range: 9e798");
  }
}

TEST(ResultsSchema, EmptyAndMissingFilesAreInputErrors) {
  testing::TempDir dir;
  auto empty = testing::write_fixture(dir / "results.json", "\n");
  try {
    load_results(empty);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.problem(), "empty file (expected a results.json object)");
  }
  EXPECT_THROW(load_results(dir / "absent.json"), InputError);
}

}  // namespace
}  // namespace qb::reports

namespace qb::reports {
namespace {

TEST(ResultsSchema, InvalidUtf8IsASyntaxErrorWithItsPosition) {
  testing::TempDir dir;
  auto path = testing::write_fixture(dir / "results.json", "{\"schema_version\": 1,\n \"manifest\": {\"run_name\": \"ab\xff\"}}");
  try {
    load_results(path);
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.where(), "line 2, column 30");  // the 0xFF byte itself
    EXPECT_EQ(e.problem(), "invalid JSON: syntax error while parsing value - invalid string: ill-formed UTF-8 byte");
  }
}

}  // namespace
}  // namespace qb::reports
