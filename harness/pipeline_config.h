// The pipeline's configuration: the embedded demo world by default, a user file merged over it
// (--config), and --set overrides; then read into typed settings. Every key is documented in
// docs/PIPELINE.md. Unknown keys and wrong types are InputErrors naming the file and the key;
// the stages' settings are parsed here by the trainer's own config parser, so a typo in
// stages.sft.lr fails before anything runs.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backends/model_server.h"
#include "metrics/huatuo_scorer.h"
#include "trainers/external/external_trainer.h"
#include "trainers/train/train_config.h"

namespace qb {

// The data files a run reads, by role. A role left null comes from the demo world.
inline const char* const kDataRoles[] = {"dcpt", "sft", "dpo", "cmexam_test", "cmexam_train", "huatuo_test",
                                         "rag_corpus"};

struct DataSettings {
  uint64_t demo_seed = 0;
  std::string demo_scale;                              // "default" | "small"
  // false: the first bad record of any input file stops the run before anything is trained,
  // naming file and line; true: bad records are skipped, each reported (file, line, reason).
  bool lenient = false;
  std::map<std::string, std::filesystem::path> files;  // role -> file; absent = from the demo world
};

struct ModelSettings {
  std::filesystem::path base_checkpoint;  // empty = the demo's base (a trained tokenizer, seeded weights)
  uint64_t init_seed = 0;
  int64_t tokenizer_min_frequency = 1;
  nlohmann::json architecture;            // config.json keys, checked by the model config parser
};

// eval.backend: rows answered by models that something else already serves over the
// OpenAI-compatible API (vLLM, SGLang, a `qilin-bench serve` of yours); the other rows are
// evaluated in-process or through eval.serve.
struct ServedRowsSettings {
  std::vector<std::string> base_urls;         // replicas of one server, e.g. http://10.0.0.5:8000
  std::map<std::string, std::string> models;  // row (base, dcpt, sft, dpo) -> the served model's name
  std::string api_key_env;                    // environment variable holding the API key; "" = none
  bool chat = false;                          // generation through /v1/chat/completions
  int concurrency = 4;
  std::string tokenizer = "none";             // loglik prompts as text, or "server" (/tokenize ids)
  double request_timeout_s = 600;
};

struct EvalSettings {
  std::vector<std::string> checkpoints;   // rows: base, dcpt, sft, dpo
  std::vector<std::string> cmexam_modes;  // loglik, generate
  bool huatuo = true;
  long limit = 0;
  int k_shot = 0;
  std::string continuation;               // CMExam loglik: letter | text
  int cmexam_max_new_tokens = 0, huatuo_max_new_tokens = 0;
  std::string huatuo_template;            // empty = the suite's (chat models: "{question}")
  int batch_size = 16;
  uint64_t seed = 0;
  std::string dtype = "fp32";             // in-process compute dtype: fp32 | bf16 | auto (the stored one)
  // Set: every checkpoint is evaluated through a server this command starts (backends/model_server.h);
  // unset: in-process by the libtorch engine.
  std::optional<ServeCommand> serve;
  std::optional<ServedRowsSettings> backend;
};

struct RagSettings {
  std::vector<std::string> checkpoints;  // rows evaluated with retrieval too ("sft" -> "sft+rag")
  size_t k = 2;
  std::string prompt_template;           // empty = suites/rag_prompt.h's default
  std::string segmenter;                 // BM25 terms
  double k1 = 1.5, b = 0.75;
};

struct CompareSettings {
  int resamples = 1000;
  uint64_t seed = 0;
  double alpha = 0.05;
};

struct PipelineConfig {
  std::string run_name;
  std::filesystem::path run_dir;
  DataSettings data;
  ModelSettings model;
  std::map<std::string, TrainConfig> stages;  // "dcpt", "sft", "dpo" (stage, data, init, out set by the pipeline)
  // Stages run by an external trainer ("trainer": {"command": …}); the others use the built-in one.
  std::map<std::string, ExternalTrainer> external_trainers;
  EvalSettings eval;
  RagSettings rag;
  HuatuoScoreOptions metrics;                 // segmenter, hmm, bootstrap, seed
  CompareSettings compare;
  // The merged config as JSON: written to RUN_DIR/config.json and the manifest, and the source of
  // the cache keys' setting parts.
  nlohmann::json json;
};

// The built-in default: the demo world, a tiny model, stage settings that finish the whole
// pipeline in minutes on 2 cores.
nlohmann::json default_pipeline_config();

// Objects whose keys are checked by their consumer (the trainer's config parser, the model
// config parser), not by the merge.
const std::vector<std::string>& pipeline_free_form_paths();

// defaults <- file (when non-empty) <- overrides, validated and typed.
PipelineConfig load_pipeline_config(const std::string& file, const std::vector<std::string>& overrides);

// Types a merged config (`source` names it in errors).
PipelineConfig pipeline_config_from_json(const nlohmann::json& merged, const std::string& source);

}  // namespace qb
