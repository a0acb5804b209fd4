// Each stage lowers its own loss on small data, the SFT loss ignores prompt tokens exactly,
// DPO raises held-out reward accuracy (rewards exactly 0 while policy == reference), LoRA merges
// exactly, a resumed run (DPO with LoRA or full fine-tuning) is bit-identical,
// and a non-finite loss stops the run keeping the last checkpoint.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "tests/testing/testing.h"
#include "tests/trainers/train_fixtures.h"
#include "trainers/checkpoint/checkpoint.h"
#include "trainers/compute_threads.h"
#include "trainers/tokenizer/tokenizer.h"
#include "trainers/train/train.h"
#include "trainers/train/train_batch.h"
#include "trainers/train/train_loop.h"
#include "trainers/train/train_model_lora.h"

namespace qb {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using qb::testing::TempDir;
using qb::testing::write_fixture;
namespace fx = qb::testing::train;

// Bit-exact comparisons need a fixed thread count (set_compute_threads may run only once
// per process: it also sets the inter-op pool).
void one_thread() { at::set_num_threads(1); }

// Options shared by the stage tests: tiny batches, no warmup, quiet.
std::vector<std::string> common_sets(const fs::path& out) {
  return {"out=" + json(out.string()).dump(), "batch_size=4", "warmup_steps=0", "min_lr_ratio=1.0",
          "weight_decay=0.0", "seed=11"};
}

std::vector<json> read_jsonl(const fs::path& p) {
  std::vector<json> v;
  std::ifstream in(p);
  std::string line;
  while (std::getline(in, line)) v.push_back(json::parse(line));
  return v;
}

TEST(TrainStage, DcptFreshModelLowersHeldOutLoss) {
  one_thread();
  TempDir t;
  auto data = write_fixture(t / "cpt.txt", fx::dcpt_text());
  auto cfg = write_fixture(t / "model.json", fx::tiny_model_config());
  auto sets = common_sets(t / "out");
  for (std::string s : {"max_steps=40", "lr=0.01", "block_size=24", "heldout_fraction=0.2", "log_every=5"})
    sets.push_back(s);
  sets.push_back("data=" + json(data.string()).dump());
  sets.push_back("model_config=" + json(cfg.string()).dump());
  TrainConfig c = train_config_from_json("", "", sets);
  c.stage = TrainStage::kDcpt;
  TrainSummary s = run_training_stage(c, true);
  auto start = json::parse(s.eval_start_json), end = json::parse(s.eval_end_json);
  EXPECT_EQ(s.steps, 40);
  EXPECT_GT(s.eval_examples, 0);
  EXPECT_LT(end["loss"].get<double>(), 0.6 * start["loss"].get<double>());
  EXPECT_NEAR(end["perplexity"].get<double>(), std::exp(end["loss"].get<double>()), 1e-9);
  EXPECT_TRUE(fs::exists(s.model_dir / "model.safetensors"));
  EXPECT_TRUE(fs::exists(s.model_dir / "tokenizer.json"));
  // metrics.jsonl: start eval, steps 5..40 every 5, end eval.
  auto lines = read_jsonl(s.metrics_file);
  ASSERT_EQ(lines.size(), 10u);
  EXPECT_TRUE(lines[0].contains("eval"));
  EXPECT_EQ(lines[1]["step"], 5);
  for (const char* k : {"loss", "lr", "grad_norm", "tokens", "tokens_per_s"}) EXPECT_TRUE(lines[1].contains(k)) << k;
  EXPECT_EQ(lines[1]["tokens"], 4 * 24);
  EXPECT_DOUBLE_EQ(lines[1]["lr"].get<double>(), 0.01);
  // The trained model reloads and reproduces its held-out loss.
  auto m = load_model(s.model_dir);
  EXPECT_EQ(m->config().vocab_size, load_tokenizer(s.model_dir)->vocab_size());
}

// Two micro-batches of 2 accumulate to the same step as one batch of 4 (equal-length DCPT
// blocks, file order): same loss, same gradient norm.
TEST(TrainStage, GradientAccumulationMatchesOneBigBatch) {
  one_thread();
  TempDir t;
  auto data = write_fixture(t / "cpt.txt", fx::dcpt_text());
  auto cfg = write_fixture(t / "model.json", fx::tiny_model_config());
  auto run = [&](const std::string& dir, const std::string& bs, const std::string& accum) {
    auto sets = common_sets(t / dir);
    for (std::string s : {"max_steps=2", "lr=0.01", "block_size=24", "heldout_fraction=0", "shuffle=false"})
      sets.push_back(s);
    sets.push_back(bs);
    sets.push_back(accum);
    sets.push_back("data=" + json(data.string()).dump());
    sets.push_back("model_config=" + json(cfg.string()).dump());
    TrainConfig c = train_config_from_json("", "", sets);
    c.stage = TrainStage::kDcpt;
    return read_jsonl(run_training_stage(c, true).metrics_file);
  };
  auto big = run("big", "batch_size=4", "grad_accum=1");
  auto acc = run("acc", "batch_size=2", "grad_accum=2");
  ASSERT_EQ(big.size(), 2u);  // no held-out data: no eval lines
  ASSERT_EQ(acc.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_NEAR(big[i]["loss"].get<double>(), acc[i]["loss"].get<double>(), 1e-6) << i;
    EXPECT_NEAR(big[i]["grad_norm"].get<double>(), acc[i]["grad_norm"].get<double>(),
                1e-5 * big[i]["grad_norm"].get<double>()) << i;
    EXPECT_EQ(big[i]["tokens"], acc[i]["tokens"]);
  }
  // The second step saw the updated weights: its loss differs from the first.
  EXPECT_NE(big[0]["loss"].get<double>(), big[1]["loss"].get<double>());
}

TEST(TrainStage, SftLossIgnoresPromptTokensExactly) {
  // Logits as a leaf: d(loss)/d(logits) must be exactly 0 at every prompt/padding position
  // and (softmax - onehot)/n_targets at response positions.
  train::MaskedSequence a{{1, 5, 6, 7, 8}, {0, 0, 0, 1, 1}}, b{{1, 9, 7}, {0, 0, 1}};
  auto batch = train::collate({&a, &b}, 0);
  torch::manual_seed(3);
  auto logits = torch::randn({2, 5, 12}).set_requires_grad(true);
  auto loss = train::masked_nll(logits, batch);
  loss.backward();
  auto g = logits.grad();
  auto p = torch::softmax(logits.detach(), -1);
  // Targets scored: a: positions 2,3 (predicting 7, 8); b: position 1 (predicting 7). n = 3.
  std::vector<std::tuple<int, int, int>> scored = {{0, 2, 7}, {0, 3, 8}, {1, 1, 7}};
  auto expected = torch::zeros_like(g);
  for (auto [r, pos, tgt] : scored) {
    auto e = p[r][pos].clone();
    e[tgt] -= 1.0;
    expected[r][pos] = e / 3.0;
  }
  EXPECT_TRUE(torch::allclose(g, expected, 0, 1e-7));
  for (int pos : {0, 1, 4}) EXPECT_EQ(g[0][pos].abs().max().item<float>(), 0.0f) << pos;
  for (int pos : {0, 2, 3, 4}) EXPECT_EQ(g[1][pos].abs().max().item<float>(), 0.0f) << pos;
  // And the value: mean NLL of exactly the three response targets.
  double want = 0;
  auto lp = torch::log_softmax(logits.detach(), -1);
  for (auto [r, pos, tgt] : scored) want -= lp[r][pos][tgt].item<double>();
  EXPECT_NEAR(loss.item<double>(), want / 3, 1e-6);
}

TrainSummary run_sft(const fs::path& dir, const fs::path& init, std::vector<std::string> extra) {
  auto data = write_fixture(dir / "sft.jsonl", fx::sft_jsonl(36));
  auto sets = common_sets(dir / "out");
  sets.push_back("data=" + json(data.string()).dump());
  sets.push_back("init=" + json(init.string()).dump());
  for (auto& e : extra) sets.push_back(e);
  TrainConfig c = train_config_from_json("", "", sets);
  c.stage = TrainStage::kSft;
  return run_training_stage(c, true);
}

TEST(TrainStage, SftLowersHeldOutResponseLoss) {
  one_thread();
  TempDir t;
  fx::write_init_checkpoint(t / "init", 5);
  auto s = run_sft(t.path(), t / "init", {"max_steps=30", "lr=0.01", "heldout_fraction=0.2"});
  auto start = json::parse(s.eval_start_json), end = json::parse(s.eval_end_json);
  EXPECT_EQ(s.train_examples + s.eval_examples, 36);
  EXPECT_LT(end["loss"].get<double>(), 0.5 * start["loss"].get<double>());
}

TEST(TrainStage, SftLoraTrainsOnlyAdaptersAndMergesOnSave) {
  one_thread();
  TempDir t;
  fx::write_init_checkpoint(t / "init", 5);
  auto s = run_sft(t.path(), t / "init",
                   {"max_steps=40", "lr=0.05", "heldout_fraction=0.2", "lora.enabled=true", "lora.rank=8",
                    "lora.alpha=16", "lora.dropout=0.1",
                    "lora.target_modules=[\"q_proj\",\"v_proj\",\"o_proj\",\"down_proj\",\"lm_head\"]"});
  auto start = json::parse(s.eval_start_json), end = json::parse(s.eval_end_json);
  EXPECT_LT(end["loss"].get<double>(), 0.8 * start["loss"].get<double>());
  // Only targeted weights changed in the merged checkpoint.
  auto base = load_model(t / "init"), tuned = load_model(s.model_dir);
  auto bp = base->named_parameters(), tp = tuned->named_parameters();
  int changed = 0;
  for (const auto& item : bp) {
    bool same = torch::equal(item.value(), tp[item.key()]);
    bool targeted = false;
    for (const char* m : {"q_proj", "v_proj", "o_proj", "down_proj", "lm_head"})
      targeted |= item.key().find(m) != std::string::npos;
    EXPECT_EQ(same, !targeted) << item.key();
    changed += !same;
  }
  EXPECT_EQ(changed, 9);  // 4 targets x 2 layers + the output head
}

TEST(TrainStage, LoraMergedLogitsEqualAdapterForm) {
  one_thread();
  TempDir t;
  fx::write_init_checkpoint(t / "init", 8);
  auto model = load_model(t / "init");
  torch::manual_seed(1);
  train::TrainableLm lm(model, train::LoraSettings{4, 8.0, 0.0, {"q_proj", "o_proj", "up_proj"}});
  {
    torch::NoGradGuard ng;  // B starts at zero; give it values so the adapters matter
    for (const auto& a : lm.adapters()) a->B.normal_(0, 0.5);
  }
  // True adapter form on one projection: x·Wᵀ + scale·x·Aᵀ·Bᵀ vs the merged weight.
  const auto& a0 = *lm.adapters()[0];
  auto W = model->named_parameters()[a0.weight_name];
  auto x = torch::randn({3, 5, W.size(1)});
  auto adapter_out = a0.forward(x, W, false);
  auto merged_out = at::linear(x, a0.merged(W));
  EXPECT_LT((adapter_out - merged_out).abs().max().item<double>(), 1e-5);
  // Whole model: logits with adapters applied vs the saved, merged, reloaded checkpoint.
  auto ids = torch::tensor({{1, 300, 301, 302, 280, 270, 2}}, torch::kInt64);
  torch::Tensor with_adapters;
  {
    torch::NoGradGuard ng;
    lm.set_training(false);
    with_adapters = lm.logits(ids);
  }
  lm.save_merged(t / "merged");
  auto reloaded = load_model(t / "merged");
  torch::NoGradGuard ng;
  auto merged_logits = reloaded->forward(ids);
  EXPECT_LT((with_adapters - merged_logits).abs().max().item<double>(), 1e-5);
  // The adapters changed the logits (the comparison is not between two base models).
  EXPECT_GT((load_model(t / "init")->forward(ids) - merged_logits).abs().max().item<double>(), 1e-3);
}

// LoRA DPO's reference is the frozen base: base_logits detaches the adapters for one call
// (exactly the plain model's logits, no dropout mask drawn) and attaches them again.
TEST(TrainStage, LoraBaseLogitsAreThePlainModel) {
  one_thread();
  TempDir t;
  fx::write_init_checkpoint(t / "init", 8);
  auto model = load_model(t / "init");
  const auto ids = torch::tensor({{1, 300, 301, 302, 280, 270, 2}}, torch::kInt64);
  torch::NoGradGuard ng;
  const auto plain = model->forward(ids);
  torch::manual_seed(1);
  train::TrainableLm lm(model, train::LoraSettings{4, 8.0, 0.3, {"q_proj", "o_proj", "lm_head"}});
  for (const auto& a : lm.adapters()) a->B.normal_(0, 0.5);
  lm.set_training(false);
  const auto adapted = lm.logits(ids);
  EXPECT_GT((adapted - plain).abs().max().item<double>(), 1e-3);
  lm.set_training(true);  // dropout on: base_logits must still draw nothing
  torch::manual_seed(5);
  EXPECT_TRUE(torch::equal(lm.base_logits(ids), plain));
  const double next_draw = torch::rand({1}).item<double>();
  torch::manual_seed(5);
  EXPECT_EQ(torch::rand({1}).item<double>(), next_draw);
  lm.set_training(false);
  EXPECT_TRUE(torch::equal(lm.logits(ids), adapted));  // the adapters are back
  // Full fine-tuning has no frozen base to return.
  auto other = load_model(t / "init");
  train::TrainableLm full(other, std::nullopt);
  EXPECT_THROW(full.base_logits(ids), std::logic_error);
}

TrainSummary run_dpo(const fs::path& dir, const fs::path& init, std::vector<std::string> extra) {
  auto data = write_fixture(dir / "dpo.jsonl", fx::dpo_jsonl(48));
  auto sets = common_sets(dir / "out");
  sets.push_back("data=" + json(data.string()).dump());
  sets.push_back("init=" + json(init.string()).dump());
  for (auto& e : extra) sets.push_back(e);
  TrainConfig c = train_config_from_json("", "", sets);
  c.stage = TrainStage::kDpo;
  return run_training_stage(c, true);
}

TEST(TrainStage, DpoRaisesHeldOutRewardAccuracy) {
  one_thread();
  TempDir t;
  fx::write_init_checkpoint(t / "init", 9);
  auto s = run_dpo(t.path(), t / "init", {"max_steps=25", "lr=0.005", "heldout_fraction=0.25"});
  auto start = json::parse(s.eval_start_json), end = json::parse(s.eval_end_json);
  EXPECT_EQ(s.eval_examples, 12);
  // Policy == reference at the start, and the reference runs on the policy's batches: every
  // reward is exactly 0 (not rounding noise), no pair is won, the loss is log 2.
  for (const char* k : {"rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins"})
    EXPECT_EQ(start[k].get<double>(), 0.0) << k;
  EXPECT_NEAR(start["loss"].get<double>(), std::log(2.0), 1e-9);
  EXPECT_GE(end["rewards/accuracies"].get<double>(), 0.9);
  EXPECT_GT(end["rewards/margins"].get<double>(), 0.0);
  EXPECT_LT(end["loss"].get<double>(), std::log(2.0));
  // Every step logs the TRL-named statistics.
  auto lines = read_jsonl(s.metrics_file);
  for (const char* k : {"rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins",
                        "logps/chosen", "logps/rejected"})
    EXPECT_TRUE(lines[1].contains(k)) << k;
  // The first step (lines[0] is the start evaluation) also sees policy == reference.
  ASSERT_EQ(lines[1]["step"], 1);
  for (const char* k : {"rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins"})
    EXPECT_EQ(lines[1][k].get<double>(), 0.0) << k;
  EXPECT_LT(lines[1]["logps/chosen"].get<double>(), 0.0);  // the rewards are 0, not the log-probs
}

// A DPO run resumed from a mid-run checkpoint ends bit-identical to an uninterrupted one: the
// weights (or adapters), optimizer moments and the generator that draws adapter-dropout masks
// round-trip, and the reference (the init model, run on each batch) is the same after a resume.
// `settings` must include save_every=4 and max_steps=8.
void expect_dpo_resume_bit_identical(const TempDir& t, const std::vector<std::string>& settings) {
  fx::write_init_checkpoint(t / "init", 9);
  fs::create_directories(t / "a");
  fs::create_directories(t / "b");
  auto full = run_dpo(t / "a", t / "init", settings);
  // Simulate a run killed after checkpoint 4: roll a finished run back to it, then continue.
  run_dpo(t / "b", t / "init", settings);
  fs::remove_all(t / "b" / "out" / "final");
  fs::remove_all(t / "b" / "out" / "checkpoint-000008");
  write_file_atomic(t / "b" / "out" / "latest", "checkpoint-000004\n");
  auto resumed = run_dpo(t / "b", t / "init", settings);
  EXPECT_EQ(resumed.resumed_from, 4);
  // Step 1 ran with policy == reference (LoRA: B = 0, dropout or not): rewards exactly 0.
  const auto first_step = read_jsonl(full.metrics_file).at(1);
  ASSERT_EQ(first_step["step"], 1);
  for (const char* k : {"rewards/chosen", "rewards/rejected", "rewards/accuracies", "rewards/margins"})
    EXPECT_EQ(first_step[k].get<double>(), 0.0) << k;
  EXPECT_EQ(read_file(full.model_dir / "model.safetensors"), read_file(resumed.model_dir / "model.safetensors"));
  EXPECT_EQ(full.last_loss, resumed.last_loss);
  // metrics.jsonl has each step once, and the resumed steps log what the uninterrupted run logged.
  auto a = read_jsonl(full.metrics_file), b = read_jsonl(resumed.metrics_file);
  ASSERT_EQ(a.size(), b.size());
  int steps = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    steps += b[i].contains("loss") && !b[i].contains("eval");
    json x = a[i], y = b[i];
    x.erase("tokens_per_s"), y.erase("tokens_per_s");  // wall time
    EXPECT_EQ(x, y) << "line " << i;
  }
  EXPECT_EQ(steps, 8);
}

TEST(TrainStage, DpoLoraResumeIsBitIdentical) {
  one_thread();
  TempDir t;
  const std::vector<std::string> with_dropout = {"max_steps=8",       "lr=0.005",     "save_every=4",
                                                 "keep_checkpoints=5", "lora.enabled=true", "lora.rank=2",
                                                 "lora.dropout=0.2",  "grad_accum=2"};
  expect_dpo_resume_bit_identical(t, with_dropout);
  // The dropout reached the adapters: without it the same run ends elsewhere.
  fs::create_directories(t / "c");
  auto no_dropout = run_dpo(t / "c", t / "init", {"max_steps=8", "lr=0.005", "lora.enabled=true", "lora.rank=2",
                                                  "lora.dropout=0", "grad_accum=2"});
  EXPECT_NE(read_file(t / "a" / "out" / "final" / "model.safetensors"),
            read_file(no_dropout.model_dir / "model.safetensors"));
}

// Full fine-tuning: the policy resumes from the checkpoint, the reference is read from `init`.
TEST(TrainStage, DpoFullFineTuningResumeIsBitIdentical) {
  one_thread();
  TempDir t;
  expect_dpo_resume_bit_identical(t, {"max_steps=8", "lr=0.005", "save_every=4", "keep_checkpoints=5"});
}

TEST(TrainStage, NonFiniteLossStopsAndKeepsLastCheckpoint) {
  one_thread();
  TempDir t;
  fx::write_init_checkpoint(t / "init", 5);
  // lr 1e30: the first update throws every weight to ~1e30, so the second forward overflows.
  try {
    run_sft(t.path(), t / "init", {"max_steps=10", "lr=1e30", "save_every=1", "max_grad_norm=0"});
    FAIL() << "expected the run to stop";
  } catch (const std::runtime_error& e) {
    const std::string ckpt = (t / "out" / "checkpoint-000001").string();
    EXPECT_EQ(std::string(e.what()),
              "step 2: loss is nan (not finite); training stopped; the last good checkpoint is " + ckpt);
  }
  EXPECT_EQ(read_file(t / "out" / "latest"), "checkpoint-000001\n");
  EXPECT_FALSE(fs::exists(t / "out" / "checkpoint-000002"));
  EXPECT_FALSE(fs::exists(t / "out" / "final"));
  auto m = load_model(t / "out" / "checkpoint-000001");  // complete and loadable
  EXPECT_TRUE(fs::exists(t / "out" / "checkpoint-000001" / "trainer_state.pt"));
}

TEST(TrainStage, ConfigErrorsNameTheKey) {
  try {
    train_config_from_json(R"({"lora": {"rank": 0}})", "cfg.json", {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "cfg.json: key 'lora.rank': must be >= 1");
  }
  try {
    train_config_from_json(R"({"lora": {"dropout": 1.0}})", "cfg.json", {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "cfg.json: key 'lora.dropout': must be in [0, 1)");
  }
  try {
    train_config_from_json(R"({"learning_rate": 1})", "cfg.json", {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "cfg.json: key 'learning_rate': unknown key (docs/TRAINING.md lists them)");
  }
  // Found by fuzz/fuzz_configs under UBSan: floats for integer keys were cast (2.5 -> 2, 1e300 UB).
  for (const char* bad : {R"({"batch_size": 2.5})", R"({"batch_size": 1e300})", R"({"batch_size": 18446744073709551615})"}) {
    try {
      train_config_from_json(bad, "cfg.json", {});
      FAIL() << bad;
    } catch (const InputError& e) {
      const std::string v = nlohmann::json::parse(bad)["batch_size"].dump();
      EXPECT_EQ(std::string(e.what()), "cfg.json: key 'batch_size': must be an integer in range, got " + v);
    }
  }
  try {
    train_config_from_json(R"({"lr": "fast"})", "cfg.json", {});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "cfg.json: key 'lr': wrong type: \"fast\"");
  }
  try {
    train_config_from_json("{}", "cfg.json", {"batch_size=0"});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(), "cfg.json: key 'batch_size': must be >= 1");
  }
  auto c = train_config_from_json(R"({"dpo": {"beta": 0.2}, "data": "d.jsonl"})", "/x/cfg.json", {"lora.rank=4"});
  EXPECT_EQ(c.dpo_beta, 0.2);
  EXPECT_EQ(c.lora_rank, 4);
  EXPECT_EQ(c.data, fs::path("/x/d.jsonl"));  // relative to the config file
}

}  // namespace
}  // namespace qb
