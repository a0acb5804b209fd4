// The gate's CI-native writers (reports/gate_junit.h, gate_markdown.h, github_annotations.h):
// exact output for a small report with a regression, a drop within tolerance and a missing
// metric, and the escaping each format needs. (The JUnit file of a real gate run is validated
// against tests/reports/junit.xsd by ctest ci_job_examples.)
#include <gtest/gtest.h>

#include "reports/gate_junit.h"
#include "reports/gate_markdown.h"
#include "reports/gate_text.h"
#include "reports/github_annotations.h"

namespace qb::reports {
namespace {

GateReport small_report() {
  GateReport r;
  r.baseline_file = "base/results.json";
  r.current_file = "cur/results.json";
  GateRow a{"sft", "cmexam", "generate", "acc", 40.0};
  a.current = 30.0;
  a.change = -10.0;
  a.tolerance = 1.0;
  a.p_value = 0.0012;
  a.test = "mcnemar-exact";
  a.verdict = "REGRESSION";
  a.failed = true;
  a.baseline_interval = std::make_pair(35.1, 45.2);
  a.current_interval = std::make_pair(25.5, 35.0);
  a.signature = "acc|mode:generate";
  GateRow b{"dpo", "huatuo26m", "generate", "bleu1", 12.5};
  b.current = 12.0;
  b.change = -0.5;
  b.tolerance = 1.0;
  b.test = "none";
  b.verdict = "within tolerance";
  GateRow c{"m:1,2%", "cmexam", "loglik", "acc<&>", 20.0};
  c.tolerance = 2.0;
  c.test = "none";
  c.verdict = "MISSING";
  c.failed = true;
  r.rows = {a, b, c};
  r.failures = 2;
  return r;
}

const std::string kRegression =
    "sft cmexam/generate acc worsened by 10.000 points (tolerance 1.00): 40.000 [35.100, 45.200] \xE2\x86\x92 30.000 "
    "[25.500, 35.000]; mcnemar-exact p = 0.0012 < alpha 0.05: a real regression";

TEST(GateText, OneSentencePerVerdict) {
  GateReport r = small_report();
  EXPECT_EQ(gate_row_sentence(r.rows[0], 0.05), kRegression);
  EXPECT_EQ(gate_row_sentence(r.rows[1], 0.05),
            "dpo huatuo26m/generate bleu1 worsened by 0.500 points (tolerance 1.00): 12.500 \xE2\x86\x92 12.000; within tolerance");
  EXPECT_EQ(gate_row_sentence(r.rows[2], 0.05), "m:1,2% cmexam/loglik acc<&> is missing from the current run (baseline 20.000)");
  GateRow ns = r.rows[0];
  ns.p_value = 0.2;
  ns.verdict = "not significant";
  EXPECT_EQ(gate_row_sentence(ns, 0.05),
            "sft cmexam/generate acc worsened by 10.000 points (tolerance 1.00): 40.000 [35.100, 45.200] \xE2\x86\x92 "
            "30.000 [25.500, 35.000]; mcnemar-exact p = 0.2 >= alpha 0.05: not a significant drop");
  GateRow no_test = r.rows[0];
  no_test.p_value.reset();
  EXPECT_NE(gate_row_sentence(no_test, 0.05).find("; no paired test (no per-sample logs on both sides): a real regression"),
            std::string::npos);
  GateRow up = r.rows[1];
  up.change = -0.0;  // a lower-is-better metric that did not move
  up.current = 12.5;
  up.verdict = "ok";
  EXPECT_EQ(gate_row_sentence(up, 0.05), "dpo huatuo26m/generate bleu1 changed by +0.000: 12.500 \xE2\x86\x92 12.500; ok");
}

TEST(GateJUnit, TestsuitePerRowSuiteModeTestcasePerMetric) {
  const std::string properties =
      "    <properties>\n"
      "      <property name=\"baseline\" value=\"base/results.json\"/>\n"
      "      <property name=\"current\" value=\"cur/results.json\"/>\n"
      "      <property name=\"alpha\" value=\"0.05\"/>\n"
      "    </properties>\n";
  const std::string expected =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<testsuites name=\"qilin-bench gate\" tests=\"3\" failures=\"2\" errors=\"0\" skipped=\"0\" time=\"0\">\n"
      "  <testsuite name=\"sft / cmexam / generate\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0\">\n" +
      properties +
      "    <testcase name=\"acc\" classname=\"qilin-bench.gate.sft.cmexam.generate\" time=\"0\">\n"
      "      <failure type=\"REGRESSION\" message=\"sft cmexam/generate acc worsened by 10.000 points (tolerance 1.00): "
      "40.000 [35.100, 45.200] \xE2\x86\x92 30.000 [25.500, 35.000]; mcnemar-exact p = 0.0012 &lt; alpha 0.05: a real "
      "regression\">model:     sft\n"
      "suite:     cmexam (generate)\n"
      "metric:    acc\n"
      "baseline:  40.000 [35.100, 45.200]\n"
      "current:   30.000 [25.500, 35.000]\n"
      "change:    -10.000 (tolerance 1.00; &gt; 0 is better)\n"
      "test:      mcnemar-exact, p = 0.0012, alpha 0.05\n"
      "verdict:   REGRESSION\n"
      "signature: acc|mode:generate\n"
      "</failure>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "  <testsuite name=\"dpo / huatuo26m / generate\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0\">\n" +
      properties +
      "    <testcase name=\"bleu1\" classname=\"qilin-bench.gate.dpo.huatuo26m.generate\" time=\"0\">\n"
      "      <system-out>dpo huatuo26m/generate bleu1 worsened by 0.500 points (tolerance 1.00): 12.500 \xE2\x86\x92 "
      "12.000; within tolerance</system-out>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "  <testsuite name=\"m:1,2% / cmexam / loglik\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\" time=\"0\">\n" +
      properties +
      "    <testcase name=\"acc&lt;&amp;&gt;\" classname=\"qilin-bench.gate.m:1,2%.cmexam.loglik\" time=\"0\">\n"
      "      <failure type=\"MISSING\" message=\"m:1,2% cmexam/loglik acc&lt;&amp;&gt; is missing from the current run "
      "(baseline 20.000)\">model:     m:1,2%\n"
      "suite:     cmexam (loglik)\n"
      "metric:    acc&lt;&amp;&gt;\n"
      "baseline:  20.000\n"
      "current:   missing\n"
      "test:      none (no per-sample logs on both sides)\n"
      "verdict:   MISSING\n"
      "</failure>\n"
      "    </testcase>\n"
      "  </testsuite>\n"
      "</testsuites>\n";
  EXPECT_EQ(gate_junit_xml(small_report()), expected);
}

TEST(GateJUnit, EscapesMarkupAndWhatXmlCannotHold) {
  EXPECT_EQ(xml_escape("a&b<c>\"d'e", false), "a&amp;b&lt;c&gt;&quot;d&#39;e");
  EXPECT_EQ(xml_escape("x\ny\tz", false), "x\ny\tz");
  EXPECT_EQ(xml_escape("x\ny\tz\r", true), "x&#10;y&#9;z&#13;");  // kept through attribute normalisation
  EXPECT_EQ(xml_escape(std::string("a\x01" "b\x1b" "c\x7f"), false), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD" "c\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape("医学", true), "医学");
  GateReport empty;
  EXPECT_EQ(gate_junit_xml(empty),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"qilin-bench gate\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\" time=\"0\">\n"
            "</testsuites>\n");
}

TEST(GateMarkdown, VerdictRegressionsThenEveryMetric) {
  const std::string expected =
      "## :x: qilin-bench gate: 2 regression(s)\n\n"
      "3 metric(s) of `cur/results.json` compared with the baseline `base/results.json` (paired tests at alpha 0.05).\n\n"
      "### Regressions\n\n"
      "- **REGRESSION** sft cmexam/generate acc worsened by 10.000 points (tolerance 1.00): 40.000 [35.100, 45.200] "
      "\xE2\x86\x92 30.000 [25.500, 35.000]; mcnemar-exact p = 0.0012 &lt; alpha 0.05: a real regression\n"
      "- **MISSING** m:1,2% cmexam/loglik acc&lt;&amp;&gt; is missing from the current run (baseline 20.000)\n\n"
      "<details><summary>All 3 metrics</summary>\n\n"
      "| | model | suite | mode | metric | baseline | current | change | tolerance | p | test | verdict |\n"
      "|---|---|---|---|---|---:|---:|---:|---:|---:|---|---|\n"
      "| :x: | sft | cmexam | generate | acc | 40.000 [35.100, 45.200] | 30.000 [25.500, 35.000] | -10.000 | 1.00 | 0.0012 "
      "| mcnemar-exact | REGRESSION |\n"
      "| :warning: | dpo | huatuo26m | generate | bleu1 | 12.500 | 12.000 | -0.500 | 1.00 |  | none | within tolerance |\n"
      "| :x: | m:1,2% | cmexam | loglik | acc&lt;&amp;&gt; | 20.000 | missing |  | 2.00 |  | none | MISSING |\n"
      "\n</details>\n\n";
  EXPECT_EQ(gate_markdown(small_report()), expected);
  GateReport clean = small_report();
  clean.rows.erase(clean.rows.begin());
  clean.rows.pop_back();
  clean.failures = 0;
  const std::string md = gate_markdown(clean);
  EXPECT_EQ(md.rfind("## :white_check_mark: qilin-bench gate: no regression\n\n", 0), 0u);
  EXPECT_EQ(md.find("### Regressions"), std::string::npos);
  EXPECT_NE(md.find("<details open><summary>All 1 metrics</summary>"), std::string::npos);
  EXPECT_EQ(markdown_cell("a|b\\c\nd<e>&"), "a\\|b\\\\c d&lt;e&gt;&amp;");
}

TEST(GitHubAnnotations, OneEscapedErrorPerFailure) {
  EXPECT_EQ(github_escape_data("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext: a,b");
  EXPECT_EQ(github_escape_property("50% done\r\nnext: a,b"), "50%25 done%0D%0Anext%3A a%2Cb");
  GateReport r = small_report();
  EXPECT_EQ(github_error_annotations(r),
            "::error title=qilin-bench gate%3A REGRESSION sft cmexam/generate acc::" + kRegression + "\n"
            "::error title=qilin-bench gate%3A MISSING m%3A1%2C2%25 cmexam/loglik acc<&>::m:1,2%25 cmexam/loglik acc<&> "
            "is missing from the current run (baseline 20.000)\n");
  r.rows[0].model = "two\nlines";
  EXPECT_NE(github_error_annotations(r).find("::error title=qilin-bench gate%3A REGRESSION two%0Alines cmexam/generate acc::two%0Alines"),
            std::string::npos);
  r.rows[0].failed = r.rows[2].failed = false;
  EXPECT_EQ(github_error_annotations(r), "");
}

}  // namespace
}  // namespace qb::reports
