#include "reports/leaderboard.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <tuple>

#include "reports/metric_catalog.h"
#include "reports/published_reference.h"

namespace qb::reports {

bool ColumnKey::operator<(const ColumnKey& o) const {
  return std::make_tuple(suite_rank(suite), suite, mode_rank(mode), mode, metric_rank(metric), metric) <
         std::make_tuple(suite_rank(o.suite), o.suite, mode_rank(o.mode), o.mode, metric_rank(o.metric), o.metric);
}

ColumnKey published_cmexam_acc_column() { return {"cmexam", "generate", "acc"}; }
ColumnKey published_bleu1_column() { return {"huatuo26m", "generate", "bleu1"}; }
ColumnKey published_rouge1_column() { return {"huatuo26m", "generate", "rouge1"}; }

double tidy_difference(double d) { return std::round(d * 1e9) / 1e9; }

RunResults load_run(const std::filesystem::path& dir) {
  RunResults run;
  run.dir = dir;
  run.results = load_results(dir / "results.json");
  const auto& m = run.results.manifest;
  if (m.contains("run_name") && !m["run_name"].get<std::string>().empty()) {
    run.label = m["run_name"].get<std::string>();
  } else {
    std::filesystem::path p = std::filesystem::weakly_canonical(std::filesystem::absolute(dir));
    run.label = p.filename().empty() ? p.parent_path().filename().string() : p.filename().string();
  }
  return run;
}

void make_labels_unique(std::vector<RunResults>& runs) {
  std::map<std::string, int> seen;
  for (auto& run : runs) {
    int count = ++seen[run.label];
    if (count > 1) run.label += " (" + std::to_string(count) + ")";
  }
}

const Cell* Leaderboard::cell(const LeaderboardRow& row, const ColumnKey& key) const {
  auto it = row.cells.find(key);
  return it == row.cells.end() ? nullptr : &it->second;
}

namespace {

const Evaluation* find_evaluation(const ModelResult& m, const std::string& suite, const std::string& mode) {
  for (const auto& ev : m.evaluations)
    if (ev.suite == suite && ev.mode == mode) return &ev;
  return nullptr;
}

const Comparison* find_comparison(const Results& r, const std::string& baseline, const std::string& model,
                                  const ColumnKey& key) {
  for (const auto& c : r.comparisons)
    if (c.baseline == baseline && c.model == model && c.suite == key.suite && c.mode == key.mode &&
        c.metric == key.metric)
      return &c;
  return nullptr;
}

void add_published_rows(Leaderboard& board) {
  const PublishedRow& reference = published_rows().front();  // Baichuan-7B
  auto put = [](LeaderboardRow& row, const ColumnKey& key, std::optional<double> v, std::optional<double> base) {
    if (!v) return;
    Cell& c = row.cells[key];
    c.value = v;
    if (base && row.stage != "base") c.delta = tidy_difference(*v - *base);
  };
  for (const auto& p : published_rows()) {
    LeaderboardRow row;
    row.published = true;
    row.run = kPublishedSource;
    row.model = p.name;
    row.stage = p.rag ? "rag" : p.stage;
    row.rag = p.rag;
    if (&p != &reference) row.base = reference.name;
    put(row, published_cmexam_acc_column(), p.cmexam_acc, reference.cmexam_acc);
    put(row, published_bleu1_column(), p.bleu1, reference.bleu1);
    put(row, published_rouge1_column(), p.rouge1, reference.rouge1);
    board.rows.push_back(std::move(row));
  }
}

}  // namespace

Leaderboard build_leaderboard(const std::vector<RunResults>& runs) {
  Leaderboard board;
  add_published_rows(board);
  for (size_t ri = 0; ri < runs.size(); ++ri) {
    const Results& r = runs[ri].results;
    for (const auto& m : r.models) {
      LeaderboardRow row;
      row.run = runs[ri].label;
      row.model = m.name;
      row.stage = m.stage;
      row.base = m.base;
      row.rag = m.rag;
      row.model_result = &m;
      row.run_index = ri;
      const ModelResult* base = m.base.empty() ? nullptr : r.find_model(m.base);
      for (const auto& ev : m.evaluations)
        for (const auto& [metric, mv] : ev.metrics) {
          ColumnKey key{ev.suite, ev.mode, metric};
          Cell& c = row.cells[key];
          c.value = mv.value;
          c.ci_low = mv.ci_low;
          c.ci_high = mv.ci_high;
          c.signature = mv.signature;
          if (!base) continue;
          if (const Comparison* cmp = find_comparison(r, m.base, m.name, key)) {
            c.delta = cmp->delta;
            c.delta_ci_low = cmp->ci_low;
            c.delta_ci_high = cmp->ci_high;
            c.p_value = cmp->p_value;
            c.test = cmp->test;
            c.significant = cmp->significant;
          } else if (const Evaluation* bev = find_evaluation(*base, ev.suite, ev.mode)) {
            auto it = bev->metrics.find(metric);
            if (it != bev->metrics.end()) c.delta = tidy_difference(mv.value - it->second.value);
          }
        }
      board.rows.push_back(std::move(row));
    }
  }
  std::set<ColumnKey> columns;
  for (const auto& row : board.rows)
    for (const auto& entry : row.cells) columns.insert(entry.first);
  board.columns.assign(columns.begin(), columns.end());
  return board;
}

}  // namespace qb::reports
