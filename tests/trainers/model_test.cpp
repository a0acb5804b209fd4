#include <gtest/gtest.h>

#include <fstream>

#include "common/atomic_file.h"
#include "common/error.h"
#include "tests/testing/testing.h"
#include "tests/trainers/tiny_checkpoint.h"
#include "trainers/model/model_tools.h"
#include "trainers/checkpoint/safetensors.h"

namespace qb {
namespace {

using testing::TempDir;
using testing::tiny_config;
using testing::write_tiny_checkpoint;

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no InputError)";
}

TEST(ModelConfig, ParsesBaichuan7BConfig) {
  // The fields of Baichuan-7B's published config.json (no num_key_value_heads, no rope_theta).
  auto c = parse_model_config(R"({"architectures":["BaichuanForCausalLM"],"model_type":"baichuan",
    "hidden_act":"silu","hidden_size":4096,"intermediate_size":11008,"max_position_embeddings":4096,
    "num_attention_heads":32,"num_hidden_layers":32,"rms_norm_eps":1e-06,"vocab_size":64000,
    "bos_token_id":1,"eos_token_id":2,"pad_token_id":0,"tie_word_embeddings":false,"torch_dtype":"float32"})",
                              "config.json");
  EXPECT_EQ(c.architecture, Architecture::kBaichuan);
  EXPECT_EQ(c.num_key_value_heads, 32);
  EXPECT_EQ(c.rope_theta, 10000.0);
  EXPECT_EQ(c.head_dim(), 128);
  // 7,000,559,616 is Baichuan-7B's published parameter count.
  EXPECT_EQ(c.num_parameters(), 7000559616);
}

TEST(ModelConfig, ErrorsNameFileKeyAndProblem) {
  EXPECT_EQ(error_of([] { parse_model_config(R"({"vocab_size":10})", "c.json"); }),
            "c.json: key 'hidden_size': missing");
  EXPECT_EQ(error_of([] {
              parse_model_config(R"({"vocab_size":10,"hidden_size":64,"intermediate_size":8,
                "num_hidden_layers":1,"num_attention_heads":4,"num_key_value_heads":3})", "c.json");
            }),
            "c.json: key 'num_key_value_heads': 3 does not divide num_attention_heads 4");
  EXPECT_EQ(error_of([] { parse_model_config(R"({"model_type":"gpt2"})", "c.json"); }),
            "c.json: key 'model_type': 'gpt2' is not supported (llama or baichuan)");
  EXPECT_EQ(error_of([] {
              parse_model_config(R"({"vocab_size":10,"hidden_size":-4,"intermediate_size":8})", "c.json");
            }),
            "c.json: key 'hidden_size': must be a positive integer, got -4");
  // A number where a string belongs (fuzz_configs found the first one escaping as nlohmann's
  // type_error, with no file or key).
  EXPECT_EQ(error_of([] { parse_model_config(R"({"architectures": ["LlamaForCausalLM"], "model_type":128})", "c.json"); }),
            "c.json: key 'model_type': must be a string, got 128");
  EXPECT_EQ(error_of([] {
              parse_model_config(R"({"vocab_size":10,"hidden_size":64,"intermediate_size":8,
                "num_hidden_layers":1,"num_attention_heads":4,"torch_dtype":16})", "c.json");
            }),
            "c.json: key 'torch_dtype': must be a string, got 16");
  EXPECT_EQ(error_of([] {
              parse_model_config(R"({"vocab_size":10,"hidden_size":64,"intermediate_size":8,
                "num_hidden_layers":1,"num_attention_heads":4,"rope_scaling":{"type":2,"factor":2}})", "c.json");
            }),
            "c.json: key 'rope_scaling.type': must be a string, got 2");
}

TEST(ModelConfig, JsonRoundTrip) {
  auto c = tiny_config(Architecture::kLlama, 1, true);
  auto back = parse_model_config(model_config_to_json(c), "x");
  EXPECT_EQ(back.num_key_value_heads, 1);
  EXPECT_TRUE(back.tie_word_embeddings);
  EXPECT_EQ(back.num_parameters(), c.num_parameters());
}

TEST(LlamaModel, ParameterNamesAreHuggingFaceKeys) {
  LlamaModel llama(tiny_config());
  auto names = llama->named_parameters().keys();
  EXPECT_EQ(names.front(), "model.embed_tokens.weight");
  EXPECT_TRUE(llama->named_parameters().contains("model.layers.1.self_attn.k_proj.weight"));
  EXPECT_EQ(llama->named_parameters()["model.layers.1.self_attn.k_proj.weight"].sizes(), torch::IntArrayRef({32, 64}));
  EXPECT_EQ(names.back(), "lm_head.weight");
  int64_t total = 0;
  for (auto& p : llama->parameters()) total += p.numel();
  EXPECT_EQ(total, tiny_config().num_parameters());

  LlamaModel baichuan(tiny_config(Architecture::kBaichuan));
  EXPECT_EQ(baichuan->named_parameters()["model.layers.0.self_attn.W_pack.weight"].sizes(),
            torch::IntArrayRef({192, 64}));
  LlamaModel tied(tiny_config(Architecture::kLlama, 2, true));
  EXPECT_FALSE(tied->named_parameters().contains("lm_head.weight"));
}

TEST(LlamaModel, CachedIncrementalForwardEqualsFullForward) {
  LlamaModel m(tiny_config());
  m->init_weights(1);
  torch::NoGradGuard g;
  auto ids = torch::tensor({1, 7, 9, 300, 42, 5, 6, 7}, torch::kInt64).unsqueeze(0);
  auto full = m->forward(ids);
  KVCache cache = m->new_cache();
  auto a = m->forward(ids.narrow(1, 0, 5), &cache);
  auto b = m->forward(ids.narrow(1, 5, 1), &cache);
  auto c = m->forward(ids.narrow(1, 6, 2), &cache);
  EXPECT_EQ(cache.length(), 8);
  auto pieces = torch::cat({a, b, c}, 1);
  EXPECT_LT((pieces - full).abs().max().item<float>(), 1e-5);
  EXPECT_GT(full.std().item<float>(), 0.5);  // not a degenerate model
}

TEST(LlamaModel, CacheThatGrowsAndFansOutEqualsFullForward) {
  // The cache's buffers hold 64 positions, then double: 60 + 10 single steps cross 64, the
  // 80-token chunk crosses 128. A fan-out writes its rows into buffers of their own, so the
  // prefix it came from still serves another continuation afterwards.
  LlamaModel m(tiny_config());  // 2 key/value heads for 4 query heads
  m->init_weights(3);
  torch::NoGradGuard g;
  auto gen = at::detail::createCPUGenerator(11);
  auto ids = torch::randint(1, 320, {1, 150}, gen, torch::kInt64);
  auto full = m->forward(ids);
  KVCache cache = m->new_cache();
  std::vector<torch::Tensor> pieces{m->forward(ids.narrow(1, 0, 60), &cache)};
  for (int64_t t = 60; t < 70; ++t) pieces.push_back(m->forward(ids.narrow(1, t, 1), &cache));
  pieces.push_back(m->forward(ids.narrow(1, 70, 80), &cache));
  EXPECT_EQ(cache.length(), 150);
  EXPECT_EQ(cache.layers[0].k.size(2), 256);  // 64 -> 128 -> 256
  // Relative to the largest logit (~7 here): cached and full attention sum the same terms in
  // other orders, 1.6e-6 of it apart on one machine (the same with the old torch::cat cache); a
  // wrong position or row would be off by the logits' own size.
  const float tol = 1e-5f * full.abs().max().item<float>();
  EXPECT_LT((torch::cat(pieces, 1) - full).abs().max().item<float>(), tol);

  KVCache prefix = m->new_cache();
  m->forward(ids.narrow(1, 0, 100), &prefix);
  auto tails = torch::randint(1, 320, {3, 5}, gen, torch::kInt64);
  for (int round = 0; round < 2; ++round) {
    KVCache fan = prefix.repeated(3);
    auto out = m->forward(tails, &fan);
    EXPECT_EQ(prefix.length(), 100);
    for (int64_t r = 0; r < 3; ++r) {
      auto whole = torch::cat({ids.narrow(1, 0, 100), tails.narrow(0, r, 1)}, 1);
      auto want = m->forward(whole).narrow(1, 100, 5);
      EXPECT_LT((out.narrow(0, r, 1) - want).abs().max().item<float>(), tol) << "round " << round << " row " << r;
    }
  }
  EXPECT_GT(full.std().item<float>(), 0.5);
}

TEST(LlamaModel, LeftPaddingWithMaskMatchesUnpadded) {
  LlamaModel m(tiny_config(Architecture::kBaichuan));
  m->init_weights(2);
  torch::NoGradGuard g;
  auto ids = torch::tensor({1, 17, 9, 30}, torch::kInt64).unsqueeze(0);
  auto plain = m->forward(ids);
  auto padded = torch::tensor({0, 0, 1, 17, 9, 30}, torch::kInt64).unsqueeze(0);
  auto mask = torch::tensor({0, 0, 1, 1, 1, 1}, torch::kInt64).unsqueeze(0);
  auto pos = torch::tensor({0, 0, 0, 1, 2, 3}, torch::kInt64).unsqueeze(0);
  auto out = m->forward(padded, nullptr, mask, pos);
  EXPECT_LT((out.narrow(1, 2, 4) - plain).abs().max().item<float>(), 1e-5);
  EXPECT_FALSE(out.isnan().any().item<bool>());
}

TEST(Checkpoint, SaveLoadRoundTripsEveryDtypeAndSharding) {
  TempDir dir;
  auto c = tiny_config(Architecture::kLlama, 1, true);
  auto m = write_tiny_checkpoint(dir.path() / "fp32", c);
  auto loaded = load_model(dir.path() / "fp32");
  for (auto& p : m->named_parameters())
    EXPECT_TRUE(torch::equal(p.value(), loaded->named_parameters()[p.key()])) << p.key();

  save_model(dir.path() / "bf16", m, "bfloat16", 40000);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "bf16" / "model.safetensors.index.json"));
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "bf16" / "model-00001-of-00005.safetensors"));
  auto bf = load_model(dir.path() / "bf16");
  for (auto& p : m->named_parameters()) {
    auto expected = p.value().to(torch::kBFloat16).to(torch::kFloat32);
    EXPECT_TRUE(torch::equal(expected, bf->named_parameters()[p.key()])) << p.key();
  }
  // Re-saving as one file removes the stale index so the directory stays unambiguous.
  save_model(dir.path() / "bf16", m, "float16");
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "bf16" / "model.safetensors.index.json"));
  EXPECT_NO_THROW(load_model(dir.path() / "bf16"));
}

TEST(Checkpoint, TruncatedFileNamesFileAndTensor) {
  TempDir dir;
  write_tiny_checkpoint(dir.path(), tiny_config());
  const auto file = dir.path() / "model.safetensors";
  std::string bytes = read_file(file);
  write_file_atomic(file, bytes.substr(0, bytes.size() - 100));
  const std::string msg = error_of([&] { load_model(dir.path()); });
  EXPECT_EQ(msg.rfind(file.string() + ": tensor 'lm_head.weight': data ends at byte ", 0), 0) << msg;
  EXPECT_NE(msg.find("(truncated?)"), std::string::npos) << msg;

  write_file_atomic(file, bytes.substr(0, 5));
  EXPECT_EQ(error_of([&] { load_model(dir.path()); }),
            file.string() + ": header: file is shorter than the 8-byte header length (truncated?)");
}

TEST(Checkpoint, ShapeMismatchMissingAndUnexpectedTensors) {
  TempDir dir;
  auto c = tiny_config();
  write_tiny_checkpoint(dir.path(), c);
  const auto file = (dir.path() / "model.safetensors").string();
  // A config that disagrees with the weights.
  auto wider = c;
  wider.intermediate_size = 96;
  write_file_atomic(dir.path() / "config.json", model_config_to_json(wider));
  EXPECT_EQ(error_of([&] { load_model(dir.path()); }),
            file + ": tensor 'model.layers.0.mlp.gate_proj.weight': shape [128, 64] but config.json needs [96, 64]");
  // Untied config, tied weights: lm_head is missing.
  auto tied = c;
  tied.tie_word_embeddings = true;
  write_tiny_checkpoint(dir.path(), tied);
  write_file_atomic(dir.path() / "config.json", model_config_to_json(c));
  EXPECT_EQ(error_of([&] { load_model(dir.path()); }), file + ": tensor 'lm_head.weight': missing");
  // LLaMA weights under a Baichuan config: q_proj is not a Baichuan parameter... W_pack is missing first.
  write_tiny_checkpoint(dir.path(), c);
  write_file_atomic(dir.path() / "config.json", model_config_to_json(tiny_config(Architecture::kBaichuan)));
  EXPECT_EQ(error_of([&] { load_model(dir.path()); }),
            file + ": tensor 'model.layers.0.self_attn.W_pack.weight': missing");
  // An extra tensor is reported, not silently ignored.
  {
    LlamaModel m(c);
    m->init_weights(1);
    std::vector<std::pair<std::string, torch::Tensor>> t;
    for (auto& p : m->named_parameters()) t.emplace_back(p.key(), p.value());
    t.emplace_back("model.layers.9.mlp.up_proj.weight", torch::zeros({2, 2}));
    write_safetensors(dir.path() / "model.safetensors", t, torch::kFloat32);
    write_file_atomic(dir.path() / "config.json", model_config_to_json(c));
  }
  EXPECT_EQ(error_of([&] { load_model(dir.path()); }),
            file + ": tensor 'model.layers.9.mlp.up_proj.weight': is not a parameter of a llama model with this config.json");
}

TEST(Checkpoint, HeaderValidation) {
  EXPECT_EQ(error_of([] {
              parse_safetensors_header(R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,20]}})", 200, "m.st");
            }),
            "m.st: tensor 'w': holds 20 bytes but shape [2,3] x F32 needs 24");
  EXPECT_EQ(error_of([] {
              parse_safetensors_header(R"({"w":{"dtype":"I8","shape":[2],"data_offsets":[0,2]}})", 200, "m.st");
            }),
            "m.st: tensor 'w': dtype \"I8\" is not supported (F32, F16, BF16)");
  EXPECT_EQ(error_of([] {
              parse_safetensors_header(R"({"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},
                                           "b":{"dtype":"F16","shape":[2],"data_offsets":[2,6]}})", 200, "m.st");
            }),
            "m.st: header: tensor byte ranges overlap");
}

TEST(Checkpoint, MissingWeightsAndShards) {
  TempDir dir;
  write_file_atomic(dir.path() / "config.json", model_config_to_json(tiny_config()));
  EXPECT_EQ(error_of([&] { load_model(dir.path()); }),
            dir.path().string() + ": checkpoint: has neither model.safetensors nor model.safetensors.index.json");
  write_file_atomic(dir.path() / "model.safetensors.index.json",
                    R"({"weight_map":{"model.norm.weight":"model-00002-of-00002.safetensors"}})");
  EXPECT_EQ(error_of([&] { load_model(dir.path()); }),
            (dir.path() / "model.safetensors.index.json").string() +
                ": shard 'model-00002-of-00002.safetensors': file is missing");
}

TEST(ModelTools, InitIsSeededAndDescribeReadsHeaders) {
  TempDir dir;
  auto c = tiny_config();
  init_random_checkpoint(c, dir / "a", 9, "bf16");
  init_random_checkpoint(c, dir / "b", 9, "bf16");
  init_random_checkpoint(c, dir / "c", 10, "bf16");
  EXPECT_EQ(read_file(dir / "a/model.safetensors"), read_file(dir / "b/model.safetensors"));
  EXPECT_NE(read_file(dir / "a/model.safetensors"), read_file(dir / "c/model.safetensors"));
  const std::string d = describe_checkpoint_json(dir / "a");
  EXPECT_NE(d.find("\"parameters\": " + std::to_string(c.num_parameters())), std::string::npos) << d;
  EXPECT_NE(d.find("\"dtype\": \"BF16\""), std::string::npos) << d;
  auto logits = last_position_logits(dir / "a", {1, 2, 3});
  EXPECT_EQ(logits.size(), 320u);
  EXPECT_EQ(error_of([&] { last_position_logits(dir / "a", {1, 320}); }),
            "--ids: position 2: id 320 is outside the vocabulary of 320");
}

}  // namespace
}  // namespace qb
