// qilin-bench report: renders from results.json alone; bad input exits 2 naming the JSON path.
#include <gtest/gtest.h>

#include "common/atomic_file.h"
#include "reports/leaderboard_csv.h"
#include "tests/testing/testing.h"

namespace qb::reports {
namespace {

using testing::qilin_bench;
using testing::run_command;

std::filesystem::path demo_dir() { return testing::source_dir() / "tests/reports/fixtures/run_demo"; }

size_t lines(const std::string& text) { return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')); }

TEST(ReportCli, RendersCsvAndHtmlFromResultsAlone) {
  testing::TempDir out;
  auto r = run_command({qilin_bench().string(), "report", "--run", demo_dir().string(), "--out", out.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "wrote " + (out / "leaderboard.csv").string() + "\nwrote " + (out / "leaderboard.html").string() + "\n");
  std::vector<RunResults> runs{load_run(demo_dir())};
  EXPECT_EQ(read_file(out / "leaderboard.csv"), render_leaderboard_csv(build_leaderboard(runs)));
  EXPECT_EQ(lines(read_file(out / "leaderboard.csv")), 12u);  // header + 5 published + 6 measured
  EXPECT_NE(read_file(out / "leaderboard.html").find("<title>qilin-bench leaderboard — demo-2026-11-24</title>"),
            std::string::npos);
}

TEST(ReportCli, CompareAddsTheOtherRunsRows) {
  testing::TempDir dir;
  std::string text = read_file(demo_dir() / "results.json");
  testing::write_fixture(dir / "a/results.json", text);
  auto renamed = nlohmann::json::parse(text);
  renamed["manifest"].erase("run_name");  // label falls back to the folder name
  testing::write_fixture(dir / "rerun/results.json", renamed.dump());
  auto r = run_command({qilin_bench().string(), "-q", "report", "--run", (dir / "a").string(), "--compare",
                        (dir / "rerun").string(), (dir / "a").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  std::string csv = read_file(dir / "a/leaderboard.csv");  // --out defaults to --run
  EXPECT_EQ(lines(csv), 1u + 5u + 3 * 6u);
  EXPECT_NE(csv.find("\r\nmeasured,demo-2026-11-24,dpo+rag,dpo,true,base,"), std::string::npos);
  EXPECT_NE(csv.find("\r\nmeasured,rerun,dpo+rag,dpo,true,base,"), std::string::npos);
  EXPECT_NE(csv.find("\r\nmeasured,demo-2026-11-24 (2),dpo+rag,dpo,true,base,"), std::string::npos);
}

TEST(ReportCli, InvalidResultsExitTwoNamingTheJsonPath) {
  testing::TempDir dir;
  auto j = nlohmann::json::parse(read_file(demo_dir() / "results.json"));
  j["models"][3]["evaluations"][2]["metrics"]["rouge1"]["value"] = "27.4";
  testing::write_fixture(dir / "run/results.json", j.dump(1));
  auto r = run_command({qilin_bench().string(), "report", "--run", (dir / "run").string(), "--out",
                        (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + (dir / "run/results.json").string() +
                       ": models[3].evaluations[2].metrics.rouge1.value: expected a number, got a string\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(ReportCli, BrokenCompareRunWritesNothing) {
  testing::TempDir dir;
  testing::write_fixture(dir / "bad/results.json", "{\"schema_version\": 1, \"manifest\": {}, \"models\": [}");
  auto r = run_command({qilin_bench().string(), "report", "--run", demo_dir().string(), "--compare",
                        (dir / "bad").string(), "--out", (dir / "out").string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + (dir / "bad/results.json").string() +
                       ": line 1, column 50: invalid JSON: syntax error while parsing value - unexpected '}'; "
                       "expected '[', '{', or a literal\n");
  EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(ReportCli, MissingResultsAndMissingRunAreUsageErrors) {
  testing::TempDir dir;
  auto r = run_command({qilin_bench().string(), "report", "--run", dir.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.err, "qilin-bench: error: " + (dir / "results.json").string() + ": cannot open: No such file or directory\n");
  auto usage = run_command({qilin_bench().string(), "report"});
  EXPECT_EQ(usage.exit_code, 2);
  EXPECT_NE(usage.err.find("--run is required"), std::string::npos) << usage.err;
}

}  // namespace
}  // namespace qb::reports
