// `qilin-bench model init|logits|describe`: create a seeded random checkpoint in the
// Hugging Face layout, print the last position's logits, describe a checkpoint.
#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "harness/commands.h"
#include "common/atomic_file.h"
#include "common/utf8.h"
#include "trainers/checkpoint/peft_adapter.h"
#include "trainers/tokenizer/char_tokenizer.h"
#include "trainers/model/model_tools.h"

namespace qb::cli {

namespace {

std::vector<int64_t> parse_ids(const std::string& text) {
  std::vector<int64_t> ids;
  size_t start = 0;
  int n = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    const std::string item = text.substr(start, comma - start);
    ++n;
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (item.empty() || used != item.size())
      throw InputError("--ids", "item " + std::to_string(n), "'" + item + "' is not an integer token id");
    ids.push_back(v);
    start = comma + 1;
  }
  return ids;
}

}  // namespace

void add_model(CLI::App& app) {
  auto* sub = app.add_subcommand("model", "init a checkpoint, print logits, describe a checkpoint");
  sub->require_subcommand(1);

  struct InitOptions {
    std::string config, out, dtype = "fp32";
    std::string tokenizer;
    uint64_t seed = 0;
    int64_t shard_bytes = 0;
  };
  auto init = std::make_shared<InitOptions>();
  auto* init_cmd = sub->add_subcommand("init", "write a seeded random checkpoint (config.json + safetensors)");
  init_cmd->add_option("--config", init->config, "HF config.json (LlamaForCausalLM or Baichuan)")->required();
  init_cmd->add_option("--out", init->out, "output checkpoint directory")->required();
  init_cmd->add_option("--seed", init->seed, "random seed (same seed, same weights)");
  init_cmd->add_option("--dtype", init->dtype, "storage dtype: fp32, fp16 or bf16");
  init_cmd->add_option("--shard-bytes", init->shard_bytes,
                       "split weights into shards of at most this many bytes (0 = one file)");
  init_cmd->add_option("--tokenizer", init->tokenizer,
                       "tokenizer.json to place beside the weights (its vocabulary must fit the config's)");
  init_cmd->callback([init] {
    const ModelConfig config = load_model_config(init->config);
    std::string tokenizer_json;
    if (!init->tokenizer.empty()) {
      const auto tok = CharTokenizer::load(init->tokenizer);
      if (tok.vocab_size() > config.vocab_size)
        throw InputError(init->tokenizer, "vocabulary",
                         std::to_string(tok.vocab_size()) + " tokens but " + init->config + " has vocab_size " +
                             std::to_string(config.vocab_size));
      tokenizer_json = tok.to_json();
    }
    init_random_checkpoint(config, init->out, init->seed, init->dtype, init->shard_bytes);
    if (!tokenizer_json.empty()) write_file_atomic(std::filesystem::path(init->out) / "tokenizer.json", tokenizer_json);
    std::cout << describe_checkpoint_json(init->out);
  });

  struct LogitsOptions {
    std::string model, dtype = "auto", adapter, base;
    std::vector<std::string> ids;
  };
  auto lo = std::make_shared<LogitsOptions>();
  auto* logits_cmd = sub->add_subcommand("logits", "print the last position's logits as a JSON array");
  logits_cmd->add_option("--model", lo->model, "checkpoint directory, or a PEFT LoRA adapter directory")->required();
  logits_cmd->add_option("--adapter", lo->adapter, "PEFT LoRA adapter directory merged into --model at load");
  logits_cmd->add_option("--base", lo->base,
                         "base checkpoint of an adapter given as --model (default: its base_model_name_or_path)");
  logits_cmd->add_option("--ids", lo->ids,
                         "comma-separated token ids, e.g. 1,2,3; repeat --ids for more sequences (one array per line)")
      ->required()
      ->take_all()
      ->allow_extra_args(false);
  logits_cmd->add_option("--dtype", lo->dtype,
                         "compute dtype: auto (the checkpoint's stored dtype; fp16 computes in fp32), fp32 or bf16")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}));
  logits_cmd->callback([lo] {
    std::vector<std::vector<int64_t>> seqs;
    for (const auto& text : lo->ids) seqs.push_back(parse_ids(text));
    const ModelSource src = resolve_model_source(lo->model, lo->adapter, lo->base);
    for (const auto& logits : last_position_logits(src.checkpoint, seqs, lo->dtype, src.adapter)) {
      nlohmann::json j = nlohmann::json::array();
      for (float v : logits) j.push_back(static_cast<double>(v));
      std::cout << j.dump() << "\n";
    }
  });

  struct TokenizerOptions {
    std::vector<std::string> corpus;
    std::string out;
    int64_t min_frequency = 1, max_chars = 0;
  };
  auto to = std::make_shared<TokenizerOptions>();
  auto* tok_cmd = sub->add_subcommand("tokenizer", "train the character tokenizer (byte fallback) from UTF-8 text files");
  tok_cmd->add_option("--corpus", to->corpus, "UTF-8 text file(s); every character counts")->required();
  tok_cmd->add_option("--out", to->out, "tokenizer.json to write")->required();
  tok_cmd->add_option("--min-freq", to->min_frequency, "keep characters seen at least this often")->check(CLI::PositiveNumber);
  tok_cmd->add_option("--max-chars", to->max_chars, "keep at most this many characters (0 = all)");
  tok_cmd->callback([to] {
    std::vector<std::string> texts;
    for (const auto& f : to->corpus) {
      std::string t = read_file(f);
      if (auto bad = first_invalid_utf8(t))
        throw InputError(f, "byte " + std::to_string(*bad), "invalid UTF-8");
      texts.push_back(std::move(t));
    }
    const auto tok = CharTokenizer::train(texts, {to->min_frequency, to->max_chars});
    tok.save(to->out);
    std::cout << nlohmann::json({{"out", to->out}, {"vocab_size", tok.vocab_size()}, {"chars", tok.chars().size()},
                                 {"signature", tok.signature()}}).dump() << "\n";
  });

  auto dir = std::make_shared<std::string>();
  auto* describe_cmd = sub->add_subcommand("describe", "print a checkpoint's architecture, size, dtype and shards as JSON");
  describe_cmd->add_option("--model", *dir, "checkpoint directory")->required();
  describe_cmd->callback([dir] { std::cout << describe_checkpoint_json(*dir); });
}

}  // namespace qb::cli
