// qilin-bench eval: one checkpoint (or a served model, --backend openai) on one suite, through the
// same run_evaluation the pipeline uses (evals/evaluation.h), so `eval` and `run` write identical
// per-sample logs and metrics. Torch-free: the local engine comes from the factory the torch
// binary registers (local_backend.h); the light binary runs only --backend openai itself.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdlib>
#include <iostream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "harness/commands.h"
#include "evals/evaluation.h"
#include "evals/suite_registry.h"
#include "harness/local_backend.h"
#include "harness/openai_backend_args.h"
#include "trainers/checkpoint/peft_adapter.h"

namespace qb::cli {
namespace fs = std::filesystem;

namespace {

struct EvalArgs {
  std::string model, suite, data, dtype = "auto", adapter, base, mode = "loglik", out, train_data, continuation = "letter", shard;
  std::string backend = "local";
  OpenAIArgs openai;
  long limit = 0;
  int batch_size = 8, max_new_tokens = 0, bootstrap = 1000, k_shot = 0;
  bool lenient = false;
  std::vector<std::string> merge;
};

// "--shard i/n", else the launcher's RANK / WORLD_SIZE (as torchrun and Slurm set them), else 0/1.
std::pair<int, int> resolve_shard(const std::string& shard) {
  std::string text = shard;
  if (text.empty()) {
    const char* rank = std::getenv("RANK");
    const char* world = std::getenv("WORLD_SIZE");
    if (!rank || !world) return {0, 1};
    text = std::string(rank) + "/" + world;
  }
  auto slash = text.find('/');
  char* end = nullptr;
  long i = slash == std::string::npos ? -1 : std::strtol(text.c_str(), &end, 10);
  long n = slash == std::string::npos ? -1 : std::strtol(text.c_str() + slash + 1, nullptr, 10);
  if (slash == std::string::npos || end != text.c_str() + slash || n < 1 || i < 0 || i >= n)
    throw InputError("--shard", "'" + text + "'", "expected I/N with 0 <= I < N, e.g. 0/2");
  return {static_cast<int>(i), static_cast<int>(n)};
}

LocalBackendFactory g_local_factory = nullptr;

}  // namespace

void set_local_backend_factory(LocalBackendFactory factory) { g_local_factory = factory; }
LocalBackendFactory local_backend_factory() { return g_local_factory; }

void add_eval(CLI::App& app) {
  auto o = std::make_shared<EvalArgs>();
  auto* sub = app.add_subcommand("eval", "evaluate a checkpoint on a suite and write per-sample logs and metrics");
  sub->add_option("--model", o->model, "checkpoint directory (config.json, safetensors, tokenizer.json)");
  sub->add_option("--backend", o->backend, "local (the libtorch engine over --model) or openai (a served model)")
      ->check(CLI::IsMember({"local", "openai"}));
  add_openai_options(*sub, o->openai);
  sub->add_option("--adapter", o->adapter, "PEFT LoRA adapter directory merged into --model at load");
  sub->add_option("--base", o->base, "base checkpoint of an adapter given as --model (default: its base_model_name_or_path)");
  sub->add_option("--dtype", o->dtype,
                  "compute dtype: auto (the checkpoint's stored dtype; fp16 computes in fp32), fp32 or bf16")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}));
  sub->add_option("--suite", o->suite, "cmexam or huatuo26m (alias huatuo)");
  sub->add_option("--data", o->data, "the suite's data file");
  sub->add_option("--mode", o->mode, "loglik (cmexam only) or generate; default: the suite's first mode (cmexam loglik, huatuo26m generate)")
      ->check(CLI::IsMember({"loglik", "generate"}));
  sub->add_option("--limit", o->limit, "evaluate only the first N items (0 = all)")->check(CLI::NonNegativeNumber);
  sub->add_option("--out", o->out, "output directory for samples.jsonl and metrics.json (default: print metrics only)");
  sub->add_option("--batch-size", o->batch_size, "rows per forward pass")->check(CLI::Range(1, 4096));
  sub->add_option("--max-new-tokens", o->max_new_tokens, "generation length cap (default: the suite's)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--bootstrap", o->bootstrap, "bootstrap resamples for Huatuo intervals (0 = none)")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--k-shot", o->k_shot, "CMExam few-shot examples drawn (seeded) from --train-data")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--train-data", o->train_data, "CMExam file the few-shot examples come from");
  sub->add_option("--continuation", o->continuation, "CMExam loglik continuations: letter (A-E) or text (cloze)")
      ->check(CLI::IsMember({"letter", "text"}));
  sub->add_option("--shard", o->shard, "evaluate shard I/N of the items (default: $RANK/$WORLD_SIZE, else all)");
  sub->add_option("--merge", o->merge,
                  "merge finished shard folders into --out (metrics recomputed from the merged samples)");
  sub->add_flag("--lenient", o->lenient,
                "skip bad records (counted and listed in metrics.json) instead of stopping at the first");
  sub->callback([o, sub] {
    if (!o->merge.empty()) {
      if (o->out.empty()) throw InputError("--merge", "", "needs --out for the merged result");
      std::vector<fs::path> dirs(o->merge.begin(), o->merge.end());
      auto r = merge_eval_shards(dirs, o->out);
      std::cout << r.metrics.dump(2) << "\n";
      return;
    }
    const bool served = o->backend == "openai";
    // The other backend's flags are mistakes, not silently ignored.
    if (!served)
      for (const char* flag : {"--base-url", "--served-model", "--api-key-env", "--concurrency", "--tokenizer", "--chat",
                               "--timeout", "--retries", "--retry-backoff", "--cache-dir"})
        if (sub->count(flag)) throw InputError(flag, "", "applies to --backend openai only");
    if (served)
      for (const char* flag : {"--adapter", "--base", "--dtype"})
        if (sub->count(flag)) throw InputError(flag, "", "applies to --backend local only (the server chose the weights)");
    if (served && !o->model.empty())
      throw InputError("--model", "", "names a checkpoint for --backend local; a served model is named by --served-model");
    for (auto [name, value] : {std::pair{"--model", &o->model}, {"--suite", &o->suite}, {"--data", &o->data}})
      if (value->empty() && !(served && std::string(name) == "--model"))
        throw InputError(name, "", "is required (or give --merge)");
    const Suite& suite = find_suite(o->suite);
    // A mode the suite cannot score is the flag's mistake, reported before the model loads.
    if (sub->count("--mode")) try {
        suite.resolve_mode(o->mode);
      } catch (const InputError& e) {
        throw InputError("--mode", "value", e.problem());
      }
    EvalSpec spec;
    spec.suite = suite.name();
    spec.options.mode = sub->count("--mode") ? o->mode : "";
    spec.options.data = o->data;
    spec.options.train_data = o->train_data;
    spec.options.limit = o->limit;
    spec.options.lenient = o->lenient;
    spec.options.k_shot = o->k_shot;
    spec.options.continuation = o->continuation;
    spec.options.max_new_tokens = o->max_new_tokens;
    spec.options.scoring.bootstrap = o->bootstrap;
    spec.options.scoring.threads = resolved_threads();
    std::tie(spec.shard_index, spec.shard_count) = resolve_shard(o->shard);

    std::unique_ptr<Backend> backend;
    std::string compute_dtype;
    ModelSource src;
    if (served) {
      backend = make_openai_backend(o->openai);
    } else {
      if (!g_local_factory) throw std::logic_error("eval --backend local reached a binary without the engine");
      src = resolve_model_source(o->model, o->adapter, o->base);
      LocalEngineSettings settings;
      settings.batch_size = o->batch_size;
      settings.dtype = o->dtype;
      settings.adapter = src.adapter.string();
      LocalEngine local = g_local_factory(src.checkpoint.string(), settings);
      backend = std::move(local.backend);
      compute_dtype = local.compute_dtype;
    }
    // Without --out the files go to a scratch folder that is removed afterwards.
    const bool scratch = o->out.empty();
    const fs::path out = scratch ? fs::temp_directory_path() / fmt::format("qilin-eval-{}", ::getpid()) : fs::path(o->out);
    const auto start = std::chrono::steady_clock::now();
    EvalResult r = run_evaluation(*backend, spec, out);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    nlohmann::json metrics = r.metrics;
    const BackendInfo info = backend->info();
    metrics["model"] = served ? info.model : src.checkpoint.string();
    if (!src.adapter.empty()) metrics["adapter"] = src.adapter.string();
    metrics["data"] = o->data;
    metrics["tokenizer"] = info.tokenizer;
    // Work counters: the engine's forward passes, or the client's HTTP requests and cache hits.
    const char* counters_key = served ? "client" : "engine";
    metrics[counters_key] = backend->counters();
    if (!served) {
      metrics[counters_key]["batch_size"] = o->batch_size;
      metrics[counters_key]["dtype"] = compute_dtype;
    }
    metrics[counters_key]["seconds"] = seconds;
    if (scratch) {
      fs::remove_all(out);
    } else {
      write_file_atomic(out / "metrics.json", metrics.dump(2) + "\n");
    }
    std::cout << metrics.dump(2) << "\n";
  });
}

}  // namespace qb::cli
