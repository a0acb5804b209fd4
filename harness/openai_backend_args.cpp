#include "harness/openai_backend_args.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>

#include "common/error.h"
#include "trainers/tokenizer/tokenizer.h"

namespace qb::cli {

void add_openai_options(CLI::App& sub, OpenAIArgs& a) {
  sub.add_option("--base-url", a.base_urls,
                 "openai backend: server URL, e.g. http://127.0.0.1:8000 (repeat for replicas)");
  sub.add_option("--served-model", a.served_model, "openai backend: the model name the server serves");
  sub.add_option("--api-key-env", a.api_key_env,
                 "openai backend: environment variable holding the API key (sent as Authorization: Bearer)");
  sub.add_option("--concurrency", a.concurrency, "openai backend: requests in flight")->check(CLI::Range(1, 1024));
  sub.add_option("--tokenizer", a.tokenizer,
                 "openai backend, loglik prompts: a checkpoint DIR whose tokenizer.json gives token ids, 'server' "
                 "(its /tokenize) or 'none' (text, split by text_offset; default)");
  sub.add_flag("--chat", a.chat, "openai backend: generate through /v1/chat/completions");
  sub.add_option("--timeout", a.timeout_s, "openai backend: seconds per HTTP request")->check(CLI::PositiveNumber);
  sub.add_option("--retries", a.retries, "openai backend: retries per request (connection errors, 429, 5xx)")
      ->check(CLI::Range(0, 100));
  sub.add_option("--retry-backoff", a.backoff_s, "openai backend: first retry delay in seconds, doubled each time")
      ->check(CLI::NonNegativeNumber);
  sub.add_option("--cache-dir", a.cache_dir,
                 "openai backend: keep answers here (sha256 of endpoint + body): an interrupted eval resumes, a "
                 "rerun sends nothing");
}

std::unique_ptr<OpenAIBackend> make_openai_backend(const OpenAIArgs& a) {
  if (a.base_urls.empty()) throw InputError("--base-url", "", "is required with --backend openai");
  if (a.served_model.empty()) throw InputError("--served-model", "", "is required with --backend openai");
  OpenAIOptions o;
  o.base_urls = a.base_urls;
  o.served_model = a.served_model;
  o.concurrency = a.concurrency;
  o.timeout_s = a.timeout_s;
  o.max_retries = a.retries;
  o.backoff_s = a.backoff_s;
  o.chat = a.chat;
  o.cache_dir = a.cache_dir;
  if (!a.api_key_env.empty()) {
    const char* key = std::getenv(a.api_key_env.c_str());
    if (!key || !*key) throw InputError("--api-key-env", a.api_key_env, "the environment variable is unset or empty");
    o.api_key = key;
  }
  if (a.tokenizer == "none" || a.tokenizer == "server") {
    o.tokenizer_mode = a.tokenizer;
  } else {
    // A checkpoint's tokenizer.json, read without libtorch (trainers/tokenizer is torch-free).
    std::shared_ptr<Tokenizer> tok = load_tokenizer(a.tokenizer);
    o.tokenizer_mode = "local";
    o.bos_id = tok->bos_id();
    o.tokenizer_signature = tok->signature();
    o.encode = [tok](const std::string& text) { return tok->encode(text); };
  }
  return std::make_unique<OpenAIBackend>(std::move(o));
}

}  // namespace qb::cli
