// Pipeline stages run by an external trainer (tests/harness/external_trainer.py, python3-torch,
// writing the Hugging Face layout and trainer_state.json as HF's Trainer does): placeholders,
// curves from log_history, a SIGKILL mid-stage resumed with {resume_from}, and the failures a
// user meets (a trainer that exits non-zero, one that leaves no weights) as clear errors.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {
namespace fs = std::filesystem;
using nlohmann::json;

json trainer(const std::string& extra = "") {
  json argv = {"/usr/bin/python3", (testing::source_dir() / "tests" / "harness" / "external_trainer.py").string(),
               "--base", "{base}", "--data", "{data}", "--output-dir", "{output_dir}", "--resume-from",
               "{resume_from}", "--steps", "4", "--save-every", "2"};
  if (!extra.empty()) argv.push_back(extra);
  return json{{"command", argv}, {"env", {{"OMP_NUM_THREADS", "1"}}}};
}

json config(const fs::path& run_dir) {
  return json{
      {"run_name", "external"},
      {"run_dir", run_dir.string()},
      {"data", {{"demo_scale", "small"}}},
      {"model",
       {{"architecture",
         {{"hidden_size", 32}, {"intermediate_size", 64}, {"num_hidden_layers", 1}, {"num_attention_heads", 2},
          {"num_key_value_heads", 2}, {"max_position_embeddings", 256}}}}},
      {"stages", {{"dcpt", {{"trainer", trainer()}}}, {"sft", {{"trainer", trainer()}}}, {"dpo", {{"trainer", trainer()}}}}},
      {"eval", {{"limit", 6}, {"cmexam_max_new_tokens", 4}, {"huatuo_max_new_tokens", 8}}},
      {"rag", {{"checkpoints", json::array()}}},
      {"metrics", {{"bootstrap", 20}}},
      {"compare", {{"resamples", 20}}}};
}

testing::CommandResult run(const fs::path& cfg_file) {
  return testing::run_command({testing::qilin_bench().string(), "-j", "1", "run", "all", "--config", cfg_file.string()});
}

// Every metric of every evaluation, by model/suite/mode/metric.
std::map<std::string, double> metric_values(const fs::path& results) {
  std::map<std::string, double> out;
  const json r = json::parse(read_file(results));
  for (const auto& m : r["models"])
    for (const auto& e : m["evaluations"])
      for (const auto& [name, v] : e["metrics"].items())
        out[m["name"].get<std::string>() + "/" + e["suite"].get<std::string>() + "/" + e["mode"].get<std::string>() +
            "/" + name] = v["value"].get<double>();
  return out;
}

class ExternalTrainer : public ::testing::Test {
 protected:
  testing::TempDir dir_;
};

TEST_F(ExternalTrainer, ThreeStagesTrainEvaluateAndReportCurves) {
  write_file_atomic(dir_ / "c.json", config(dir_ / "run").dump(2));
  auto r = run(dir_ / "c.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("[train-sft] step 4/4 loss"), std::string::npos) << r.err;  // progress passed through
  const json res = json::parse(read_file(dir_ / "run" / "results.json"));
  for (const char* stage : {"dcpt", "sft", "dpo"}) {
    const json* row = nullptr;
    for (const auto& m : res["models"])
      if (m["name"] == stage) row = &m;
    ASSERT_NE(row, nullptr) << stage;
    // The curve is the trainer's log_history: four steps with loss, lr (learning_rate) and grad_norm.
    const json& curve = (*row)["training"]["curve"];
    ASSERT_EQ(curve.size(), 4u) << stage;
    EXPECT_EQ(curve[3]["step"], 4);
    EXPECT_EQ(curve[0]["lr"], 0.01);
    EXPECT_TRUE(curve[0].contains("grad_norm"));
    EXPECT_EQ((*row)["training"]["summary"]["trainer"], "external");
    EXPECT_EQ((*row)["evaluations"].size(), 3u);
  }
  // A second run finds every node in the cache and runs no trainer.
  auto again = run(dir_ / "c.json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err.find("[train-"), std::string::npos) << again.err;
  EXPECT_EQ(metric_values(dir_ / "run" / "results.json").size() > 0, true);
}

TEST_F(ExternalTrainer, KilledMidStageResumesFromItsCheckpointAndEqualsAnUninterruptedRun) {
  // Uninterrupted reference.
  write_file_atomic(dir_ / "ref.json", config(dir_ / "ref").dump(2));
  ASSERT_EQ(run(dir_ / "ref.json").exit_code, 0);

  json c = config(dir_ / "run");
  c["stages"]["sft"]["trainer"] = trainer("--step-seconds=1.5");
  write_file_atomic(dir_ / "c.json", c.dump(2));
  // Start the pipeline, wait until the sft trainer saved checkpoint-2, then SIGKILL the pipeline.
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const std::string bin = testing::qilin_bench().string(), cfg = (dir_ / "c.json").string();
    execl(bin.c_str(), bin.c_str(), "-q", "-j", "1", "run", "all", "--config", cfg.c_str(), (char*)nullptr);
    _exit(127);
  }
  bool saw_checkpoint = false;
  for (int i = 0; i < 1200 && !saw_checkpoint; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    if (fs::exists(dir_ / "run" / "cache"))
      for (const auto& e : fs::directory_iterator(dir_ / "run" / "cache"))
        if (e.path().filename().string().rfind("train-sft-", 0) == 0 &&
            fs::exists(e.path() / "output" / "checkpoint-2" / "trainer_state.json"))
          saw_checkpoint = true;
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(saw_checkpoint) << "the sft trainer never wrote checkpoint-2";

  // The rerun does not redo dcpt and re-invokes the sft trainer with {resume_from}.
  auto r = run(dir_ / "c.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("[train-dcpt]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("resuming the external trainer from"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[train-sft] resumed from step 2"), std::string::npos) << r.err;
  EXPECT_EQ(metric_values(dir_ / "run" / "results.json"), metric_values(dir_ / "ref" / "results.json"));
}

TEST_F(ExternalTrainer, FailingOrIncompleteTrainersAreClearErrorsAndLoseNothing) {
  json c = config(dir_ / "run");
  c["stages"]["sft"]["trainer"] = trainer("--fail-at=1");
  write_file_atomic(dir_ / "fail.json", c.dump(2));
  auto r = run(dir_ / "fail.json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("stage sft: the external trainer exited with status 3 (log: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("simulated trainer failure"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "run" / "results.json"));
  // dcpt finished and stays finished.
  bool dcpt_done = false;
  for (const auto& e : fs::directory_iterator(dir_ / "run" / "cache"))
    if (e.path().filename().string().rfind("train-dcpt-", 0) == 0) dcpt_done = fs::exists(e.path() / "done.json");
  EXPECT_TRUE(dcpt_done);

  c["stages"]["sft"]["trainer"] = trainer("--no-weights");
  write_file_atomic(dir_ / "incomplete.json", c.dump(2));
  r = run(dir_ / "incomplete.json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("is not a Hugging Face checkpoint or PEFT adapter: missing model.safetensors"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("[train-dcpt]"), std::string::npos) << "dcpt must come from the cache: " << r.err;

  c["stages"]["sft"]["trainer"] = json{{"command", {"/nonexistent/trainer", "{bogus}"}}};
  write_file_atomic(dir_ / "placeholder.json", c.dump(2));
  r = run(dir_ / "placeholder.json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'{bogus}': is not a placeholder"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace qb
