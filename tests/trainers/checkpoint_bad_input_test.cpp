// Damaged checkpoints through the CLI (`model logits`, the inference path that maps bf16 weights):
// each exits 2 with one line naming the file and the tensor (or shard). An adapter for another
// base is covered by trainers.peft_adapter_python.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "tests/testing/testing.h"
#include "tests/trainers/tiny_checkpoint.h"
#include "trainers/checkpoint/safetensors_header.h"
#include "trainers/model/model_tools.h"

namespace qb {
namespace {

using testing::TempDir;
using testing::tiny_config;
namespace fs = std::filesystem;

testing::CommandResult logits_of(const fs::path& dir) {
  return testing::run_command({testing::qilin_bench().string(), "model", "logits", "--model", dir.string(), "--ids", "1,2"});
}

// A bf16 checkpoint of tiny_config(), sharded into 4 files.
fs::path sharded(const fs::path& dir) {
  init_random_checkpoint(tiny_config(), dir, 4, "bf16", 60000);
  return dir;
}

// The shard the index assigns `tensor` to.
fs::path shard_of(const fs::path& ck, const std::string& tensor) {
  auto j = nlohmann::json::parse(read_file(ck / "model.safetensors.index.json"));
  return ck / j["weight_map"][tensor].get<std::string>();
}

void replace_in_file(const fs::path& f, const std::string& from, const std::string& to) {
  std::string s = read_file(f);
  const auto at = s.find(from);
  ASSERT_NE(at, std::string::npos) << from;
  s.replace(at, from.size(), to);
  write_file_atomic(f, s);
}

TEST(CheckpointBadInput, TruncatedShard) {
  TempDir t;
  const fs::path ck = sharded(t / "ck"), shard = shard_of(ck, "model.layers.0.mlp.gate_proj.weight");
  const auto size = fs::file_size(shard);
  std::string last;  // the tensor whose bytes end the file
  uint64_t end = 0;
  for (const auto& [name, e] : read_safetensors_header(shard).tensors)
    if (e.end >= end) end = e.end, last = name;
  fs::resize_file(shard, size - 100);
  auto r = logits_of(ck);
  EXPECT_EQ(r.exit_code, 2);
  // The header is intact; the last tensor of the shard now runs past the end of the file.
  EXPECT_EQ(r.err, "qilin-bench: error: " + shard.string() + ": tensor '" + last + "': data ends at byte " +
                       std::to_string(size) + " but the file has " + std::to_string(size - 100) + " bytes (truncated?)\n");
}

TEST(CheckpointBadInput, HugePagesSwitchTakesOnlyZeroOrOne) {
  TempDir t;
  const fs::path ck = sharded(t / "ck");
  auto r = testing::run_command({"env", "QILIN_HUGE_PAGES=yes", testing::qilin_bench().string(), "model", "logits",
                                 "--model", ck.string(), "--ids", "1,2"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: QILIN_HUGE_PAGES: must be 0 (4 KB pages) or 1 (2 MB pages), got 'yes'\n");
  for (const char* ok : {"QILIN_HUGE_PAGES=0", "QILIN_HUGE_PAGES=1"}) {
    auto fine = testing::run_command({"env", ok, testing::qilin_bench().string(), "model", "logits", "--model",
                                      ck.string(), "--ids", "1,2"});
    EXPECT_EQ(fine.exit_code, 0) << ok << ": " << fine.err;
    EXPECT_EQ(fine.out, logits_of(ck).out) << ok;  // the page size changes no number
  }
}

TEST(CheckpointBadInput, IndexNamesAMissingShard) {
  TempDir t;
  const fs::path ck = sharded(t / "ck"), shard = shard_of(ck, "model.layers.1.mlp.up_proj.weight");
  ASSERT_TRUE(fs::remove(shard));
  auto r = logits_of(ck);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + (ck / "model.safetensors.index.json").string() + ": shard '" +
                       shard.filename().string() + "': file is missing\n");
}

// Found by fuzz/fuzz_safetensors: a shard name longer than a file name may be made
// std::filesystem throw "File name too long" instead of an InputError; '..' named a directory.
TEST(CheckpointBadInput, IndexNamingSomethingOtherThanAFileBesideItIsRefused) {
  TempDir t;
  const fs::path ck = sharded(t / "ck"), shard = shard_of(ck, "model.layers.1.mlp.up_proj.weight");
  const std::string index = (ck / "model.safetensors.index.json").string();
  const std::string original = read_file(index);
  const std::string name = shard.filename().string();
  for (const auto& [bad, shown] : std::vector<std::pair<std::string, std::string>>{
           {std::string(300, 'x'), "of a 300-byte name"}, {"..", "'..'"}, {"../ck/" + name, "'../ck/" + name + "'"}}) {
    std::string text = original;
    for (size_t at; (at = text.find("\"" + name + "\"")) != std::string::npos;) text.replace(at, name.size() + 2, "\"" + bad + "\"");
    write_file_atomic(index, text);
    auto r = logits_of(ck);
    EXPECT_EQ(r.exit_code, 2) << bad;
    const std::string tail = ": shard " + shown + " must be a plain file name\n";
    EXPECT_EQ(r.err.substr(0, 20 + index.size()), "qilin-bench: error: " + index) << r.err;
    EXPECT_TRUE(r.err.size() >= tail.size() && r.err.compare(r.err.size() - tail.size(), tail.size(), tail) == 0) << r.err;
  }
}

TEST(CheckpointBadInput, TensorOfTheWrongShape) {
  TempDir t;
  const fs::path ck = sharded(t / "ck");
  replace_in_file(ck / "config.json", "\"intermediate_size\": 128", "\"intermediate_size\": 96");
  auto r = logits_of(ck);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + shard_of(ck, "model.layers.0.mlp.gate_proj.weight").string() +
                       ": tensor 'model.layers.0.mlp.gate_proj.weight': shape [128, 64] but config.json needs [96, 64]\n");
}

TEST(CheckpointBadInput, TensorOfAnUnsupportedDtype) {
  TempDir t;
  init_random_checkpoint(tiny_config(), t / "ck", 4, "bf16");
  // Same length, still valid JSON: the first tensor now claims 16-bit integers.
  replace_in_file(t / "ck" / "model.safetensors", "\"dtype\":\"BF16\"", "\"dtype\":\"I16\" ");
  auto r = logits_of(t / "ck");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + (t / "ck" / "model.safetensors").string() +
                       ": tensor 'model.embed_tokens.weight': dtype \"I16\" is not supported (F32, F16, BF16)\n");
}

}  // namespace
}  // namespace qb
