// qilin-bench train --stage dcpt|sft|dpo [--config FILE] [--set key=value ...]
//                   [--data FILE] [--init DIR] [--out DIR] [--model-config FILE]
// Every config key is documented in docs/TRAINING.md; the command-line flags are shorthands
// for the keys of the same name and win over the config file. Under `launch` (or torchrun /
// Slurm variables) it is one rank of a data-parallel job (docs/SCALING.md).
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>
#include <nlohmann/json.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"
#include "harness/commands.h"
#include "trainers/distributed/distributed.h"
#include "trainers/train/train.h"
#include "trainers/train/train_config.h"

namespace qb::cli {

namespace {

// A string as a JSON string literal, so a --set value is never reparsed as a number.
std::string nlohmann_quote(const std::string& s) { return nlohmann::json(s).dump(); }

struct TrainArgs {
  std::string stage, config, data, eval_data, init, out, model_config;
  std::vector<std::string> sets;
};

void run_train(const TrainArgs& a) {
  // Under a launcher (RANK/WORLD_SIZE/MASTER_ADDR/MASTER_PORT set) this process is one rank of
  // a data-parallel job; bad variables are input errors naming the variable.
  const DistributedEnv dist = distributed_env_from_environment();
  std::vector<std::string> overrides = a.sets;
  overrides.push_back("stage=" + nlohmann_quote(a.stage));
  // Flags are paths relative to the working directory: passed as --set values, which the
  // config loader does not re-anchor to the config file's folder.
  auto path_flag = [&](const std::string& key, const std::string& v) {
    if (!v.empty()) overrides.push_back(key + "=" + nlohmann_quote(v));
  };
  path_flag("data", a.data);
  path_flag("eval_data", a.eval_data);
  path_flag("init", a.init);
  path_flag("out", a.out);
  path_flag("model_config", a.model_config);
  TrainConfig c = load_train_config(a.config, overrides);
  TrainSummary s = run_training_stage(c, global_options().quiet || dist.rank != 0, dist);
  if (dist.rank == 0) std::cout << s.to_json() << "\n";  // the other ranks' summaries lack the evaluations
}

}  // namespace

void add_train(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* sub = app.add_subcommand("train", "train one stage (dcpt, sft, dpo) from a JSON config (docs/TRAINING.md)");
  sub->add_option("--stage", args->stage, "dcpt, sft or dpo")->required()->check(CLI::IsMember({"dcpt", "sft", "dpo"}));
  sub->add_option("--config", args->config, "JSON config file (every key optional; see docs/TRAINING.md)");
  sub->add_option("--set", args->sets, "override a config key: key=value (value parsed as JSON when it parses)");
  sub->add_option("--data", args->data, "training data file (overrides the config's 'data')");
  sub->add_option("--eval-data", args->eval_data, "held-out data file (overrides 'eval_data')");
  sub->add_option("--init", args->init, "checkpoint dir to start from (required for sft and dpo)");
  sub->add_option("--out", args->out, "output dir: checkpoints, metrics.jsonl, final/");
  sub->add_option("--model-config", args->model_config, "config.json of a fresh model (dcpt without --init)");
  sub->callback([args] { run_train(*args); });
}

}  // namespace qb::cli
