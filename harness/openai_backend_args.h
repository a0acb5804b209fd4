// `eval --backend openai`'s flags, and the OpenAIBackend they make (torch-free: the light
// binary runs such an eval without loading libtorch).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backends/openai_backend.h"

namespace CLI {
class App;
}

namespace qb::cli {

struct OpenAIArgs {
  std::vector<std::string> base_urls;
  std::string served_model, api_key_env, tokenizer = "none", cache_dir;
  int concurrency = 4, retries = 5;
  double timeout_s = 600, backoff_s = 0.5;
  bool chat = false;
};

void add_openai_options(CLI::App& sub, OpenAIArgs& args);
// InputError naming the flag for a missing --base-url / --served-model or an unset key variable.
std::unique_ptr<OpenAIBackend> make_openai_backend(const OpenAIArgs& args);

}  // namespace qb::cli
