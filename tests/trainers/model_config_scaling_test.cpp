// config.json keys that change the math (Baichuan-7B's layout and later LLaMA configs): linear
// rope_scaling is implemented (parity: trainers.model_parity_python, case baichuan_lin); the
// others are refused by name so a checkpoint never loads with silently wrong logits.
#include <gtest/gtest.h>

#include "common/error.h"
#include "trainers/model/model_config.h"

namespace qb {
namespace {

const std::string kBase = R"("vocab_size":10,"hidden_size":64,"intermediate_size":8,"num_hidden_layers":1,"num_attention_heads":4)";

std::string error_of(const std::string& extra) {
  try {
    parse_model_config("{" + kBase + "," + extra + "}", "config.json");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(ModelConfigKeys, LinearRopeScalingIsReadAndWrittenBack) {
  auto c = parse_model_config("{" + kBase + R"(,"rope_scaling":{"type":"linear","factor":4.0}})", "config.json");
  EXPECT_EQ(c.rope_linear_factor, 4.0);
  EXPECT_EQ(parse_model_config(model_config_to_json(c), "x").rope_linear_factor, 4.0);
  auto newer = parse_model_config("{" + kBase + R"(,"rope_scaling":{"rope_type":"linear","factor":2}})", "config.json");
  EXPECT_EQ(newer.rope_linear_factor, 2.0);
  EXPECT_EQ(parse_model_config("{" + kBase + R"(,"rope_scaling":null})", "c").rope_linear_factor, 1.0);
}

TEST(ModelConfigKeys, BaiChuanSpellingIsBaichuan) {
  auto c = parse_model_config("{" + kBase + R"(,"architectures":["BaiChuanForCausalLM"]})", "config.json");
  EXPECT_EQ(c.architecture, Architecture::kBaichuan);
}

TEST(ModelConfigKeys, MathChangingKeysAreRefusedByName) {
  EXPECT_EQ(error_of(R"("rope_scaling":{"type":"dynamic","factor":2.0})"),
            R"(config.json: key 'rope_scaling': type 'dynamic' is not supported (only 'linear'), got {"factor":2.0,"type":"dynamic"})");
  EXPECT_EQ(error_of(R"("rope_scaling":{"rope_type":"yarn","factor":2.0})"),
            R"(config.json: key 'rope_scaling': type 'yarn' is not supported (only 'linear'), got {"factor":2.0,"rope_type":"yarn"})");
  EXPECT_EQ(error_of(R"("rope_scaling":{"type":"linear"})"),
            R"(config.json: key 'rope_scaling': linear scaling needs a 'factor' >= 1, got {"type":"linear"})");
  EXPECT_EQ(error_of(R"("attention_bias":true)"),
            "config.json: key 'attention_bias': biases are not supported (the model's projections have none), got true");
  EXPECT_EQ(error_of(R"("mlp_bias":true)"),
            "config.json: key 'mlp_bias': biases are not supported (the model's projections have none), got true");
  EXPECT_EQ(error_of(R"("attention_bias":false,"mlp_bias":false)"), "(accepted)");
}

}  // namespace
}  // namespace qb
