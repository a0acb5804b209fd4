// Pipeline stages run by an external trainer (tests/harness/external_trainer.py, python3-torch,
// writing the Hugging Face layout and trainer_state.json as HF's Trainer does): placeholders,
// curves from log_history, a SIGKILL mid-stage resumed with {resume_from}, and the failures a
// user meets (a trainer that exits non-zero, one that leaves no weights) as clear errors.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "backends/model_server.h"
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


// eval.serve: every checkpoint evaluated through `qilin-bench serve` started by the pipeline
// (a PEFT adapter stage served with --adapter {adapter}) gives the results of the in-process
// evaluation: generation identical, log-likelihood accuracy identical (text prompts: the
// server's echo/logprobs within float rounding of the engine's).
json serve_command() {
  return json{{"command",
               {testing::qilin_bench().string(), "-j", "1", "serve", "--model", "{checkpoint}", "--adapter", "{adapter}",
                "--port", "{port}"}},
              {"startup_timeout_s", 120}};
}

TEST_F(ExternalTrainer, ServedEvaluationEqualsInProcessEvaluation) {
  json c = config(dir_ / "run");
  c["stages"]["sft"]["trainer"] = trainer("--adapter");  // sft writes a PEFT adapter on dcpt
  c["rag"]["checkpoints"] = {"sft"};                       // sft's server also answers its rag rows
  write_file_atomic(dir_ / "local.json", c.dump(2));
  auto r = run(dir_ / "local.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto local = metric_values(dir_ / "run" / "results.json");
  ASSERT_GE(local.size(), 20u);

  c["eval"]["serve"] = serve_command();
  write_file_atomic(dir_ / "served.json", c.dump(2));
  r = run(dir_ / "served.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("[train-"), std::string::npos) << "training must come from the cache: " << r.err;
  for (const char* ck : {"base", "dcpt", "sft", "dpo"})
    EXPECT_NE(r.err.find(std::string("[serve-") + ck + "] starting the server"), std::string::npos) << r.err;
  const auto served = metric_values(dir_ / "run" / "results.json");
  ASSERT_EQ(served.size(), local.size());
  for (const auto& [name, v] : local) EXPECT_NEAR(served.at(name), v, 1e-9) << name;
  // Who answered is recorded: the served rows' metrics.json name the openai backend.
  const json res = json::parse(read_file(dir_ / "run" / "results.json"));
  int served_evals = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "run" / "cache"))
    if (e.path().filename() == "metrics.json" && read_file(e.path()).find("\"openai\"") != std::string::npos)
      ++served_evals;
  EXPECT_EQ(served_evals, 15);  // 4 checkpoints x 3 evaluations + sft+rag x 3
  // No server outlives the pipeline.
  auto ps = testing::run_command({"/usr/bin/pgrep", "-f", "serve --model " + (dir_ / "run").string()});
  EXPECT_NE(ps.exit_code, 0) << ps.out;

  // A rerun finds every evaluation in the cache and starts no server.
  r = run(dir_ / "served.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err.find("[serve-"), std::string::npos) << r.err;
}

TEST_F(ExternalTrainer, ServeCommandsThatFailAreClearErrorsAndLoseNothing) {
  json c = config(dir_ / "run");
  c["eval"]["checkpoints"] = {"base", "dcpt"};
  c["eval"]["serve"] = json{{"command", {"/bin/sleep", "60", "{port}"}}, {"startup_timeout_s", 2}};
  write_file_atomic(dir_ / "silent.json", c.dump(2));
  auto r = run(dir_ / "silent.json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("eval.serve: the server for checkpoint 'base' (/bin/sleep 60 "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("did not answer GET http://127.0.0.1:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("within 2 s (eval.serve.startup_timeout_s"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "run" / "results.json"));
  auto ps = testing::run_command({"/usr/bin/pgrep", "-f", "/bin/sleep 60"});
  EXPECT_NE(ps.exit_code, 0) << "the silent server was not stopped: " << ps.out;

  c["eval"]["serve"] = json{{"command", {"/bin/sh", "-c", "echo no such model here >&2; exit 3", "{port}"}}};
  write_file_atomic(dir_ / "dies.json", c.dump(2));
  r = run(dir_ / "dies.json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("exited with status 3 (log: " + (dir_ / "run" / "serve").string() + "/base-"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("no such model here"), std::string::npos) << r.err;  // the log's last lines
  EXPECT_EQ(r.err.find("[train-"), std::string::npos) << "training must come from the cache: " << r.err;

  c["eval"]["serve"] = json{{"command", {"/nonexistent/server", "{port}"}}};
  write_file_atomic(dir_ / "missing.json", c.dump(2));
  r = run(dir_ / "missing.json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("could not be started"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cannot run /nonexistent/server"), std::string::npos) << r.err;

  // Mistakes in the setting fail before anything runs, naming the key.
  c["eval"]["serve"] = json{{"command", {"vllm", "serve", "{checkpiont}"}}};
  write_file_atomic(dir_ / "typo.json", c.dump(2));
  r = run(dir_ / "typo.json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("eval.serve.command: '{checkpiont}': is not a placeholder (known: {checkpoint}, {adapter}, "
                       "{port}, {name}, {run_dir}"),
            std::string::npos)
      << r.err;
  c["eval"]["serve"] = json{{"command", {"vllm"}}, {"startup_timeout", 5}};
  write_file_atomic(dir_ / "key.json", c.dump(2));
  r = run(dir_ / "key.json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("key 'eval.serve.startup_timeout': unknown setting"), std::string::npos) << r.err;

  // A stage that wrote an adapter cannot be served by a command without {adapter}.
  c["stages"]["dcpt"]["trainer"] = trainer("--adapter");
  c["eval"]["serve"] = json{{"command", {testing::qilin_bench().string(), "serve", "--model", "{checkpoint}", "--port", "{port}"}}};
  write_file_atomic(dir_ / "adapter.json", c.dump(2));
  r = run(dir_ / "adapter.json");
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("stage dcpt wrote a PEFT adapter"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("the command must pass {adapter} to the server"), std::string::npos) << r.err;
}


// eval.backend: rows answered by a server that something else runs (here a `qilin-bench serve`
// of the base checkpoint, with an API key); the other rows stay in-process and cached.
TEST_F(ExternalTrainer, RowsServedBySomethingElseAreAskedThere) {
  json c = config(dir_ / "run");
  c["eval"]["checkpoints"] = {"base", "dcpt"};
  write_file_atomic(dir_ / "local.json", c.dump(2));
  auto r = run(dir_ / "local.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto local = metric_values(dir_ / "run" / "results.json");
  std::string base_dir;
  const json local_results = json::parse(read_file(dir_ / "run" / "results.json"));
  for (const auto& m : local_results["models"])
    if (m["name"] == "base") base_dir = m["checkpoint"].get<std::string>();
  ASSERT_FALSE(base_dir.empty());

  ServeCommand sc;
  sc.command = {testing::qilin_bench().string(), "-j", "1", "serve", "--model", "{checkpoint}", "--port", "{port}",
                "--served-model-name", "baichuan-demo", "--api-key-env", "QB_TEST_KEY"};
  sc.env = {{"QB_TEST_KEY", "s3cret-key"}};
  sc.served_model = "baichuan-demo";  // it answers /v1/models only with the key
  sc.startup_timeout_s = 120;
  ModelServer server(sc, ServePlaceholders{base_dir, "", "base", dir_.path().string()}, dir_ / "server.log", "the test's base");
  ASSERT_EQ(server.served_model(), "baichuan-demo");

  ::setenv("QB_TEST_KEY", "s3cret-key", 1);
  c["eval"]["backend"] = json{{"kind", "openai"},
                              {"base_urls", {server.base_url()}},
                              {"models", {{"base", "baichuan-demo"}}},
                              {"api_key_env", "QB_TEST_KEY"}};
  write_file_atomic(dir_ / "served.json", c.dump(2));
  r = run(dir_ / "served.json");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("[eval-base-cmexam-loglik]"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("[eval-dcpt-"), std::string::npos) << "dcpt rows must come from the cache: " << r.err;
  const auto served = metric_values(dir_ / "run" / "results.json");
  ASSERT_EQ(served.size(), local.size());
  for (const auto& [name, v] : local) EXPECT_NEAR(served.at(name), v, 1e-9) << name;
  int served_evals = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "run")) {
    if (!e.is_regular_file()) continue;
    const std::string text = read_file(e.path());
    EXPECT_EQ(text.find("s3cret-key"), std::string::npos) << "the API key was written to " << e.path();
    if (e.path().filename() == "metrics.json" && text.find("\"openai\"") != std::string::npos) ++served_evals;
  }
  EXPECT_EQ(served_evals, 3);  // base: cmexam loglik, cmexam generate, huatuo

  // A name the server does not serve, an unset key variable, and mistakes in the setting.
  c["eval"]["backend"]["models"] = {{"base", "nope"}};
  write_file_atomic(dir_ / "name.json", c.dump(2));
  r = run(dir_ / "name.json");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("does not serve 'nope'; it lists 'baichuan-demo'"), std::string::npos) << r.err;
  c["eval"]["backend"]["models"] = {{"base", "baichuan-demo"}};
  c["eval"]["backend"]["api_key_env"] = "QB_TEST_KEY_UNSET";
  c["eval"]["backend"]["chat"] = true;  // another cache key: the rows are asked again
  write_file_atomic(dir_ / "key.json", c.dump(2));
  r = run(dir_ / "key.json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("key 'eval.backend.api_key_env': the environment variable QB_TEST_KEY_UNSET is unset or empty"),
            std::string::npos)
      << r.err;
  c["eval"]["backend"] = json{{"kind", "openai"}, {"base_urls", {server.base_url()}}, {"models", {{"rag", "x"}}}};
  write_file_atomic(dir_ / "row.json", c.dump(2));
  r = run(dir_ / "row.json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("key 'eval.backend.models': 'rag' is not a row (base, dcpt, sft, dpo)"), std::string::npos)
      << r.err;
  ::unsetenv("QB_TEST_KEY");
}

}  // namespace
}  // namespace qb
