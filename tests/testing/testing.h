// Helpers shared by every test binary.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace qb::testing {

// The project's source and build directories (from the environment ctest sets,
// else the values configured at build time).
std::filesystem::path source_dir();
std::filesystem::path build_dir();

// ../shared/data/REL beside the project, or an empty path when it is absent.
std::filesystem::path shared_data(const std::string& rel);

// The built qilin-bench binary.
std::filesystem::path qilin_bench();

// A fresh empty directory under the build tree, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out, err;
};

// Runs argv[0] with arguments, feeding `stdin_text`; captures stdout and stderr.
CommandResult run_command(const std::vector<std::string>& argv, const std::string& stdin_text = "");

// Writes a small fixture file (creating directories); returns its path.
std::filesystem::path write_fixture(const std::filesystem::path& path, const std::string& content);

}  // namespace qb::testing

// Skips the current test with a clear message when ../shared/data/REL is absent.
#define QILIN_REQUIRE_SHARED(var, rel)                                                  \
  const std::filesystem::path var = ::qb::testing::shared_data(rel);                    \
  if (var.empty())                                                                      \
  GTEST_SKIP() << "../shared/data/" << (rel)                                            \
               << " is absent (a user's clone has no ../shared); skipping this real-data test"
