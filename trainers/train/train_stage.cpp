// run_training_stage, read top to bottom: validate the config, find the resume point, build or
// load the model and tokenizer, read the stage's data (suites/ readers) into its objective
// (stage_objectives.h), run the shared loop (train_loop.h), write the summary.
#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <optional>

#include "common/atomic_file.h"
#include "common/error.h"
#include "suites/dcpt_reader.h"
#include "suites/dpo_reader.h"
#include "suites/sft_reader.h"
#include "trainers/tokenizer/char_tokenizer.h"
#include "trainers/checkpoint/chat_template.h"
#include "trainers/checkpoint/checkpoint.h"
#include "trainers/train/dpo_loss.h"
#include "trainers/model/lora.h"
#include "trainers/model/model_config.h"
#include "trainers/tokenizer/tokenizer.h"
#include "trainers/train/train.h"
#include "trainers/train/train_data.h"
#include "trainers/train/train_loop.h"
#include "trainers/train/train_model_lora.h"
#include "trainers/train/stage_objectives.h"

namespace qb {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace qb::train;

std::string TrainSummary::to_json() const {
  json j = {{"stage", stage},
            {"steps", steps},
            {"resumed_from", resumed_from},
            {"train_examples", train_examples},
            {"eval_examples", eval_examples},
            {"skipped_examples", skipped_examples},
            {"first_loss", first_loss},
            {"last_loss", last_loss},
            {"tokens_per_second", tokens_per_second},
            {"eval_start", json::parse(eval_start_json.empty() ? "{}" : eval_start_json)},
            {"eval_end", json::parse(eval_end_json.empty() ? "{}" : eval_end_json)},
            {"model_dir", model_dir.string()},
            {"metrics_file", metrics_file.string()}};
  return j.dump(2);
}

namespace {

Encoder encoder_of(const Tokenizer& tok) {
  return [&tok](const std::string& s) {
    auto ids = tok.encode(s);
    return TokenIds(ids.begin(), ids.end());
  };
}

ChatTemplate template_of(const TrainConfig& c) {
  ChatTemplate t;
  t.system_prefix = c.template_system_prefix;
  t.system_suffix = c.template_system_suffix;
  t.user_prefix = c.template_user_prefix;
  t.user_suffix = c.template_user_suffix;
  t.assistant_prefix = c.template_assistant_prefix;
  t.assistant_suffix = c.template_assistant_suffix;
  return t;
}

Dialogue dialogue_of(const std::vector<ChatTurn>& turns) {
  Dialogue d;
  for (const auto& t : turns) d.push_back({t.role, t.text});
  return d;
}

// Seeded split of record indices into (train, held-out) when no eval file is given.
std::pair<std::vector<size_t>, std::vector<size_t>> split_records(size_t n, double fraction, uint64_t seed) {
  auto order = epoch_order(static_cast<int64_t>(n), seed ^ 0x51ed270b27a3c5f1ULL, 0, true);
  size_t held = static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
  if (fraction > 0 && held == 0 && n >= 2) held = 1;
  std::vector<size_t> tr, he;
  for (size_t i = 0; i < n; ++i) (i < held ? he : tr).push_back(static_cast<size_t>(order[i]));
  std::sort(tr.begin(), tr.end());
  std::sort(he.begin(), he.end());
  return {tr, he};
}

int64_t total_steps_of(const TrainConfig& c, int64_t n_examples) {
  if (c.max_steps > 0) return c.max_steps;
  const double per_step = static_cast<double>(c.batch_size * c.grad_accum);
  return std::max<int64_t>(1, static_cast<int64_t>(std::ceil(c.epochs * static_cast<double>(n_examples) / per_step)));
}

// ---- data ----------------------------------------------------------------------------------

std::vector<MaskedSequence> render_sft_file(const fs::path& file, const TrainConfig& c, const Tokenizer& tok,
                                            int64_t& skipped) {
  auto ds = read_sft(file);
  auto enc = encoder_of(tok);
  ChatTemplate tpl = template_of(c);
  std::vector<MaskedSequence> out;
  for (const auto& d : ds.records) {
    MaskedSequence s;
    try {
      s = render_dialogue(dialogue_of(d.turns), tpl, enc, static_cast<int32_t>(tok.bos_id()),
                          static_cast<int32_t>(tok.eos_id()));
    } catch (const std::invalid_argument& e) {
      throw d.line > 0 ? error_at_line(file.string(), d.line, e.what())
                       : error_at_record(file.string(), d.record, e.what());
    }
    if (!truncate_sequence(s, static_cast<int>(c.max_len))) {
      ++skipped;  // counted in the summary: the prompt alone fills max_len
      continue;
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) throw error_in_file(file.string(), "no dialogue has a response token within max_len");
  return out;
}

std::vector<TokenizedPair> tokenize_dpo_file(const fs::path& file, const TrainConfig& c, const Tokenizer& tok,
                                             int64_t& skipped) {
  auto ds = read_dpo(file);
  auto enc = encoder_of(tok);
  ChatTemplate tpl = template_of(c);
  std::vector<TokenizedPair> out;
  for (const auto& p : ds.records) {
    TokenizedPair t;
    try {
      t = tokenize_pair({dialogue_of(p.prompt), p.chosen, p.rejected}, tpl, enc, static_cast<int32_t>(tok.bos_id()),
                        static_cast<int32_t>(tok.eos_id()));
    } catch (const std::invalid_argument& e) {
      throw p.line > 0 ? error_at_line(file.string(), p.line, e.what())
                       : error_at_record(file.string(), p.record, e.what());
    }
    if (!truncate_pair(t, static_cast<int>(c.max_prompt_len), static_cast<int>(c.max_len))) {
      ++skipped;
      continue;
    }
    out.push_back(std::move(t));
  }
  if (out.empty()) throw error_in_file(file.string(), "no preference pair fits max_len");
  return out;
}

template <class T>
std::pair<std::vector<T>, std::vector<T>> split_or_load(std::vector<T> all, const std::vector<T>* eval,
                                                        double fraction, uint64_t seed) {
  if (eval) return {std::move(all), *eval};
  auto [tr, he] = split_records(all.size(), fraction, seed);
  std::vector<T> a, b;
  for (size_t i : tr) a.push_back(std::move(all[i]));
  for (size_t i : he) b.push_back(std::move(all[i]));
  return {std::move(a), std::move(b)};
}

// Tokenizer files a checkpoint carries along (copied verbatim from the init checkpoint).
const char* const kTokenizerFiles[] = {"tokenizer.json", "tokenizer.model", "tokenizer_config.json",
                                       "special_tokens_map.json"};

// ---- the stage, part by part -------------------------------------------------------------

// Settings that cannot work together, found before anything is read or built.
void validate_stage_config(const TrainConfig& c, const std::string& cfg_name, const DistributedEnv& dist) {
  if (c.data.empty()) throw InputError(cfg_name, "key 'data'", "missing: the stage needs a data file");
  if (c.out.empty()) throw InputError(cfg_name, "key 'out'", "missing: the stage needs an output directory");
  if (c.stage != TrainStage::kDcpt && c.init.empty())
    throw InputError(cfg_name, "key 'init'", "missing: " + stage_name(c.stage) + " starts from a checkpoint");
  if (c.stage == TrainStage::kDpo && c.max_prompt_len >= c.max_len)
    throw InputError(cfg_name, "key 'max_prompt_len'",
                     "must be below max_len (" + std::to_string(c.max_len) + ") to leave room for responses");
  if (dist.enabled() && c.batch_size % dist.world_size != 0)
    throw InputError(cfg_name, "key 'batch_size'",
                     std::to_string(c.batch_size) + " is not divisible by WORLD_SIZE (" + std::to_string(dist.world_size) +
                         "): every rank runs an equal slice of each micro-batch");
  if (c.lora && c.stage == TrainStage::kDcpt)
    throw InputError(cfg_name, "key 'lora.enabled'", "LoRA is for sft and dpo, not dcpt");
}

// The checkpoint to resume from (empty: start fresh). A resumed run must have been started
// with this very config (resume itself aside).
fs::path resume_point(const TrainConfig& c, const std::string& config_json) {
  fs::path resume_dir = c.resume ? latest_checkpoint(c.out) : fs::path();
  if (resume_dir.empty()) return resume_dir;
  auto recorded = json::parse(read_file(resume_dir / kTrainerStateJson))["config"];
  auto now = json::parse(config_json);
  recorded.erase("resume");
  now.erase("resume");
  if (recorded != now)
    throw InputError((resume_dir / kTrainerStateJson).string(), "config",
                     "differs from this run's config; use a new 'out' directory or set resume=false");
  return resume_dir;
}

// The model a stage trains and the tokenizer it reads with.
struct StageModel {
  std::unique_ptr<Tokenizer> tokenizer;
  std::optional<LlamaModel> model;
  std::map<std::string, std::string> tokenizer_files;  // name -> bytes, written into each checkpoint
};

// From the resumed checkpoint (full fine-tuning), the init checkpoint, or, for DCPT without
// init, a fresh model over a tokenizer trained on the corpus `docs`.
StageModel build_stage_model(const TrainConfig& c, const std::string& cfg_name, const fs::path& resume_dir,
                             const std::vector<DcptDocument>& docs) {
  StageModel m;
  const fs::path weights_from = (!resume_dir.empty() && !c.lora) ? resume_dir : c.init;
  if (!weights_from.empty()) {
    m.tokenizer = load_tokenizer(weights_from);
    for (const char* f : kTokenizerFiles)
      if (fs::exists(weights_from / f)) m.tokenizer_files[f] = read_file(weights_from / f);
    m.model = load_model(weights_from);
  } else {
    if (c.model_config.empty())
      throw InputError(cfg_name, "key 'model_config'", "missing: dcpt without 'init' builds a fresh model from it");
    std::vector<std::string> texts;
    for (const auto& d : docs) texts.push_back(d.text);
    CharTokenizerTraining tt;
    tt.max_chars = c.tokenizer_vocab_size > 0 ? std::max<int64_t>(0, c.tokenizer_vocab_size - CharTokenizer::kFirstChar) : 0;
    auto ct = CharTokenizer::train(texts, tt);
    m.tokenizer_files["tokenizer.json"] = ct.to_json();
    m.tokenizer = std::make_unique<CharTokenizer>(std::move(ct));
    ModelConfig mc = load_model_config(c.model_config);
    mc.vocab_size = m.tokenizer->vocab_size();  // the model is sized to the trained tokenizer
    mc.bos_token_id = m.tokenizer->bos_id(), mc.eos_token_id = m.tokenizer->eos_id(), mc.pad_token_id = m.tokenizer->pad_id();
    m.model = LlamaModel(mc);
    m.model.value()->init_weights(c.seed);
  }
  if (m.tokenizer->vocab_size() > m.model.value()->config().vocab_size)
    throw InputError(weights_from.string(), "tokenizer",
                     "has " + std::to_string(m.tokenizer->vocab_size()) + " ids but the model's vocab_size is " +
                         std::to_string(m.model.value()->config().vocab_size));
  return m;
}

// The stage's records, read with `read` from `data` (and `eval_data` when given), as (train,
// held-out): the given eval file, or a seeded split of `data`. Fills the counts of `sum`.
template <class T, class Read>
std::pair<std::vector<T>, std::vector<T>> read_and_split(const TrainConfig& c, Read read, TrainSummary& sum) {
  int64_t skipped = 0;
  std::vector<T> all = read(c.data, skipped);
  std::vector<T> ev;
  if (!c.eval_data.empty()) ev = read(c.eval_data, skipped);
  auto split = split_or_load(std::move(all), c.eval_data.empty() ? nullptr : &ev, c.heldout_fraction, c.seed);
  sum.train_examples = static_cast<int64_t>(split.first.size());
  sum.eval_examples = static_cast<int64_t>(split.second.size());
  sum.skipped_examples = skipped;
  return split;
}

// The stage's data, tokenized and split, as the objective it trains; fills the example counts
// of `sum`.
std::unique_ptr<Objective> stage_objective(const TrainConfig& c, TrainableLm& lm, const Tokenizer& tok,
                                           const std::vector<DcptDocument>& docs, TrainSummary& sum) {
  const int32_t pad = static_cast<int32_t>(tok.pad_id());
  const int64_t eval_batch = std::max<int64_t>(c.batch_size, 8);
  if (c.stage == TrainStage::kDcpt) {
    std::vector<TokenIds> enc_docs;
    for (const auto& d : docs) {
      auto ids = tok.encode(d.text);
      enc_docs.emplace_back(ids.begin(), ids.end());
    }
    auto blocks = pack_dcpt_blocks(enc_docs, static_cast<int32_t>(tok.eos_id()), static_cast<int>(c.block_size),
                                   c.heldout_fraction, c.seed);
    if (blocks.train.empty())
      throw error_in_file(c.data.string(), "too little text for one block of " + std::to_string(c.block_size) +
                                               " tokens");
    auto as_seq = [](std::vector<TokenIds>& b) {
      std::vector<MaskedSequence> s;
      for (auto& ids : b) s.push_back({ids, std::vector<uint8_t>(ids.size(), 1)});
      return s;
    };
    sum.train_examples = static_cast<int64_t>(blocks.train.size());
    sum.eval_examples = static_cast<int64_t>(blocks.heldout.size());
    return make_lm_objective(lm, as_seq(blocks.train), as_seq(blocks.heldout), pad, eval_batch);
  }
  if (c.stage == TrainStage::kSft) {
    auto [tr, he] = read_and_split<MaskedSequence>(
        c, [&](const fs::path& f, int64_t& skipped) { return render_sft_file(f, c, tok, skipped); }, sum);
    return make_lm_objective(lm, std::move(tr), std::move(he), pad, eval_batch);
  }
  auto [tr, he] = read_and_split<TokenizedPair>(
      c, [&](const fs::path& f, int64_t& skipped) { return tokenize_dpo_file(f, c, tok, skipped); }, sum);
  return make_dpo_objective(lm, c.init, std::move(tr), std::move(he), pad, c.dpo_beta,
                            parse_preference_loss(c.dpo_loss), eval_batch);
}

// The loop's settings: steps from epochs (or max_steps), the lr schedule, AdamW, checkpoints.
LoopSettings loop_settings_of(const TrainConfig& c, const std::string& stage, int64_t n_examples,
                              const std::string& config_json, bool quiet, const DistributedEnv& dist) {
  LoopSettings s;
  s.stage = stage;
  s.total_steps = total_steps_of(c, n_examples);
  s.batch_size = c.batch_size;
  s.grad_accum = c.grad_accum;
  s.max_grad_norm = c.max_grad_norm;
  s.schedule = LrSchedule{c.lr, c.warmup_steps >= 0 ? c.warmup_steps
                                                    : static_cast<int64_t>(std::llround(c.warmup_ratio * static_cast<double>(s.total_steps))),
                          s.total_steps, c.min_lr_ratio};
  s.adamw = AdamWSettings{c.lr, c.adam_beta1, c.adam_beta2, c.adam_eps, c.weight_decay};
  s.seed = c.seed;
  s.shuffle = c.shuffle;
  s.save_every = c.save_every;
  s.keep_checkpoints = c.keep_checkpoints;
  s.eval_every = c.eval_every;
  s.log_every = c.log_every;
  s.out = c.out;
  s.config_json = config_json;
  s.quiet = quiet;
  s.dist = dist;
  return s;
}

// What a checkpoint holds besides the trainer state: merged weights, the tokenizer files, and
// for a chat stage the template it learned (for whoever evaluates or serves it); LoRA adapters
// travel in the trainer state.
CheckpointIo checkpoint_io_of(const TrainConfig& c, TrainableLm& lm,
                              const std::map<std::string, std::string>& tokenizer_files) {
  CheckpointIo io;
  io.write_model = [&c, &lm, &tokenizer_files](const fs::path& dir) {
    lm.save_merged(dir);
    for (const auto& [name, text] : tokenizer_files) write_file_atomic(dir / name, text);
    if (c.stage != TrainStage::kDcpt)
      write_chat_template(dir, {c.template_system_prefix, c.template_system_suffix, c.template_user_prefix,
                                c.template_user_suffix, c.template_assistant_prefix, c.template_assistant_suffix});
  };
  io.extra_state = [&lm] { return lm.adapter_state(); };
  io.restore_extra = [&lm](const std::string& name, const torch::Tensor& t) { lm.restore_adapter(name, t); };
  return io;
}

}  // namespace

TrainSummary run_training_stage(const TrainConfig& c, bool quiet, const DistributedEnv& dist) {
  const std::string cfg_name = c.config_file.empty() ? std::string("<command line>") : c.config_file.string();
  validate_stage_config(c, cfg_name, dist);
  const std::string config_json = train_config_to_json(c);
  const fs::path resume_dir = resume_point(c, config_json);

  std::vector<DcptDocument> docs;
  if (c.stage == TrainStage::kDcpt) docs = read_dcpt(c.data).records;
  StageModel m = build_stage_model(c, cfg_name, resume_dir, docs);
  torch::manual_seed(c.seed);  // LoRA adapter init draws from the global generator
  TrainableLm lm(*m.model, c.lora ? std::optional<LoraSettings>(LoraSettings{static_cast<int>(c.lora_rank), c.lora_alpha,
                                                                             c.lora_dropout, c.lora_targets})
                                  : std::nullopt);

  TrainSummary sum;
  sum.stage = stage_name(c.stage);
  std::unique_ptr<Objective> obj = stage_objective(c, lm, *m.tokenizer, docs, sum);
  if (obj->num_examples() == 0)
    throw InputError(c.data.string(), "", "no training examples are left after the held-out split");

  const LoopSettings s = loop_settings_of(c, sum.stage, obj->num_examples(), config_json, quiet, dist);
  const LoopResult r = run_loop(*obj, s, checkpoint_io_of(c, lm, m.tokenizer_files), resume_dir);

  sum.steps = r.steps;
  sum.resumed_from = r.resumed_from;
  sum.first_loss = r.first_loss;
  sum.last_loss = r.last_loss;
  sum.tokens_per_second = r.tokens_per_second;
  sum.eval_start_json = r.eval_start.is_null() ? "{}" : r.eval_start.dump();
  sum.eval_end_json = r.eval_end.is_null() ? "{}" : r.eval_end.dump();
  sum.model_dir = r.final_model;
  sum.metrics_file = c.out / kMetricsFile;
  if (dist.rank == 0) write_file_atomic(c.out / "summary.json", sum.to_json() + "\n");
  return sum;
}

}  // namespace qb
