// The leaderboard as a table model, shared by the CSV and HTML renderers: published rows of the
// paper first, then one row per model of each run, and one column per (suite, mode, metric)
// found in any run. Each cell carries the value, its interval and the delta against the row's
// base (from the paired test in results.json when there is one).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "reports/results.h"

namespace qb::reports {

// One run's results with the label reports show for it.
struct RunResults {
  std::string label;
  std::filesystem::path dir;
  Results results;
};

// Loads DIR/results.json; the label is manifest.run_name, else the folder's name.
RunResults load_run(const std::filesystem::path& dir);

// Makes labels unique by appending " (2)", " (3)" … to repeats, in order.
void make_labels_unique(std::vector<RunResults>& runs);

struct ColumnKey {
  std::string suite, mode, metric;
  std::string id() const { return suite + "/" + mode + "/" + metric; }
  bool operator<(const ColumnKey& o) const;  // display order (metric_catalog.h)
  bool operator==(const ColumnKey& o) const {
    return suite == o.suite && mode == o.mode && metric == o.metric;
  }
};

struct Cell {
  std::optional<double> value, ci_low, ci_high;
  std::string signature;
  // Against the row's base. `test` is empty when no paired test was recorded and the delta
  // is the plain difference of the two values.
  std::optional<double> delta, delta_ci_low, delta_ci_high, p_value;
  std::string test;
  std::optional<bool> significant;
};

struct LeaderboardRow {
  bool published = false;
  std::string run;  // run label, or kPublishedSource
  std::string model, stage, base;
  bool rag = false;
  std::map<ColumnKey, Cell> cells;
  const ModelResult* model_result = nullptr;  // measured rows only
  size_t run_index = 0;                        // measured rows only
};

struct Leaderboard {
  std::vector<ColumnKey> columns;  // sorted
  std::vector<LeaderboardRow> rows;

  const Cell* cell(const LeaderboardRow& row, const ColumnKey& key) const;
};

// Where the paper's single CMExam accuracy and its BLEU-1/ROUGE-1 are placed.
ColumnKey published_cmexam_acc_column();
ColumnKey published_bleu1_column();
ColumnKey published_rouge1_column();

Leaderboard build_leaderboard(const std::vector<RunResults>& runs);

// Rounds away binary noise from computed differences (12.55 - 6.81 prints as 5.74).
double tidy_difference(double d);

}  // namespace qb::reports
