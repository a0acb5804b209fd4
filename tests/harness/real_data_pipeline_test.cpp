// `run all --config` over the real files in ../shared/data with a tiny model: every input file is
// validated before the first stage, so the one bad CMExam record (line 5358: an Answer cell 'nan')
// stops a strict run in seconds, before any training, naming the file and the line; with
// data.lenient the run finishes and reports the skipped record in the manifest, results.json and
// the HTML report.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

json real_data_config(const fs::path& shared, const fs::path& run_dir) {
  auto f = [&](const char* rel) { return (shared / rel).string(); };
  return json{
      {"run_name", "real-data-tiny"},
      {"run_dir", run_dir.string()},
      {"data",
       {{"dcpt", f("medicalgpt/fever.txt")},
        {"sft", f("medicalgpt/medical_sft_1K_format.jsonl")},
        {"dpo", f("medicalgpt/dpo_zh_500.jsonl")},
        {"cmexam_test", f("cmexam/cmexam_val_6811.csv")},
        {"cmexam_train", f("cmexam/cmexam_val_6811.csv")},
        {"huatuo_test", f("huatuo26m/huatuo26M_test_6000.json")},
        {"rag_corpus", f("medicalgpt/medical_corpus.txt")}}},
      {"model",
       {{"tokenizer_min_frequency", 50},
        {"architecture",
         {{"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 1}, {"num_attention_heads", 2},
          {"num_key_value_heads", 2}, {"max_position_embeddings", 256}}}}},
      {"stages",
       {{"dcpt", {{"max_steps", 2}, {"batch_size", 4}, {"block_size", 64}}},
        {"sft", {{"max_steps", 2}, {"batch_size", 4}, {"max_len", 128}}},
        {"dpo", {{"max_steps", 2}, {"batch_size", 2}, {"max_len", 128}, {"max_prompt_len", 64}}}}},
      {"eval", {{"limit", 6}, {"cmexam_max_new_tokens", 4}, {"huatuo_max_new_tokens", 8}}},
      {"metrics", {{"bootstrap", 50}}},
      {"compare", {{"resamples", 50}}}};
}

TEST(RealDataPipeline, StrictFailsBeforeTrainingAndLenientReportsTheSkippedRecord) {
  QILIN_REQUIRE_SHARED(shared_cmexam, "cmexam/cmexam_val_6811.csv");
  const fs::path shared = shared_cmexam.parent_path().parent_path();
  testing::TempDir dir;
  write_file_atomic(dir / "strict.json", real_data_config(shared, dir / "strict").dump(2));
  auto strict = testing::run_command({testing::qilin_bench().string(), "-q", "-j", "2", "run", "all", "--config",
                                      (dir / "strict.json").string()});
  EXPECT_EQ(strict.exit_code, 2) << strict.err;
  EXPECT_NE(strict.err.find("cmexam_val_6811.csv: line 5358:"), std::string::npos) << strict.err;
  // Nothing was trained: the only finished node is the (empty) data preparation.
  if (fs::exists(dir / "strict" / "cache"))
    for (const auto& e : fs::directory_iterator(dir / "strict" / "cache"))
      EXPECT_EQ(e.path().filename().string().rfind("train-", 0), std::string::npos) << e.path();

  json lenient = real_data_config(shared, dir / "lenient");
  lenient["data"]["lenient"] = true;
  write_file_atomic(dir / "lenient.json", lenient.dump(2));
  auto r = testing::run_command({testing::qilin_bench().string(), "-q", "-j", "2", "run", "all", "--config",
                                 (dir / "lenient.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json results = json::parse(read_file(dir / "lenient" / "results.json"));
  const json& check = results["manifest"]["data"]["cmexam_test"];
  EXPECT_EQ(check["skipped"], 1);
  EXPECT_EQ(check["records"], 6810);
  ASSERT_EQ(check["skipped_records"].size(), 1u);
  EXPECT_NE(check["skipped_records"][0].get<std::string>().find("line 5358"), std::string::npos) << check;
  EXPECT_EQ(results["manifest"]["data"]["huatuo_test"]["skipped"], 0);
  const std::string html = read_file(dir / "lenient" / "leaderboard.html");
  EXPECT_NE(html.find("Skipped input records"), std::string::npos);
  EXPECT_NE(html.find("line 5358"), std::string::npos);
}

}  // namespace
}  // namespace qb
