// `qilin-bench segment`: line framing, output format, streaming and errors.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "metrics/jieba_segmenter.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

testing::CommandResult segment(const std::vector<std::string>& args, const std::string& input) {
  std::vector<std::string> argv = {testing::qilin_bench().string(), "segment"};
  argv.insert(argv.end(), args.begin(), args.end());
  return testing::run_command(argv, input);
}

TEST(SegmentCli, CharTokensPerLineIncludingEmptyAndUnterminatedLines) {
  const auto r = segment({"--segmenter", "char"}, "ab 中文\n\n12，好\r\nlast");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ab / 中 / 文\n\n12 / ， / 好\nlast\n");
}

TEST(SegmentCli, JiebaTextAndJsonFormats) {
  if (!std::filesystem::exists(kJiebaDefaultDict)) GTEST_SKIP() << "Debian python3-jieba is not installed";
  auto r = segment({"--segmenter", "jieba"}, "他来到了网易杭研大厦\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "他 / 来到 / 了 / 网易 / 杭研 / 大厦\n");
  r = segment({"--no-hmm", "--format", "json"}, "他来到了网易杭研大厦\na b\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "[\"他\",\"来到\",\"了\",\"网易\",\"杭\",\"研\",\"大厦\"]\n[\"a\",\" \",\"b\"]\n");
}

TEST(SegmentCli, MissingDictionaryExitsTwo) {
  const auto r = segment({"--dict", "/nonexistent/dict.txt"}, "头痛\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: /nonexistent/dict.txt: no such dictionary file (--dict)\n");
  const auto u = segment({"--user-dict", "/nonexistent/user.txt"}, "头痛\n");
  EXPECT_EQ(u.exit_code, 2);
  EXPECT_EQ(u.err, "qilin-bench: error: /nonexistent/user.txt: no such dictionary file (--user-dict)\n");
}

TEST(SegmentCli, IllFormedUtf8NamesTheLine) {
  const auto r = segment({"--segmenter", "char"}, "ok\nb\xC3\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "ok\n");
  EXPECT_EQ(r.err, "qilin-bench: error: <stdin>: line 2: byte 1: ill-formed UTF-8 sequence\n");
}

TEST(SegmentCli, UnknownSegmenterIsAUsageError) {
  const auto r = segment({"--segmenter", "spaces"}, "");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--segmenter"), std::string::npos) << r.err;
}

// Streaming: the answer to a line arrives while stdin is still open.
TEST(SegmentCli, AnswersEachLineBeforeEndOfInput) {
  int in[2], out[2];
  ASSERT_EQ(pipe(in), 0);
  ASSERT_EQ(pipe(out), 0);
  const std::string exe = testing::qilin_bench().string();
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[1]);
    close(out[0]);
    execl(exe.c_str(), exe.c_str(), "segment", "--segmenter", "char", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  ASSERT_EQ(write(in[1], "ab中\n", 6), 6);
  std::string got;
  char buf[64];
  alarm(20);  // a hang (whole-input buffering) fails the test instead of blocking ctest
  while (got.find('\n') == std::string::npos) {
    const ssize_t n = read(out[0], buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<size_t>(n));
  }
  alarm(0);
  EXPECT_EQ(got, "ab / 中\n");
  close(in[1]);
  int status = 0;
  waitpid(pid, &status, 0);
  close(out[0]);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

}  // namespace
}  // namespace qb
