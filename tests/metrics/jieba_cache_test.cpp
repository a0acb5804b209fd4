// The binary caches of jieba's dictionary and HMM tables (metrics/jieba_dictionary_cache.h):
// written on first use, used afterwards with token-identical output, and a corrupt, truncated
// or stale cache is reported on stderr and rebuilt.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "metrics/jieba_segmenter.h"
#include "tests/testing/testing.h"

namespace qb {
namespace {

namespace fs = std::filesystem;
using testing::qilin_bench;
using testing::run_command;

#define QILIN_REQUIRE_JIEBA()                                                                    \
  if (!fs::exists(kJiebaDefaultDict))                                                            \
  GTEST_SKIP() << kJiebaDefaultDict << " is absent: install Debian python3-jieba (scripts/setup.sh)"

const std::string kText =
    "做了腰间盘穿丁手术后，用盐泡脚可以吗\n吃了布洛芬还是发烧38.5度怎么办\n血常规检查显示白细胞偏高，需要输液吗\n";

testing::CommandResult segment(const fs::path& cache, std::vector<std::string> extra = {}) {
  std::vector<std::string> argv{"env", "QILIN_CACHE_DIR=" + cache.string(), qilin_bench().string(), "segment",
                                "--segmenter", "jieba"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run_command(argv, kText);
}

fs::path only_file(const fs::path& dir, const std::string& prefix) {
  fs::path found;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().rfind(prefix, 0) == 0) {
      EXPECT_TRUE(found.empty()) << "two " << prefix << " files";
      found = e.path();
    }
  return found;
}

void flip_byte(const fs::path& file, size_t offset_from_end) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(-static_cast<long>(offset_from_end), std::ios::end);
  char c;
  f.get(c);
  f.seekp(-static_cast<long>(offset_from_end), std::ios::end);
  f.put(static_cast<char>(c ^ 0x5A));
}

TEST(JiebaCache, WrittenOnceThenUsedWithIdenticalTokens) {
  QILIN_REQUIRE_JIEBA();
  testing::TempDir dir;
  const auto uncached = run_command({"env", "QILIN_CACHE_DIR=off", qilin_bench().string(), "segment", "--segmenter", "jieba"}, kText);
  ASSERT_EQ(uncached.exit_code, 0) << uncached.err;
  EXPECT_FALSE(fs::exists(dir / "cache"));
  const auto first = segment(dir / "cache");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.err, "");
  const fs::path dict = only_file(dir / "cache", "jieba-dict-"), hmm = only_file(dir / "cache", "jieba-hmm-");
  ASSERT_FALSE(dict.empty());
  ASSERT_FALSE(hmm.empty());
  const auto mtime = fs::last_write_time(dict);
  const auto second = segment(dir / "cache");
  EXPECT_EQ(second.err, "");
  EXPECT_EQ(fs::last_write_time(dict), mtime) << "a valid cache is not rewritten";
  EXPECT_EQ(first.out, uncached.out);
  EXPECT_EQ(second.out, uncached.out);
  // Python jieba 0.42.1: jieba.lcut("做了腰间盘穿丁手术后，用盐泡脚可以吗") (穿丁 from the HMM).
  EXPECT_EQ(uncached.out.substr(0, uncached.out.find('\n')),
            "做 / 了 / 腰间盘 / 穿丁 / 手术 / 后 / ， / 用 / 盐 / 泡 / 脚 / 可以 / 吗");
}

TEST(JiebaCache, CorruptDictionaryCacheIsReportedAndRebuilt) {
  QILIN_REQUIRE_JIEBA();
  testing::TempDir dir;
  const auto good = segment(dir / "cache");
  ASSERT_EQ(good.exit_code, 0) << good.err;
  const fs::path dict = only_file(dir / "cache", "jieba-dict-");
  flip_byte(dict, 4096);
  const auto r = segment(dir / "cache");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "qilin-bench: jieba dictionary cache " + dict.string() +
                       " is corrupt (checksum mismatch); rebuilding it from " + kJiebaDefaultDict + "\n");
  EXPECT_EQ(r.out, good.out);
  const auto again = segment(dir / "cache");
  EXPECT_EQ(again.err, "") << "the rebuilt cache is valid";
  EXPECT_EQ(again.out, good.out);
  // Truncated (e.g. a disk filled while something else wrote it).
  const auto full = fs::file_size(dict);
  fs::resize_file(dict, full - 16);
  const auto cut = segment(dir / "cache");
  EXPECT_NE(cut.err.find(" is corrupt (" + std::to_string(full - 16) + " bytes, expected " + std::to_string(full) + ")"),
            std::string::npos)
      << cut.err;
  EXPECT_EQ(cut.out, good.out);
  // Not a cache at all.
  testing::write_fixture(dict, "hello");
  const auto junk = segment(dir / "cache");
  EXPECT_NE(junk.err.find(" is corrupt (shorter than its header)"), std::string::npos) << junk.err;
  EXPECT_EQ(junk.out, good.out);
}

TEST(JiebaCache, CorruptHmmCacheIsReportedAndRebuilt) {
  QILIN_REQUIRE_JIEBA();
  testing::TempDir dir;
  const auto good = segment(dir / "cache");
  const fs::path hmm = only_file(dir / "cache", "jieba-hmm-");
  flip_byte(hmm, 100);
  const auto r = segment(dir / "cache");
  EXPECT_EQ(r.err, "qilin-bench: jieba HMM cache " + hmm.string() + " is corrupt (checksum mismatch); rebuilding it from " +
                       kJiebaDefaultHmmDir + "\n");
  EXPECT_EQ(r.out, good.out);
  EXPECT_EQ(segment(dir / "cache").err, "");
}

// Dictionaries under 1 MiB are not cached; this one is padded past that with words that never
// occur in the text (and a fixed total, so the routes below do not depend on the padding).
std::string padded_dict(const std::string& words) {
  std::string d = words;
  for (int i = 0; d.size() < (1u << 20) + 1000; ++i) d += "x" + std::to_string(i) + "q 0\n";
  return d;
}

TEST(JiebaCache, SmallDictionariesAreNotCached) {
  testing::TempDir dir;
  const fs::path dict = testing::write_fixture(dir / "dict.txt", "头痛 100 n\n发烧 50 v\n");
  const auto r = run_command({"env", "QILIN_CACHE_DIR=" + (dir / "cache").string(), qilin_bench().string(), "segment",
                              "--segmenter", "jieba", "--no-hmm", "--dict", dict.string()},
                             "头痛发烧\n");
  EXPECT_EQ(r.out, "头痛 / 发烧\n");
  EXPECT_TRUE(!fs::exists(dir / "cache") || fs::is_empty(dir / "cache"));
}

TEST(JiebaCache, ChangedDictionaryMakesTheCacheStale) {
  testing::TempDir dir;
  const fs::path dict =
      testing::write_fixture(dir / "dict.txt", padded_dict("头痛 100 n\n发烧 50 v\n头 10 n\n痛 10 a\n发 5 v\n烧 5 v\n"));
  // (stdin is not written when the run is expected to fail before reading it: no SIGPIPE)
  auto run = [&](const std::string& input = "头痛发烧\n") {
    return run_command({"env", "QILIN_CACHE_DIR=" + (dir / "cache").string(), qilin_bench().string(), "segment",
                        "--segmenter", "jieba", "--no-hmm", "--dict", dict.string()},
                       input);
  };
  const auto before = run();
  ASSERT_EQ(before.exit_code, 0) << before.err;
  EXPECT_EQ(before.out, "头痛 / 发烧\n");
  EXPECT_EQ(before.err, "");
  EXPECT_EQ(run().err, "");
  // The same path, new content: 头痛 and 发烧 are gone, 痛发 is a word (route: 头/痛发/烧 has
  // log 10 + log 50 + log 5 - 3 log 80 > log 10 + log 10 + log 5 + log 5 - 4 log 80).
  testing::write_fixture(dict, padded_dict("头 10 n\n痛 10 a\n发 5 v\n烧 5 v\n痛发 50 n\n"));
  const auto after = run();
  EXPECT_EQ(after.out, "头 / 痛发 / 烧\n");
  EXPECT_EQ(after.err, "qilin-bench: jieba dictionary cache " + only_file(dir / "cache", "jieba-dict-").string() +
                           " is stale (the dictionary file changed since the cache was built); rebuilding it from " +
                           dict.string() + "\n");
  EXPECT_EQ(run().err, "");
  // A malformed dictionary is still an error naming the file and line, cache or not.
  testing::write_fixture(dict, padded_dict("头痛 100 n\n发烧 lots\n"));
  const auto bad = run("");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(dict.string() + ": line 2: invalid dictionary entry '发烧 lots'"), std::string::npos) << bad.err;
}

TEST(JiebaCache, UnwritableCacheDirectoryOnlyCostsTheParse) {
  QILIN_REQUIRE_JIEBA();
  testing::TempDir dir;
  testing::write_fixture(dir / "not-a-dir", "x");
  const auto r = segment(dir / "not-a-dir");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const auto off = run_command({"env", "QILIN_CACHE_DIR=off", qilin_bench().string(), "segment", "--segmenter", "jieba"}, kText);
  EXPECT_EQ(r.out, off.out);
}

}  // namespace
}  // namespace qb
