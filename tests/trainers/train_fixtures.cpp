#include "tests/trainers/train_fixtures.h"

#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "trainers/tokenizer/char_tokenizer.h"
#include "trainers/checkpoint/checkpoint.h"
#include "trainers/model/model_config.h"

namespace qb::testing::train {

namespace {
const char* const kDiseases[] = {"感冒", "胃炎", "肺炎", "贫血", "失眠", "头痛"};
const char* const kCures[] = {"多喝水休息", "少吃辛辣", "按时服药", "补充铁剂", "睡前放松", "减少熬夜"};
}  // namespace

std::string dcpt_text() {
  std::string s;
  for (int rep = 0; rep < 6; ++rep)
    for (int i = 0; i < 6; ++i)
      s += std::string(kDiseases[i]) + "的患者应当" + kCures[i] + "，如果症状加重请及时就医。" +
           kDiseases[(i + rep) % 6] + "常见于成年人。\n";
  return s;
}

std::string sft_jsonl(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    int d = i % 6;
    nlohmann::json j = {{"conversations",
                         {{{"from", "human"}, {"value", std::string("得了") + kDiseases[d] + "怎么办？"}},
                          {{"from", "gpt"}, {"value", std::string("建议") + kCures[d] + "。"}}}}};
    s += j.dump() + "\n";
  }
  return s;
}

std::string dpo_jsonl(int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    int d = i % 6;
    nlohmann::json j = {{"question", std::string("请问") + kDiseases[d] + "怎么处理？"},
                        {"response_chosen", std::string("建议") + kCures[d] + "。"},
                        {"response_rejected", "不知道，随便吧。"}};
    s += j.dump() + "\n";
  }
  return s;
}

std::string tiny_model_config() {
  return R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 512,
  "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
  "num_key_value_heads": 4, "max_position_embeddings": 256, "rms_norm_eps": 1e-6,
  "rope_theta": 10000.0, "initializer_range": 0.02, "tie_word_embeddings": false,
  "bos_token_id": 1, "eos_token_id": 2, "pad_token_id": 0, "torch_dtype": "float32"})";
}

void write_init_checkpoint(const std::filesystem::path& dir, uint64_t seed) {
  auto tok = CharTokenizer::train({dcpt_text(), sft_jsonl(12), dpo_jsonl(12), "<reserved_102><reserved_103>"});
  ModelConfig mc = parse_model_config(tiny_model_config(), "tiny.json");
  mc.vocab_size = tok.vocab_size();
  LlamaModel m(mc);
  m->init_weights(seed);
  save_model(dir, m, "float32");
  tok.save(dir / "tokenizer.json");
}

}  // namespace qb::testing::train
