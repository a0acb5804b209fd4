// `cmake --install`: the installed tree runs on its own (light binary -> its sibling torch
// binary) and loads the SentencePiece wrapper installed beside it, not the build tree's.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/testing.h"
#include "tests/trainers/tiny_checkpoint.h"
#include "trainers/tokenizer/sentencepiece_tokenizer.h"

namespace qb {
namespace {

namespace fs = std::filesystem;
using testing::run_command;

TEST(Install, InstalledTreeRunsAndLoadsItsOwnSentencePieceWrapper) {
  testing::TempDir dir;
  const fs::path prefix = dir / "prefix";
  auto inst = run_command({"cmake", "--install", testing::build_dir().string(), "--prefix", prefix.string()});
  ASSERT_EQ(inst.exit_code, 0) << inst.out << inst.err;
  const fs::path wrapper = prefix / "lib" / "qilin-bench" / "libqilin_spm_wrapper.so";
  for (const fs::path& p : {prefix / "bin" / "qilin-bench", prefix / "bin" / "qilin-bench-torch", wrapper})
    ASSERT_TRUE(fs::is_regular_file(p)) << p;

  // A tiny checkpoint whose tokenizer is a SentencePiece model.
  std::string corpus;
  for (int i = 0; i < 60; ++i) corpus += "患者发热三天，咳嗽，首选检查是血常规。高血压患者饮食应低盐。\n";
  testing::write_fixture(dir / "corpus.txt", corpus);
  testing::write_tiny_checkpoint(dir / "ck", testing::tiny_config());
  fs::remove(dir / "ck" / "tokenizer.json");
  SentencePieceTokenizer::train("--input=" + (dir / "corpus.txt").string() + " --model_prefix=" +
                                (dir / "ck" / "tokenizer").string() +
                                " --vocab_size=300 --model_type=bpe --character_coverage=1.0 --byte_fallback=true"
                                " --minloglevel=2");
  testing::write_fixture(dir / "q.csv",
                         "Question,Options,Answer,Explanation\n"
                         "患者发热三天，咳嗽，首选检查是,A 血常规\\nB 胸片\\nC 心电图\\nD 尿常规\\nE 肝功能,A,\n");

  // The dynamic loader names every file it opens (LD_DEBUG=files): the wrapper must be the
  // installed one. Only a torch binary in PREFIX/bin looks in PREFIX/lib/qilin-bench (the build
  // tree's would fall back to its own wrapper), so this also shows the light binary exec'ed
  // its installed sibling.
  auto r = run_command({"env", "-u", "QILIN_SPM_WRAPPER", "-u", "QILIN_TORCH_BINARY", "LD_DEBUG=files",
                        (prefix / "bin" / "qilin-bench").string(), "-q", "eval", "--model", (dir / "ck").string(),
                        "--suite", "cmexam", "--data", (dir / "q.csv").string(), "--out", (dir / "out").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err.substr(r.err.size() > 4000 ? r.err.size() - 4000 : 0);
  EXPECT_TRUE(fs::is_regular_file(dir / "out" / "metrics.json"));
  EXPECT_NE(r.err.find("file=" + wrapper.string()), std::string::npos) << "installed wrapper not loaded";
  EXPECT_EQ(r.err.find("file=" + (testing::build_dir() / "trainers").string()), std::string::npos)
      << "the build tree's wrapper was loaded";
}

}  // namespace
}  // namespace qb
