// qilin-bench serve: a checkpoint behind the OpenAI-compatible HTTP API (serve/, docs/SERVING.md),
// so other tools — or `qilin-bench eval --backend openai` — can evaluate it over HTTP.
#include <CLI/CLI.hpp>
#include <cstdlib>

#include "common/error.h"
#include "harness/commands.h"
#include "serve/http_server.h"
#include "trainers/checkpoint/peft_adapter.h"
#include "trainers/serve/engine_runner.h"

namespace qb::cli {

namespace {

struct ServeArgs {
  std::string model, host = "127.0.0.1", api_key_env, served_model_name, dtype = "auto", adapter, base;
  int port = 8000, batch_size = 8;
  size_t max_queue = 64;
};

}  // namespace

void add_serve(CLI::App& app) {
  auto o = std::make_shared<ServeArgs>();
  auto* sub = app.add_subcommand("serve", "serve a checkpoint over the OpenAI-compatible HTTP API");
  sub->add_option("--model", o->model, "checkpoint directory (config.json, safetensors, tokenizer.json)")->required();
  sub->add_option("--adapter", o->adapter, "PEFT LoRA adapter directory merged into --model at load");
  sub->add_option("--base", o->base, "base checkpoint of an adapter given as --model (default: its base_model_name_or_path)");
  sub->add_option("--dtype", o->dtype,
                  "compute dtype: auto (the checkpoint's stored dtype; fp16 computes in fp32), fp32 or bf16")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}));
  sub->add_option("--host", o->host, "address to bind (default 127.0.0.1: this machine only)");
  sub->add_option("--port", o->port, "port (0 = any free port, printed when listening)")->check(CLI::Range(0, 65535));
  sub->add_option("--api-key-env", o->api_key_env,
                  "name of the environment variable holding the key clients must send as 'Authorization: Bearer KEY'");
  sub->add_option("--served-model-name", o->served_model_name, "the model name clients send (default: --model as given)");
  sub->add_option("--max-queue", o->max_queue, "requests waiting for the engine before new ones get 503")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--batch-size", o->batch_size, "rows per forward pass")->check(CLI::Range(1, 4096));
  sub->callback([o] {
    serve::ServeOptions so;
    so.host = o->host;
    so.port = o->port;
    so.max_queue = o->max_queue;
    so.served_model = o->served_model_name.empty() ? o->model : o->served_model_name;
    if (!o->api_key_env.empty()) {
      // The key itself never appears on the command line (ps) or in logs: only the variable's name.
      const char* key = std::getenv(o->api_key_env.c_str());
      if (!key || !*key) throw InputError("--api-key-env", o->api_key_env, "the environment variable is unset or empty");
      so.api_key = key;
    }
    const ModelSource src = resolve_model_source(o->model, o->adapter, o->base);
    EngineRunnerSettings settings;
    settings.batch_size = o->batch_size;
    settings.dtype = o->dtype;
    settings.adapter = src.adapter.string();
    auto runner = make_engine_runner(src.checkpoint, settings);
    serve::run_server(*runner, so);
  });
}

}  // namespace qb::cli
