// A training stage run by an existing trainer — LLaMA-Factory, TRL's CLIs, a torchrun/DeepSpeed
// script — instead of the built-in one: the pipeline fills the stage's placeholders into an argv,
// renders the trainer's own config file, runs the command with its output in a log, and takes
// whatever Hugging Face layout it wrote (hf_output.h). No torch here.
//
// In a pipeline config (docs/PIPELINE.md, "External trainers"):
//   "stages": {"sft": {"trainer": {
//       "command": ["llamafactory-cli", "train", "{config}"],
//       "env": {"CUDA_VISIBLE_DEVICES": "0,1"},
//       "cwd": "",
//       "config": {"model_name_or_path": "{base}", "output_dir": "{output_dir}", "stage": "sft", …},
//       "config_file": "config.yaml"}}}
// Placeholders, in argv, env values, cwd and every string of "config":
//   {base}        the stage's input model: the previous stage's full checkpoint, or the base model
//   {adapter}     the previous stage's PEFT adapter when it wrote one ({base} is then its base), else ""
//   {data}        the stage's data file
//   {output_dir}  where the trainer must write its checkpoint
//   {resume_from} the newest checkpoint-N folder in output_dir (a killed run), or "" when none
//   {run_dir}     the pipeline's run directory
//   {config}      the rendered config file
//   {stage}       dcpt, sft or dpo
// "{{" and "}}" stand for literal braces. An unknown placeholder is an error naming it.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qb {

struct ExternalTrainer {
  std::vector<std::string> command;        // argv[0] is looked up on PATH
  std::map<std::string, std::string> env;  // added to (or replacing in) the environment
  std::string cwd;                         // working directory; "" = the pipeline's run directory
  nlohmann::json config;                   // the trainer's own config (null = none rendered)
  std::string config_file = "config.yaml";  // its file name: JSON text, which YAML parsers read too
};

// Reads a stage's "trainer" object; InputError(where, key, problem) for a missing command, a
// non-string argument, an unknown key.
ExternalTrainer external_trainer_from_json(const nlohmann::json& j, const std::string& where);
// Everything that changes the stage's output (for the cache key).
nlohmann::json external_trainer_to_json(const ExternalTrainer& t);

struct StagePlaceholders {
  std::string base, adapter, data, output_dir, resume_from, run_dir, config, stage;
};

// Replaces the placeholders in `text`; InputError(where, "'{name}'", …) for an unknown one.
std::string fill_placeholders(const std::string& text, const StagePlaceholders& p, const std::string& where);
// The same in every string of a JSON value (keys untouched).
nlohmann::json fill_placeholders(const nlohmann::json& j, const StagePlaceholders& p, const std::string& where);

// The newest "checkpoint-<step>" folder directly in `output_dir` (by step), or "" when none.
std::string newest_hf_checkpoint(const std::filesystem::path& output_dir);

struct ExternalRunResult {
  int exit_status = 0;           // the command's exit code; 128 + N when killed by signal N
  std::filesystem::path log;     // its stdout and stderr, interleaved as written
  std::vector<std::string> tail;  // the log's last lines (at most 20)
};

// Writes the rendered config to p.config (when t.config is not null), runs the command with its
// stdout and stderr appended to `log`, hands each complete output line to `on_line` as it comes,
// and returns when the command exits. The command dies with this process (a killed pipeline
// leaves no trainer running on). Throws std::runtime_error when the command cannot be started.
ExternalRunResult run_external_trainer(const ExternalTrainer& t, const StagePlaceholders& p,
                                       const std::filesystem::path& log,
                                       const std::function<void(const std::string&)>& on_line);

}  // namespace qb
