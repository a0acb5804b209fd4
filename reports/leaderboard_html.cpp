#include "reports/leaderboard_html.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "reports/html_escape.h"
#include "reports/leaderboard_html_assets.h"
#include "reports/metric_catalog.h"
#include "reports/published_reference.h"
#include "reports/svg_charts.h"

namespace qb::reports {
namespace {

using nlohmann::json;

std::string esc(const std::string& s) { return html_escape(s); }

std::string fixed2(double v) { return fmt::format("{:.2f}", v == 0 ? 0.0 : v); }
std::string fixed1(double v) { return fmt::format("{:.1f}", v == 0 ? 0.0 : v); }
std::string signed2(double v) { return v == 0 ? "±0.00" : fmt::format("{:+.2f}", v); }
// Exact value for data-v attributes (what the sort compares).
std::string exact(double v) { return fmt::format("{}", v); }

// "***" p < 0.001, "**" p < 0.01, "*" significant at the run's α; "" otherwise.
std::string significance_mark(const Cell& c) {
  if (!c.significant || !*c.significant) return "";
  if (c.p_value && *c.p_value < 0.001) return "***";
  if (c.p_value && *c.p_value < 0.01) return "**";
  return "*";
}

// good / bad / ns: the colour of a delta, given whether the metric rises or falls when it improves.
std::string delta_class(const Cell& c, const std::string& metric) {
  if (!c.delta) return "ns";
  bool tested_significant = c.significant && *c.significant;
  if (!tested_significant || *c.delta == 0) return "ns";
  bool better = lower_is_better(metric) ? *c.delta < 0 : *c.delta > 0;
  return better ? "good" : "bad";
}

std::string delta_title(const Cell& c, const std::string& base) {
  std::string t = "Δ vs " + base;
  if (c.test.empty()) return t + ": plain difference, no paired test recorded";
  t += ": " + c.test;
  if (c.p_value) t += fmt::format(", p = {:.3g}", *c.p_value);
  t += c.significant && *c.significant ? ", significant" : ", not significant";
  return t;
}

std::string delta_html(const Cell& c, const std::string& metric, const std::string& base, bool published) {
  if (!c.delta) return "";
  std::string body = "Δ " + signed2(*c.delta);
  if (c.delta_ci_low && c.delta_ci_high)
    body += " <span class=\"dci\">[" + fixed1(*c.delta_ci_low) + ", " + fixed1(*c.delta_ci_high) + "]</span>";
  std::string mark = significance_mark(c);
  if (!mark.empty()) body += " <span class=\"mark\">" + mark + "</span>";
  std::string title = published ? "the paper's difference to " + base : delta_title(c, base);
  if (c.test.empty() && !published) body += " <span class=\"mark\">≈</span>";
  return fmt::format("<span class=\"d {}\" title=\"{}\">{}</span>", published ? "ns" : delta_class(c, metric),
                     esc(title), body);
}

std::string value_cell(const Cell* c, const std::string& metric, const std::string& base, bool published) {
  if (!c || !c->value) return "<td class=\"num\" data-v=\"\"><span class=\"missing\">–</span></td>";
  std::string html = fmt::format("<td class=\"num\" data-v=\"{}\"", exact(*c->value));
  if (!c->signature.empty()) html += " title=\"" + esc(c->signature) + "\"";
  html += "><span class=\"v\">" + fixed2(*c->value) + "</span>";
  if (c->ci_low && c->ci_high) html += "<span class=\"ci\">" + fixed1(*c->ci_low) + "–" + fixed1(*c->ci_high) + "</span>";
  html += delta_html(*c, metric, base, published);
  return html + "</td>";
}

bool multiple_runs(const std::vector<RunResults>& runs) { return runs.size() > 1; }

std::string row_label(const LeaderboardRow& row, bool with_run) {
  return with_run ? row.model + " · " + row.run : row.model;
}

std::string model_cell(const LeaderboardRow& row) {
  std::string html = "<td class=\"model\" data-v=\"" + esc(row.model) + "\">" + esc(row.model);
  if (row.published) html += "<span class=\"badge pub\">published</span>";
  if (row.rag) html += "<span class=\"badge rag\">RAG</span>";
  return html + "</td>";
}

// ---------------------------------------------------------------- sections

void header(std::string& h, const std::vector<RunResults>& runs) {
  std::string names;
  for (const auto& r : runs) names += (names.empty() ? "" : ", ") + r.label;
  h += "<header><h1>qilin-bench leaderboard</h1><p class=\"sub\">";
  h += "Run" + std::string(runs.size() > 1 ? "s" : "") + ": <b>" + esc(names) + "</b>";
  const json& m = runs.front().results.manifest;
  if (m.contains("created")) h += " · finished " + esc(m["created"].get<std::string>());
  if (m.contains("git_commit")) h += " · commit <span class=\"mono\">" + esc(m["git_commit"].get<std::string>()) + "</span>";
  h += " · published reference: Qilin-Med (arXiv 2310.09089)</p>";
  h += "<nav><a href=\"#leaderboard\">Leaderboard</a><a href=\"#deltas\">Deltas vs base</a>"
       "<a href=\"#stage-gains\">Stage vs stage</a><a href=\"#breakdown\">Breakdowns</a><a href=\"#training\">Training curves</a>"
       "<a href=\"#tests\">Paired tests</a><a href=\"#counts\">Counts</a>"
       "<a href=\"#signatures\">Signatures</a><a href=\"#manifest\">Manifest</a></nav></header>";
}

void leaderboard_tables(std::string& h, const std::vector<RunResults>& runs, const Leaderboard& board) {
  h += "<section id=\"leaderboard\"><h2>Leaderboard</h2>";
  h += "<p class=\"note\">Shaded rows are the paper's published numbers; the others were measured in the run"
       " named under <i>Source</i>. Each cell: value (×100 where a percentage), its 95 % interval, and Δ against"
       " the row's base model with the 95 % interval of the paired difference. Marks: * significant (paired test),"
       " ** p &lt; 0.01, *** p &lt; 0.001; ≈ plain difference with no paired test recorded. Hover a value for its"
       " metric signature. Click a column header to sort. The paper gives one CMExam accuracy without naming a"
       " scoring mode; it is shown under <i>generate</i>.</p>";
  std::vector<std::string> suites;
  for (const auto& col : board.columns)
    if (std::find(suites.begin(), suites.end(), col.suite) == suites.end()) suites.push_back(col.suite);
  for (const auto& suite : suites) {
    std::vector<ColumnKey> cols;
    for (const auto& col : board.columns)
      if (col.suite == suite) cols.push_back(col);
    std::string id = "board-" + suite;
    h += "<h3>" + esc(suite_label(suite)) + "</h3><div class=\"scroll\"><table class=\"sortable board\" id=\"" +
         esc(id) + "\"><thead><tr><th data-type=\"text\">Model</th><th data-type=\"text\">Stage</th>"
                   "<th data-type=\"text\">Source</th>";
    for (const auto& col : cols)
      h += "<th class=\"num\">" + esc(metric_label(col.metric)) + "<small>" + esc(col.mode) + "</small></th>";
    h += "</tr></thead><tbody>";
    for (const auto& row : board.rows) {
      bool any = false;
      for (const auto& col : cols) any = any || board.cell(row, col) != nullptr;
      if (!any) continue;
      h += row.published ? "<tr class=\"published\">" : "<tr>";
      h += model_cell(row);
      h += "<td data-v=\"" + esc(row.stage) + "\">" + esc(row.stage) + "</td>";
      std::string source = row.published ? "paper" : row.run;
      h += "<td class=\"src\" data-v=\"" + esc(source) + "\">" + esc(source) + "</td>";
      for (const auto& col : cols) h += value_cell(board.cell(row, col), col.metric, row.base, row.published);
      h += "</tr>";
    }
    h += "</tbody></table></div>";
  }
  h += "</section>";
}

void deltas_section(std::string& h, const std::vector<RunResults>& runs, const Leaderboard& board) {
  const bool with_run = multiple_runs(runs);
  h += "<section id=\"deltas\"><h2>Deltas against the base model</h2>";
  h += "<p class=\"note\">Measured Δ = model − its base on the same items, with the 95 % interval of the paired"
       " difference (McNemar exact test for accuracy, paired bootstrap for BLEU/ROUGE). Filled points are"
       " significant. Hollow diamonds ◇ mark the paper's Baichuan-7B → Qilin-Med difference for the same stage"
       " (the paper reports one CMExam accuracy without a scoring mode, and no Baichuan-7B BLEU/ROUGE).</p>";

  // Table: measured deltas beside the paper's, for the headline metrics.
  const ColumnKey gen{"cmexam", "generate", "acc"}, ll{"cmexam", "loglik", "acc"};
  const ColumnKey b1 = published_bleu1_column(), r1 = published_rouge1_column();
  const PublishedRow& baichuan = published_rows().front();
  h += "<div class=\"scroll\"><table class=\"compact\" id=\"paper-vs-measured\"><thead><tr><th>Model</th>"
       "<th>Paper row</th><th class=\"num\">CMExam acc Δ<small>paper</small></th>"
       "<th class=\"num\">CMExam acc Δ<small>measured, generate</small></th>"
       "<th class=\"num\">CMExam acc Δ<small>measured, loglik</small></th>"
       "<th class=\"num\">BLEU-1<small>paper</small></th><th class=\"num\">BLEU-1<small>measured (Δ)</small></th>"
       "<th class=\"num\">ROUGE-1<small>paper</small></th><th class=\"num\">ROUGE-1<small>measured (Δ)</small></th>"
       "</tr></thead><tbody>";
  auto measured = [&](const LeaderboardRow& row, const ColumnKey& key, bool value_too) {
    const Cell* c = board.cell(row, key);
    if (!c || !c->value) return std::string("<td class=\"num\"><span class=\"missing\">–</span></td>");
    std::string s = "<td class=\"num\">";
    if (value_too) s += "<span class=\"v\">" + fixed2(*c->value) + "</span>";
    std::string d = delta_html(*c, key.metric, row.base, false);
    if (!value_too && d.empty()) d = "<span class=\"missing\">–</span>";
    return s + d + "</td>";
  };
  auto paper = [](std::optional<double> v, bool as_delta) {
    if (!v) return std::string("<td class=\"num\"><span class=\"missing\">–</span></td>");
    return "<td class=\"num\">" + (as_delta ? signed2(*v) : fixed2(*v)) + "</td>";
  };
  for (const auto& row : board.rows) {
    if (row.published || row.base.empty()) continue;
    const PublishedRow* p = published_row_for(row.stage, row.rag);
    std::optional<double> paper_acc_delta;
    if (p && p->cmexam_acc && baichuan.cmexam_acc) paper_acc_delta = tidy_difference(*p->cmexam_acc - *baichuan.cmexam_acc);
    h += "<tr><td class=\"model\">" + esc(row_label(row, with_run)) + "</td><td>" + (p ? esc(p->name) : "–") + "</td>";
    h += paper(paper_acc_delta, true) + measured(row, gen, false) + measured(row, ll, false);
    h += paper(p ? p->bleu1 : std::nullopt, false) + measured(row, b1, true);
    h += paper(p ? p->rouge1 : std::nullopt, false) + measured(row, r1, true) + "</tr>";
  }
  h += "</tbody></table></div>";

  // Forest plots: one per column with paired tests (plain differences stay in the tables).
  h += "<div class=\"grid-cards\" style=\"margin-top:14px\">";
  for (const auto& col : board.columns) {
    std::vector<ForestRow> rows;
    for (const auto& row : board.rows) {
      if (row.published) continue;
      const Cell* c = board.cell(row, col);
      if (!c || !c->delta || c->test.empty()) continue;
      ForestRow f;
      f.label = row_label(row, with_run);
      f.delta = c->delta;
      f.ci_low = c->delta_ci_low;
      f.ci_high = c->delta_ci_high;
      f.significant = c->significant && *c->significant;
      if (const PublishedRow* p = published_row_for(row.stage, row.rag)) {
        if (col.suite == "cmexam" && col.metric == "acc" && p->cmexam_acc && baichuan.cmexam_acc)
          f.published = tidy_difference(*p->cmexam_acc - *baichuan.cmexam_acc);
      }
      rows.push_back(f);
    }
    if (rows.empty()) continue;
    std::string title = "Δ " + suite_label(col.suite) + " " + metric_label(col.metric) + " (" + col.mode + ")";
    h += "<div class=\"card\">" + forest_plot_svg(rows, title, "difference to base (points)") + "</div>";
  }
  h += "</div></section>";
}

void breakdown_section(std::string& h, const std::vector<RunResults>& runs) {
  const bool with_run = multiple_runs(runs);
  h += "<section id=\"breakdown\"><h2>Breakdowns by annotation</h2>";
  h += "<p class=\"note\">Accuracy on the items of each annotation group (CMExam's Disease Group, Clinical"
       " Department, Medical Discipline, Area of Competency, Difficulty level). Small groups are noisy: read"
       " them with their n. Darker cells are higher within the table.</p>";
  // (suite, mode) -> annotation column -> list of (model label, groups)
  struct Entry {
    std::string label;
    const std::map<std::string, BreakdownGroup>* groups;
  };
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::vector<Entry>>> tables;
  for (const auto& run : runs)
    for (const auto& m : run.results.models)
      for (const auto& ev : m.evaluations)
        for (const auto& [column, groups] : ev.breakdown)
          tables[{ev.suite, ev.mode}][column].push_back({with_run ? m.name + " · " + run.label : m.name, &groups});
  if (tables.empty()) h += "<p class=\"note\">No breakdowns in these results.</p>";
  std::vector<std::pair<std::string, std::string>> order;
  for (const auto& entry : tables) order.push_back(entry.first);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(suite_rank(a.first), a.first, mode_rank(a.second), a.second) <
           std::make_tuple(suite_rank(b.first), b.first, mode_rank(b.second), b.second);
  });
  int table_id = 0;
  for (const auto& key : order) {
    h += "<h3>" + esc(suite_label(key.first)) + " · " + esc(key.second) + "</h3><div class=\"grid-cards\">";
    for (const auto& [column, entries] : tables[key]) {
      std::set<std::string> values;
      double lo = 1e300, hi = -1e300;
      std::string metric = "acc";
      for (const auto& e : entries)
        for (const auto& [value, g] : *e.groups) {
          values.insert(value);
          auto it = g.metrics.find(metric);
          if (it == g.metrics.end() && !g.metrics.empty()) it = g.metrics.begin();
          if (it != g.metrics.end()) lo = std::min(lo, it->second), hi = std::max(hi, it->second);
        }
      h += "<div class=\"card\"><h3>" + esc(column) + "</h3><table class=\"compact sortable\" id=\"bd-" +
           std::to_string(table_id++) + "\"><thead><tr><th data-type=\"text\">Group</th><th class=\"num\">n</th>";
      for (const auto& e : entries) h += "<th class=\"num\">" + esc(e.label) + "</th>";
      h += "</tr></thead><tbody>";
      for (const auto& value : values) {
        long n = -1;
        for (const auto& e : entries) {
          auto it = e.groups->find(value);
          if (it != e.groups->end()) {
            n = it->second.n;
            break;
          }
        }
        h += "<tr><td data-v=\"" + esc(value) + "\">" + esc(value) + "</td><td class=\"num\" data-v=\"" +
             std::to_string(n) + "\">" + std::to_string(n) + "</td>";
        for (const auto& e : entries) {
          auto it = e.groups->find(value);
          const double* v = nullptr;
          if (it != e.groups->end()) {
            auto m = it->second.metrics.find(metric);
            if (m == it->second.metrics.end() && !it->second.metrics.empty()) m = it->second.metrics.begin();
            if (m != it->second.metrics.end()) v = &m->second;
          }
          if (!v) {
            h += "<td class=\"heat\" data-v=\"\"><span class=\"missing\">–</span></td>";
            continue;
          }
          double t = hi > lo ? (*v - lo) / (hi - lo) : 0.5;
          h += fmt::format("<td class=\"heat\" data-v=\"{}\" style=\"background:rgba(0,114,178,{:.2f})\">{}</td>",
                           exact(*v), 0.06 + 0.44 * t, fixed1(*v));
        }
        h += "</tr>";
      }
      h += "</tbody></table></div>";
    }
    h += "</div>";
  }
  h += "</section>";
}

constexpr size_t kMaxChartPoints = 1000;

int series_rank(const std::string& name) {
  static const char* const known[] = {"loss",           "eval_loss",          "lr",
                                      "grad_norm",      "rewards/margins",    "rewards/accuracies",
                                      "rewards/chosen", "rewards/rejected"};
  for (size_t i = 0; i < sizeof known / sizeof *known; ++i)
    if (name == known[i]) return static_cast<int>(i);
  return 100;
}

std::string series_title(const std::string& name) {
  if (name == "loss") return "training loss";
  if (name == "eval_loss") return "evaluation loss";
  if (name == "lr") return "learning rate";
  if (name == "grad_norm") return "gradient norm (before clipping)";
  if (name == "rewards/margins") return "DPO reward margin (chosen − rejected)";
  if (name == "rewards/accuracies") return "DPO reward accuracy";
  return name;
}

std::string scalar_text(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void training_section(std::string& h, const std::vector<RunResults>& runs) {
  const bool with_run = multiple_runs(runs);
  h += "<section id=\"training\"><h2>Training curves</h2>";
  h += "<p class=\"note\">Per logged optimiser step, as written by each stage's trainer.</p>";
  bool any = false;
  for (const auto& run : runs)
    for (const auto& m : run.results.models) {
      if (!m.training) continue;
      any = true;
      const TrainingLog& t = *m.training;
      std::vector<std::string> names;
      for (const auto& p : t.curve)
        for (const auto& entry : p.values)
          if (std::find(names.begin(), names.end(), entry.first) == names.end()) names.push_back(entry.first);
      std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return std::make_pair(series_rank(a), a) < std::make_pair(series_rank(b), b);
      });
      std::string who = with_run ? m.name + " · " + run.label : m.name;
      h += "<h3>" + esc(who == t.stage ? t.stage : t.stage + " — " + who) + "</h3>";
      h += "<div class=\"grid-cards\">";
      for (const auto& name : names) {
        LineSeries s{name, {}};
        for (const auto& p : t.curve) {
          auto it = p.values.find(name);
          if (it != p.values.end()) s.points.emplace_back(static_cast<double>(p.step), it->second);
        }
        // A long run logs tens of thousands of steps; a 330 px chart shows at most a few hundred,
        // so keep every k-th point (and the last) to keep the page small.
        if (s.points.size() > kMaxChartPoints) {
          size_t stride = (s.points.size() + kMaxChartPoints - 1) / kMaxChartPoints;
          std::vector<std::pair<double, double>> kept;
          for (size_t i = 0; i < s.points.size(); i += stride) kept.push_back(s.points[i]);
          if (kept.back() != s.points.back()) kept.push_back(s.points.back());
          s.points = std::move(kept);
        }
        h += "<div class=\"card\">" + line_chart_svg({s}, {series_title(name), "step"}) + "</div>";
      }
      if (!t.summary.empty()) {
        h += "<div class=\"card\"><h3>summary</h3><dl class=\"summary\">";
        for (const auto& item : t.summary.items())
          h += "<dt>" + esc(item.key()) + "</dt><dd>" + esc(scalar_text(item.value())) + "</dd>";
        h += "</dl></div>";
      }
      h += "</div>";
    }
  if (!any) h += "<p class=\"note\">No training logs in these results.</p>";
  h += "</section>";
}

// The paper's value of a metric for a published row, where it reports one.
std::optional<double> published_value(const PublishedRow& p, const Comparison& c) {
  if (c.suite == "cmexam" && c.metric == "acc") return p.cmexam_acc;
  if (c.suite == "huatuo26m" && c.metric == "bleu1") return p.bleu1;
  if (c.suite == "huatuo26m" && c.metric == "rouge1") return p.rouge1;
  return std::nullopt;
}

// Paired tests between a model and something other than its base (each stage against the one
// before, RAG against the same checkpoint without retrieval), beside the paper's difference for
// the same pair of stages where it gives both numbers (e.g. DPO vs SFT on BLEU-1: +3.97).
void stage_gains_section(std::string& h, const std::vector<RunResults>& runs) {
  const bool with_run = multiple_runs(runs);
  std::string rows;
  for (const auto& run : runs)
    for (const auto& c : run.results.comparisons) {
      const ModelResult* model = run.results.find_model(c.model);
      const ModelResult* baseline = run.results.find_model(c.baseline);
      if (!model || !baseline || model->base == c.baseline) continue;  // vs-base tests are shown above
      std::optional<double> paper;
      const PublishedRow* pm = published_row_for(model->stage, model->rag);
      const PublishedRow* pb = published_row_for(baseline->stage, baseline->rag);
      // The paper does not say which checkpoint its RAG row retrieves for, so it pairs stages only.
      if (pm && pb && pm != pb && !pm->rag && !pb->rag) {
        auto vm = published_value(*pm, c), vb = published_value(*pb, c);
        if (vm && vb) paper = tidy_difference(*vm - *vb);
      }
      Cell cell;
      cell.delta = c.delta;
      cell.delta_ci_low = c.ci_low;
      cell.delta_ci_high = c.ci_high;
      cell.p_value = c.p_value;
      cell.test = c.test;
      cell.significant = c.significant;
      std::string pair = c.model + " vs " + c.baseline + (with_run ? " · " + run.label : "");
      rows += "<tr><td class=\"model\">" + esc(pair) + "</td><td>" + esc(suite_label(c.suite)) + "</td><td>" +
              esc(c.mode) + "</td><td>" + esc(metric_label(c.metric)) + "</td><td class=\"num\">" +
              delta_html(cell, c.metric, c.baseline, false) + "</td><td class=\"num\">" +
              (paper ? signed2(*paper) : std::string("<span class=\"missing\">–</span>")) + "</td></tr>";
    }
  h += "<section id=\"stage-gains\"><h2>Stage against stage</h2><p class=\"note\">Paired tests between a model"
       " and a model other than its base (each stage against the one before it, retrieval against the same"
       " checkpoint without it), beside the paper's difference between the same two rows where it reports"
       " both.</p>";
  if (rows.empty()) {
    h += "<p class=\"note\">No such tests in these results.</p></section>";
    return;
  }
  h += "<div class=\"scroll\"><table class=\"compact\" id=\"stage-gains-table\"><thead><tr>"
       "<th>Pair</th><th>Suite</th><th>Mode</th><th>Metric</th><th class=\"num\">Measured Δ</th>"
       "<th class=\"num\">Paper Δ</th></tr></thead><tbody>" +
       rows + "</tbody></table></div></section>";
}

void tests_section(std::string& h, const std::vector<RunResults>& runs) {
  const bool with_run = multiple_runs(runs);
  h += "<section id=\"tests\"><h2>Paired tests</h2><div class=\"scroll\"><table class=\"compact sortable\" "
       "id=\"paired-tests\"><thead><tr>";
  if (with_run) h += "<th data-type=\"text\">Run</th>";
  h += "<th data-type=\"text\">Baseline</th><th data-type=\"text\">Model</th><th data-type=\"text\">Suite</th>"
       "<th data-type=\"text\">Mode</th><th data-type=\"text\">Metric</th><th class=\"num\">n</th>"
       "<th class=\"num\">Δ</th><th class=\"num\">95 % interval</th><th class=\"num\">p</th>"
       "<th data-type=\"text\">Test</th><th data-type=\"text\">Significant</th></tr></thead><tbody>";
  for (const auto& run : runs)
    for (const auto& c : run.results.comparisons) {
      h += "<tr>";
      if (with_run) h += "<td data-v=\"" + esc(run.label) + "\">" + esc(run.label) + "</td>";
      for (const std::string* s : {&c.baseline, &c.model})
        h += "<td data-v=\"" + esc(*s) + "\">" + esc(*s) + "</td>";
      h += "<td data-v=\"" + esc(c.suite) + "\">" + esc(suite_label(c.suite)) + "</td>";
      h += "<td data-v=\"" + esc(c.mode) + "\">" + esc(c.mode) + "</td>";
      h += "<td data-v=\"" + esc(c.metric) + "\">" + esc(metric_label(c.metric)) + "</td>";
      h += c.n > 0 ? "<td class=\"num\" data-v=\"" + std::to_string(c.n) + "\">" + std::to_string(c.n) + "</td>"
                   : "<td class=\"num\" data-v=\"\">–</td>";
      h += "<td class=\"num\" data-v=\"" + exact(c.delta) + "\">" + signed2(c.delta) + "</td>";
      h += c.ci_low && c.ci_high ? "<td class=\"num\" data-v=\"" + exact(*c.ci_low) + "\">[" + fixed2(*c.ci_low) +
                                       ", " + fixed2(*c.ci_high) + "]</td>"
                                 : "<td class=\"num\" data-v=\"\">–</td>";
      h += c.p_value ? "<td class=\"num\" data-v=\"" + exact(*c.p_value) + "\">" + fmt::format("{:.3g}", *c.p_value) + "</td>"
                     : "<td class=\"num\" data-v=\"\">–</td>";
      h += "<td data-v=\"" + esc(c.test) + "\">" + esc(c.test) + "</td>";
      h += std::string("<td data-v=\"") + (c.significant ? "yes" : "no") + "\">" + (c.significant ? "yes" : "no") +
           "</td></tr>";
    }
  h += "</tbody></table></div></section>";
}

void counts_section(std::string& h, const std::vector<RunResults>& runs) {
  const bool with_run = multiple_runs(runs);
  // columns: (suite, mode, count name); "n" first within each evaluation.
  std::vector<std::tuple<int, std::string, int, std::string, std::string>> cols;
  for (const auto& run : runs)
    for (const auto& m : run.results.models)
      for (const auto& ev : m.evaluations) {
        auto add = [&](const std::string& name) {
          auto key = std::make_tuple(suite_rank(ev.suite), ev.suite, mode_rank(ev.mode), ev.mode, name);
          if (std::find(cols.begin(), cols.end(), key) == cols.end()) cols.push_back(key);
        };
        add(" n");
        for (const auto& entry : ev.counts) add(entry.first);
      }
  std::sort(cols.begin(), cols.end());
  h += "<section id=\"counts\"><h2>Counts</h2><p class=\"note\">Items scored (n) and the counts each evaluation"
       " reported: empty outputs score 0 and are never dropped; extraction failures are generated answers with"
       " no option letter in answer position.</p><div class=\"scroll\"><table class=\"compact sortable\" "
       "id=\"counts-table\"><thead><tr><th data-type=\"text\">Model</th>";
  for (const auto& c : cols)
    h += "<th class=\"num\">" + esc(std::get<4>(c) == " n" ? std::string("n") : std::get<4>(c)) + "<small>" +
         esc(suite_label(std::get<1>(c)) + " " + std::get<3>(c)) + "</small></th>";
  h += "</tr></thead><tbody>";
  for (const auto& run : runs)
    for (const auto& m : run.results.models) {
      std::string label = with_run ? m.name + " · " + run.label : m.name;
      h += "<tr><td class=\"model\" data-v=\"" + esc(label) + "\">" + esc(label) + "</td>";
      for (const auto& c : cols) {
        const Evaluation* ev = nullptr;
        for (const auto& e : m.evaluations)
          if (e.suite == std::get<1>(c) && e.mode == std::get<3>(c)) ev = &e;
        std::optional<long> v;
        if (ev && std::get<4>(c) == " n") v = ev->n;
        else if (ev && ev->counts.count(std::get<4>(c))) v = ev->counts.at(std::get<4>(c));
        h += v ? "<td class=\"num\" data-v=\"" + std::to_string(*v) + "\">" + std::to_string(*v) + "</td>"
               : "<td class=\"num\" data-v=\"\"><span class=\"missing\">–</span></td>";
      }
      h += "</tr>";
    }
  h += "</tbody></table></div></section>";
}

void signatures_section(std::string& h, const std::vector<RunResults>& runs) {
  const bool with_run = multiple_runs(runs);
  // (suite, mode, metric, signature) -> models
  std::map<std::tuple<int, std::string, int, std::string, int, std::string, std::string>, std::vector<std::string>> sigs;
  for (const auto& run : runs)
    for (const auto& m : run.results.models)
      for (const auto& ev : m.evaluations)
        for (const auto& [metric, mv] : ev.metrics)
          sigs[{suite_rank(ev.suite), ev.suite, mode_rank(ev.mode), ev.mode, metric_rank(metric), metric,
                mv.signature}]
              .push_back(with_run ? m.name + " · " + run.label : m.name);
  h += "<section id=\"signatures\"><h2>Metric signatures</h2><p class=\"note\">Each signature names everything"
       " that changes its number (tokenizer, aggregation, smoothing, prompt, extraction). Numbers with different"
       " signatures are not comparable.</p><div class=\"scroll\"><table class=\"compact\" id=\"signature-table\">"
       "<thead><tr><th>Suite</th><th>Mode</th><th>Metric</th><th>Signature</th><th>Models</th></tr></thead><tbody>";
  for (const auto& [key, models] : sigs) {
    std::string list;
    for (const auto& name : models) list += (list.empty() ? "" : ", ") + name;
    const std::string& sig = std::get<6>(key);
    h += "<tr><td>" + esc(suite_label(std::get<1>(key))) + "</td><td>" + esc(std::get<3>(key)) + "</td><td>" +
         esc(metric_label(std::get<5>(key))) + "</td><td class=\"sig\">" +
         (sig.empty() ? std::string("<span class=\"missing\">(none recorded)</span>")
                      : "<code>" + esc(sig) + "</code>") +
         "</td><td>" + esc(list) + "</td></tr>";
  }
  h += "</tbody></table></div></section>";
}

void flatten(const json& v, const std::string& path, std::vector<std::pair<std::string, std::string>>& out) {
  if (v.is_object()) {
    if (v.empty()) out.emplace_back(path, "{}");
    for (const auto& item : v.items()) flatten(item.value(), path.empty() ? item.key() : path + "." + item.key(), out);
  } else if (v.is_array()) {
    bool scalars = std::all_of(v.begin(), v.end(), [](const json& e) { return e.is_primitive(); });
    if (scalars) {
      std::string joined;
      for (const auto& e : v) joined += (joined.empty() ? "" : ", ") + scalar_text(e);
      out.emplace_back(path, "[" + joined + "]");
    } else {
      for (size_t i = 0; i < v.size(); ++i) flatten(v[i], path + "[" + std::to_string(i) + "]", out);
    }
  } else {
    out.emplace_back(path, scalar_text(v));
  }
}

// Input records a lenient run skipped (manifest "data": role -> skipped_records), so a reader of
// the report sees what the numbers were computed without. Nothing when no record was skipped.
void skipped_records_section(std::string& h, const std::vector<RunResults>& runs) {
  std::string rows;
  for (const auto& run : runs) {
    const json& m = run.results.manifest;
    if (!m.contains("data") || !m["data"].is_object()) continue;
    for (const auto& [role, d] : m["data"].items()) {
      if (!d.is_object() || !d.contains("skipped_records") || !d["skipped_records"].is_array()) continue;
      for (const auto& e : d["skipped_records"])
        rows += "<tr><td>" + esc(run.label) + "</td><td class=\"mono\">" + esc(role) + "</td><td class=\"mono\">" +
                esc(e.is_string() ? e.get<std::string>() : e.dump()) + "</td></tr>";
    }
  }
  if (rows.empty()) return;
  h += "<section id=\"skipped\"><h2>Skipped input records</h2><p class=\"note\">The run read its data leniently "
       "(<span class=\"mono\">data.lenient</span>): these records were skipped, and every number above was "
       "computed without them.</p><div class=\"scroll\"><table class=\"compact\"><thead><tr><th>Run</th>"
       "<th>Data</th><th>File, line and reason</th></tr></thead><tbody>" + rows + "</tbody></table></div></section>";
}

void manifest_section(std::string& h, const std::vector<RunResults>& runs) {
  h += "<section id=\"manifest\"><h2>Run manifest</h2>";
  for (const auto& run : runs) {
    std::vector<std::pair<std::string, std::string>> rows;
    flatten(run.results.manifest, "", rows);
    h += "<h3>" + esc(run.label) + "</h3><p class=\"note\">from <span class=\"mono\">" +
         esc((run.dir / "results.json").string()) + "</span>, schema version " +
         std::to_string(run.results.schema_version) + "</p><div class=\"scroll\"><table class=\"compact\">"
         "<thead><tr><th>Key</th><th>Value</th></tr></thead><tbody>";
    for (const auto& [k, v] : rows)
      h += "<tr><td class=\"mono\">" + esc(k) + "</td><td class=\"mono\">" + esc(v) + "</td></tr>";
    h += "</tbody></table></div>";
  }
  h += "</section>";
}

}  // namespace

std::string render_leaderboard_html(const std::vector<RunResults>& runs, const Leaderboard& board) {
  std::string h;
  h.reserve(1 << 18);
  h += "<!DOCTYPE html>\n<html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
       "<meta name=\"generator\" content=\"qilin-bench report\">";
  h += "<title>qilin-bench leaderboard — " + esc(runs.empty() ? std::string() : runs.front().label) + "</title>";
  // Recorded before anything else runs, so a failing script is visible in the page (and to tests).
  h += "<script>window.__qbErrors=[];window.addEventListener(\"error\",function(e){"
       "window.__qbErrors.push(String(e.message)+\" (line \"+e.lineno+\")\");});</script>";
  h += "<style>";
  h += leaderboard_css();
  h += "</style></head><body>";
  header(h, runs);
  h += "<main>";
  leaderboard_tables(h, runs, board);
  deltas_section(h, runs, board);
  stage_gains_section(h, runs);
  breakdown_section(h, runs);
  training_section(h, runs);
  tests_section(h, runs);
  counts_section(h, runs);
  skipped_records_section(h, runs);
  signatures_section(h, runs);
  manifest_section(h, runs);
  h += "<pre id=\"script-errors\"></pre></main>";
  h += "<footer>Rendered by <span class=\"mono\">qilin-bench report</span> from results.json alone."
       " Self-contained: no network access, no external fonts or scripts. Published numbers: Liu et al.,"
       " “Qilin-Med: Multi-stage Knowledge Injection Advanced Medical Large Language Model”, arXiv 2310.09089."
       "</footer>";
  h += "<script>";
  h += leaderboard_js();
  h += "</script><script>document.getElementById(\"script-errors\").textContent=window.__qbErrors.join(\"\\n\");"
       "document.body.setAttribute(\"data-ready\",\"1\");</script></body></html>\n";
  return h;
}

}  // namespace qb::reports
