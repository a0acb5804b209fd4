// leaderboard.html: escaping (no markup or script from data), self-containment, content.
#include <gtest/gtest.h>

#include <regex>

#include "common/atomic_file.h"
#include "reports/html_escape.h"
#include "reports/leaderboard_html.h"
#include "reports/svg_charts.h"
#include "tests/testing/testing.h"

namespace qb::reports {
namespace {

using nlohmann::json;

size_t count(const std::string& hay, const std::string& needle) {
  size_t n = 0;
  for (size_t at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) ++n;
  return n;
}

std::string render_demo() {
  std::vector<RunResults> runs{load_run(testing::source_dir() / "tests/reports/fixtures/run_demo")};
  return render_leaderboard_html(runs, build_leaderboard(runs));
}

TEST(HtmlEscape, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(html_escape("<a href=\"x\" title='y'>&amp;</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;");
  EXPECT_EQ(html_escape("感染性疾病"), "感染性疾病");
}

TEST(SvgCharts, NiceTicks) {
  EXPECT_EQ(nice_ticks(2.9, 6.2, 4), (std::vector<double>{3, 4, 5, 6}));
  EXPECT_EQ(nice_ticks(0, 0.0002, 4), (std::vector<double>{0, 5e-05, 0.0001, 0.00015, 0.0002}));
  EXPECT_EQ(nice_ticks(-13.5, 2, 6), (std::vector<double>{-10, -5, 0}));
  EXPECT_EQ(tick_label(0.0001), "0.0001");
  EXPECT_EQ(tick_label(5e-05), "5e-05");
  EXPECT_EQ(tick_label(150), "150");
}

TEST(SvgCharts, LineChartDrawsEveryPoint) {
  std::string svg = line_chart_svg({{"loss", {{1, 4}, {2, 3}, {3, 2.5}}}}, {"training loss", "step"});
  EXPECT_EQ(svg.rfind("<svg class=\"chart\"", 0), 0u);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("points=\"([^\"]*)\"")));
  EXPECT_EQ(count(m[1].str(), ","), 3u);
  // First point at the left edge of the plot, last at the right (54 px margin, 330 - 54 - 12 wide).
  EXPECT_EQ(m[1].str().substr(0, 5), "54.0,");
  EXPECT_NE(m[1].str().find("318.0,"), std::string::npos);
  EXPECT_NE(line_chart_svg({{"loss", {}}}, {"empty", "step"}).find("no points logged"), std::string::npos);
}

TEST(LeaderboardHtml, DataCannotInjectMarkup) {
  const std::string evil = "<script>alert(1)</script>";
  json j = {{"schema_version", 1},
            {"manifest", {{"run_name", "\"><img src=x onerror=alert(2)>"}, {"note", "</table><b>x</b>"}}},
            {"models",
             {{{"name", "base"}, {"stage", "base"}, {"evaluations", json::array()}},
              {{"name", evil},
               {"stage", "<i>sft</i>"},
               {"base", "base"},
               {"evaluations",
                {{{"suite", "<svg onload=alert(3)>"},
                  {"mode", "generate"},
                  {"n", 3},
                  {"metrics", {{"acc<u>", {{"value", 1}, {"signature", "sig\"onmouseover=\"alert(4)"}}}}},
                  {"counts", {{"<em>fail</em>", 1}}},
                  {"breakdown", {{"<h1>col</h1>", {{"<h2>grp</h2>", {{"n", 3}, {"acc", 1}}}}}}}}}},
               {"training",
                {{"stage", "<s>dpo</s>"},
                 {"curve", {{{"step", 1}, {"<marquee>", 1.0}}}},
                 {"summary", {{"<k>", "<v>"}}}}}}}},
            {"comparisons",
             {{{"baseline", "base"},
               {"model", evil},
               {"suite", "x"},
               {"mode", "generate"},
               {"metric", "<m>"},
               {"delta", 1},
               {"test", "<t>"},
               {"significant", true}}}}};
  std::vector<RunResults> runs(1);
  runs[0].label = "\"><img src=x onerror=alert(2)>";
  runs[0].results = results_from_json(j, "evil.json");
  const std::string html = render_leaderboard_html(runs, build_leaderboard(runs));
  EXPECT_EQ(count(html, "<script"), 3u);  // the page's own three
  for (const char* tag : {"<img", "<svg onload", "<i>sft", "<u>", "<em>", "<h1>col", "<h2>grp", "<s>", "<marquee", "<k>",
                          "<v>", "<m>", "<t>", "</table><b>", "\"onmouseover"})
    EXPECT_EQ(html.find(tag), std::string::npos) << tag;
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("sig&quot;onmouseover=&quot;alert(4)"), std::string::npos);
}

TEST(LeaderboardHtml, IsSelfContained) {
  const std::string html = render_demo();
  // The only URL is the SVG namespace name (an identifier, never fetched).
  std::regex url("(https?:)?//[A-Za-z0-9.-]+\\.[a-z]{2,}");
  std::set<std::string> urls;
  for (std::sregex_iterator it(html.begin(), html.end(), url), end; it != end; ++it) urls.insert(it->str());
  EXPECT_EQ(urls, (std::set<std::string>{"http://www.w3.org"}));
  for (const char* fetch : {" src=", "<link", "@import", "url(", "@font-face", "<iframe", "fetch(", "XMLHttpRequest"})
    EXPECT_EQ(html.find(fetch), std::string::npos) << fetch;
}

TEST(LeaderboardHtml, DemoPageHasEverySection) {
  const std::string html = render_demo();
  EXPECT_EQ(html, render_demo());  // deterministic: no clock, no randomness
  for (const char* id : {"id=\"leaderboard\"", "id=\"deltas\"", "id=\"breakdown\"", "id=\"training\"",
                         "id=\"tests\"", "id=\"counts\"", "id=\"stage-gains\"", "id=\"signatures\"", "id=\"manifest\"",
                         "id=\"board-cmexam\"", "id=\"board-huatuo26m\"", "id=\"paper-vs-measured\"",
                         "id=\"script-errors\""})
    EXPECT_NE(html.find(id), std::string::npos) << id;
  EXPECT_EQ(count(html, "<tr class=\"published\">"), 6u);  // CMExam: 4 paper rows, Huatuo-26M: 2
  EXPECT_EQ(count(html, "<span class=\"badge pub\">published</span>"), 6u);
  EXPECT_EQ(count(html, "class=\"chart forest\""), 4u);     // the four compared metrics
  EXPECT_EQ(count(html, "<polyline"), 13u);                 // dcpt 3 + sft 3 + dpo 7 curve series
  EXPECT_NE(html.find("DPO reward margin (chosen − rejected)"), std::string::npos);
  // sft's CMExam generate accuracy with its Wilson interval and McNemar delta (p = 0.00137 -> **).
  EXPECT_NE(html.find("<td class=\"num\" data-v=\"36.5\" title=\"acc|mode:generate|shots:0|prompt:qilin-med-v1|"
                      "extract:answer-position-v1|multi:exact-set\"><span class=\"v\">36.50</span>"
                      "<span class=\"ci\">30.1–43.4</span><span class=\"d good\" title=\"Δ vs base: mcnemar-exact, "
                      "p = 0.00137, significant\">Δ +14.50 <span class=\"dci\">[8.0, 21.0]</span> "
                      "<span class=\"mark\">**</span></span></td>"),
            std::string::npos);
  // The paper's DCPT row: 38.4 and its difference to Baichuan-7B.
  EXPECT_NE(html.find("<span class=\"v\">38.40</span><span class=\"d ns\" title=\"the paper&#39;s difference to "
                      "Baichuan-7B\">Δ +4.90</span>"),
            std::string::npos);
  EXPECT_EQ(count(html, "<tr><td data-v=\"感染性疾病\">感染性疾病</td><td class=\"num\" data-v=\"36\">36</td>"), 2u);
}

}  // namespace
}  // namespace qb::reports

namespace qb::reports {
namespace {

// A metric and a suite the catalog has never heard of still get columns, after the known ones.
TEST(LeaderboardHtml, UnknownMetricsAndSuitesAppearWithoutCodeChanges) {
  auto j = nlohmann::json::parse(read_file(testing::source_dir() / "tests/reports/fixtures/run_demo/results.json"));
  j["models"][1]["evaluations"][2]["metrics"]["bertscore_f1"] = {{"value", 61.25}, {"signature", "bertscore|x"}};
  j["models"][1]["evaluations"].push_back(
      {{"suite", "medqa"}, {"mode", "loglik"}, {"n", 5}, {"metrics", {{"acc", {{"value", 40}}}}}});
  std::vector<RunResults> runs(1);
  runs[0].label = "x";
  runs[0].results = results_from_json(j, "x.json");
  Leaderboard board = build_leaderboard(runs);
  ASSERT_EQ(board.columns.size(), 15u);
  EXPECT_EQ(board.columns[12].id(), "huatuo26m/generate/distinct2");
  EXPECT_EQ(board.columns[13].id(), "huatuo26m/generate/bertscore_f1");
  EXPECT_EQ(board.columns[14].id(), "medqa/loglik/acc");
  const std::string html = render_leaderboard_html(runs, board);
  EXPECT_NE(html.find("<th class=\"num\">bertscore_f1<small>generate</small></th>"), std::string::npos);
  EXPECT_NE(html.find("<h3>medqa</h3><div class=\"scroll\"><table class=\"sortable board\" id=\"board-medqa\">"),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"num\" data-v=\"61.25\" title=\"bertscore|x\"><span class=\"v\">61.25</span>"),
            std::string::npos);
}

}  // namespace
}  // namespace qb::reports

namespace qb::reports {
namespace {

// 5000 logged steps are drawn from 1001 points: every 5th, plus the last.
TEST(LeaderboardHtml, LongCurvesAreThinnedForTheChart) {
  auto j = nlohmann::json::parse(read_file(testing::source_dir() / "tests/reports/fixtures/run_demo/results.json"));
  nlohmann::json curve = nlohmann::json::array();
  for (int step = 1; step <= 5000; ++step) curve.push_back({{"step", step}, {"loss", 10.0 / step}});
  j["models"][1]["training"] = {{"stage", "dcpt"}, {"curve", curve}};
  j["models"][2].erase("training");
  j["models"][3].erase("training");
  std::vector<RunResults> runs(1);
  runs[0].label = "x";
  runs[0].results = results_from_json(j, "x.json");
  const std::string html = render_leaderboard_html(runs, build_leaderboard(runs));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(html, m, std::regex("<polyline class=\"line\" stroke=\"[^\"]*\" points=\"([^\"]*)\"")));
  EXPECT_EQ(count(m[1].str(), ","), 1001u);
  EXPECT_EQ(m[1].str().substr(0, 5), "54.0,");  // step 1 at the left edge
  EXPECT_EQ(m[1].str().substr(m[1].str().rfind(' ') + 1, 6), "318.0,");  // step 5000 at the right edge
  EXPECT_NE(html.find("<h3>dcpt</h3>"), std::string::npos);
}

}  // namespace
}  // namespace qb::reports

namespace qb::reports {
namespace {

// The smallest valid file: one model, nothing measured. Both renderers still produce a page
// that says so rather than failing or drawing empty charts.
TEST(LeaderboardHtml, MinimalResultsRender) {
  auto j = nlohmann::json::parse(
      R"({"schema_version": 1, "manifest": {}, "models": [{"name": "only", "stage": "base", "evaluations": []}]})");
  std::vector<RunResults> runs(1);
  runs[0].label = "minimal";
  runs[0].results = results_from_json(j, "m.json");
  Leaderboard board = build_leaderboard(runs);
  EXPECT_EQ(board.rows.size(), 6u);     // the paper's five rows and ours
  EXPECT_EQ(board.columns.size(), 3u);  // only the paper's columns
  const std::string html = render_leaderboard_html(runs, board);
  EXPECT_NE(html.find("No breakdowns in these results."), std::string::npos);
  EXPECT_NE(html.find("No training logs in these results."), std::string::npos);
  EXPECT_EQ(count(html, "<svg"), 0u);
  EXPECT_EQ(count(html, "<tr class=\"published\">"), 6u);
}

}  // namespace
}  // namespace qb::reports

namespace qb::reports {
namespace {

// DPO vs SFT is where the paper's BLEU-1/ROUGE-1 gains live (16.66 - 12.69, 27.44 - 24.21).
TEST(LeaderboardHtml, StageAgainstStageShowsThePapersPairedDifference) {
  auto j = nlohmann::json::parse(read_file(testing::source_dir() / "tests/reports/fixtures/run_demo/results.json"));
  EXPECT_NE(render_demo().find("<p class=\"note\">No such tests in these results.</p>"), std::string::npos);
  j["comparisons"].push_back({{"baseline", "sft"}, {"model", "dpo"}, {"suite", "huatuo26m"}, {"mode", "generate"},
                              {"metric", "bleu1"}, {"delta", 2.15}, {"ci_low", 1.1}, {"ci_high", 3.2},
                              {"p_value", 0.0004}, {"test", "paired-bootstrap"}, {"significant", true}});
  j["comparisons"].push_back({{"baseline", "sft"}, {"model", "sft+rag"}, {"suite", "cmexam"}, {"mode", "generate"},
                              {"metric", "acc"}, {"delta", 4}, {"p_value", 0.2}, {"test", "mcnemar-exact"},
                              {"significant", false}});
  std::vector<RunResults> runs(1);
  runs[0].label = "x";
  runs[0].results = results_from_json(j, "x.json");
  const std::string html = render_leaderboard_html(runs, build_leaderboard(runs));
  EXPECT_NE(html.find("<tr><td class=\"model\">dpo vs sft</td><td>Huatuo-26M</td><td>generate</td><td>BLEU-1</td>"
                      "<td class=\"num\"><span class=\"d good\" title=\"Δ vs sft: paired-bootstrap, p = 0.0004, "
                      "significant\">Δ +2.15 <span class=\"dci\">[1.1, 3.2]</span> <span class=\"mark\">***</span>"
                      "</span></td><td class=\"num\">+3.97</td></tr>"),
            std::string::npos);
  // The paper's RAG row names no checkpoint, so RAG vs SFT gets no paper difference.
  EXPECT_NE(html.find("<tr><td class=\"model\">sft+rag vs sft</td><td>CMExam</td><td>generate</td><td>Accuracy</td>"
                      "<td class=\"num\"><span class=\"d ns\" title=\"Δ vs sft: mcnemar-exact, p = 0.2, not "
                      "significant\">Δ +4.00</span></td><td class=\"num\"><span class=\"missing\">–</span></td></tr>"),
            std::string::npos);
}

}  // namespace
}  // namespace qb::reports
