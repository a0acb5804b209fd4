// A model server the pipeline starts for one checkpoint's evaluation (`eval.serve`): `vllm serve
// {checkpoint} --port {port}`, `qilin-bench serve --model {checkpoint} --port {port}`, SGLang,
// llama.cpp's llama-server … It runs with its output in a log, is ready when GET /v1/models
// answers, and is stopped (SIGTERM to its process group, SIGKILL after a grace period) when the
// checkpoint's evaluations are done or the pipeline dies. The openai backend (openai_backend.h)
// then answers the suites' requests through it. No torch here.
//
// In a pipeline config (docs/PIPELINE.md, "Served evaluation"):
//   "eval": {"serve": {"command": ["vllm", "serve", "{checkpoint}", "--port", "{port}"],
//                      "env": {}, "cwd": "", "served_model": "", "startup_timeout_s": 600, …}}
// Placeholders, in argv, env values and cwd:
//   {checkpoint}  the checkpoint directory (the base of a PEFT adapter when the stage wrote one)
//   {adapter}     the stage's PEFT adapter directory, or "" when it wrote full weights
//   {port}        a free TCP port on 127.0.0.1, chosen when the server starts
//   {name}        the checkpoint's row: base, dcpt, sft or dpo
//   {run_dir}     the pipeline's run directory
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace qb {

struct ServeCommand {
  std::vector<std::string> command;        // argv; argv[0] is looked up on PATH
  std::map<std::string, std::string> env;  // added to (or replacing in) the environment
  std::string cwd;                         // "" = the pipeline's run directory
  // "model" in requests; "" = the first id /v1/models lists. Required for a server that wants an
  // API key: it answers /v1/models with 401, which counts as up.
  std::string served_model;
  double startup_timeout_s = 600;          // until GET /v1/models answers 200
  double stop_timeout_s = 30;              // SIGTERM, then SIGKILL after this
  // How the openai backend talks to it (OpenAIOptions).
  bool chat = false;                       // generation through /v1/chat/completions
  int concurrency = 4;                     // requests in flight
  std::string tokenizer = "none";          // loglik prompts as text ("none") or the server's /tokenize ids
  double request_timeout_s = 600;          // per HTTP request
};

// Reads `eval.serve`; InputError(where, "key 'eval.serve.X'", …) for a missing command, a wrong type,
// an unknown key or a placeholder that does not exist.
ServeCommand serve_command_from_json(const nlohmann::json& j, const std::string& where);
// Whether argv, env or cwd mention `placeholder` (e.g. "{adapter}").
bool serve_command_uses(const ServeCommand& s, const std::string& placeholder);
// Every field that can change answers (a served evaluation's cache key holds it).
nlohmann::json serve_command_to_json(const ServeCommand& s);

struct ServePlaceholders {
  std::string checkpoint, adapter, name, run_dir;  // {port} is filled when the server starts
};

class ModelServer {
 public:
  // Starts the command (output appended to `log`) and waits until GET /v1/models answers.
  // std::runtime_error, naming `what` (e.g. "checkpoint 'sft'"), the log and its last lines, when
  // it cannot be started, exits first, or does not answer within startup_timeout_s (it is stopped).
  ModelServer(const ServeCommand& s, const ServePlaceholders& p, const std::filesystem::path& log,
              const std::string& what);
  ~ModelServer();  // stops the server (stop())
  ModelServer(const ModelServer&) = delete;
  ModelServer& operator=(const ModelServer&) = delete;

  const std::string& base_url() const { return base_url_; }          // http://127.0.0.1:PORT
  const std::string& served_model() const { return served_model_; }  // what requests send as "model"
  const std::vector<std::string>& argv() const { return argv_; }      // as started, placeholders filled
  // "" while the server runs; once it has exited, a sentence saying so (status, log, last lines).
  std::string exit_report();
  void stop();

 private:
  std::string report(const std::string& what_happened) const;
  ServeCommand settings_;
  std::filesystem::path log_;
  std::string what_, base_url_, served_model_;
  std::vector<std::string> argv_;
  pid_t pid_ = -1;
  int exit_status_ = -1;  // once reaped
};

}  // namespace qb
