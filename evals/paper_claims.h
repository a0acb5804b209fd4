// The Qilin-Med paper's claims (SPEC §2) checked against a run's paired comparisons: the table
// `run all` ends with, and the guard CI runs on the default demo (`gate --claims`): a claim
// listed as required must show as a significant gain, or the gate fails.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "reports/results.h"

namespace qb {

// One row of the claims table: a claim measured in one mode on one metric.
struct StageGain {
  std::string claim;        // e.g. "DCPT raises CMExam accuracy over base"
  std::string baseline, model, suite, mode, metric;
  bool measured = false;    // both rows and the comparison exist
  double delta = 0;
  double p_value = 1;
  bool significant = false;
  std::string verdict;      // "gain (significant)", "gain (not significant)", "no gain", "not measured"

  bool holds() const { return measured && delta > 0 && significant; }  // "gain (significant)"
  bool is(const std::string& c, const std::string& mo, const std::string& me) const {
    return claim == c && mode == mo && metric == me;
  }
};

// Every claim row, in the order `run all` prints them, with the comparison behind each.
std::vector<StageGain> stage_gains(const reports::Results& r);

// A row that must hold: named by the claim's text, mode and metric as stage_gains names them.
struct RequiredClaim {
  std::string claim, mode, metric;
};

// {"required": [{"claim": "...", "mode": "loglik", "metric": "acc"}, ...]}. Throws InputError
// naming the file and entry for a claim, mode or metric that stage_gains has no row for.
std::vector<RequiredClaim> load_required_claims(const std::filesystem::path& file);

// The rows of stage_gains(r) that `required` names, in its order (see StageGain::holds).
std::vector<StageGain> check_claims(const reports::Results& r, const std::vector<RequiredClaim>& required);

}  // namespace qb
