// The stage graph base -> dcpt -> sft -> dpo, every checkpoint evaluated on every suite, RAG
// variants, paired comparisons, results.json and the leaderboards (SPEC §6).
//
// Every step is a node of the content-addressed cache (node_cache.h) under RUN_DIR/cache/:
// a second run finds every node finished and does no work; a run killed at any moment resumes
// (training from its last checkpoint, evaluation from its last finished chunk).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "harness/pipeline_config.h"

namespace qb {

struct PipelineOutcome {
  std::filesystem::path run_dir;
  std::filesystem::path results;  // RUN_DIR/results.json (target "all" only)
  int nodes_run = 0;              // nodes that did work in this invocation
  int nodes_cached = 0;           // nodes found finished
};

struct PipelineOptions {
  bool quiet = false;  // no progress output on stderr
  int threads = 1;     // threads for scoring (bootstrap intervals); tensor threads are set by the caller
};

// target: "all", "data", "base", "dcpt", "sft" or "dpo" (a stage and what it needs).
PipelineOutcome run_pipeline(const PipelineConfig& config, const std::string& target,
                             const PipelineOptions& options = {});

}  // namespace qb
