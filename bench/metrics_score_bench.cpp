// Scoring throughput on Huatuo-style (prediction, reference) pairs: the whole per-item pass
// (whitespace strip, segmentation, n-gram overlap, ROUGE, LCS) with jieba and char words,
// the per-item statistics alone, the jieba load every CLI call pays (text vs binary cache),
// the bootstrap on 1 and 2 threads, the record parser (fast path vs nlohmann), and the LCS.
// Input: $QILIN_BENCH_PREDICTIONS, a JSONL of {prediction, reference} (scripts/bench_score.sh
// writes the 6,000 Huatuo-26M test pairs with the parity test's deterministic predictions).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include <unistd.h>

#include "suites/flat_json_record.h"
#include "metrics/huatuo_scorer.h"
#include "metrics/lcs.h"
#include "metrics/text_prep.h"

namespace {
using qb::HuatuoScoreOptions;

using qb::HuatuoScoreOptions;

const std::vector<std::pair<std::string, std::string>>& pairs() {
  static const auto data = [] {
    std::vector<std::pair<std::string, std::string>> out;
    const char* path = std::getenv("QILIN_BENCH_PREDICTIONS");
    if (!path || !*path) return out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
      const auto j = nlohmann::json::parse(line);
      out.emplace_back(j["prediction"].get<std::string>(), j["reference"].get<std::string>());
    }
    return out;
  }();
  return data;
}

bool have_pairs(benchmark::State& state) {
  if (!pairs().empty()) return true;
  state.SkipWithError("set QILIN_BENCH_PREDICTIONS to a JSONL of {prediction, reference} (scripts/bench_score.sh)");
  return false;
}

int64_t bytes() {
  int64_t b = 0;
  for (const auto& p : pairs()) b += static_cast<int64_t>(p.first.size() + p.second.size());
  return b;
}

void score_all(benchmark::State& state, const char* kind, int threads) {
  if (!have_pairs(state)) return;
  HuatuoScoreOptions o;
  o.metric.segmenter.kind = kind;
  o.bootstrap = 0;
  std::shared_ptr<const qb::Segmenter> seg = qb::make_segmenter(o.metric.segmenter);
  std::vector<qb::HuatuoScorer::Pair> batch;
  for (const auto& p : pairs()) batch.push_back({std::to_string(batch.size()), p.first, p.second});
  for (auto _ : state) {
    qb::HuatuoScorer scorer(o, seg);
    for (size_t i = 0; i < batch.size(); i += 1024)
      scorer.add_batch(std::vector<qb::HuatuoScorer::Pair>(batch.begin() + static_cast<long>(i),
                                                           batch.begin() + static_cast<long>(std::min(i + 1024, batch.size()))),
                       threads);
    benchmark::DoNotOptimize(scorer.result());
  }
  state.SetBytesProcessed(state.iterations() * bytes());
  state.counters["pairs"] = static_cast<double>(pairs().size());
}



void BM_ScoreHuatuoJieba(benchmark::State& state) { score_all(state, "jieba", static_cast<int>(state.range(0))); }
BENCHMARK(BM_ScoreHuatuoJieba)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_ScoreHuatuoChar(benchmark::State& state) { score_all(state, "char", 1); }
BENCHMARK(BM_ScoreHuatuoChar)->Unit(benchmark::kMillisecond);

// Dictionary + HMM tables as every CLI call loads them: parsed from the text files
// (QILIN_CACHE_DIR=off) or mapped from the binary caches (a fresh cache directory, warmed).
void BM_JiebaLoad(benchmark::State& state) {
  const bool cached = state.range(0) == 1;
  char dir[] = "/tmp/qilin-bench-cache-XXXXXX";
  if (cached && mkdtemp(dir) == nullptr) return state.SkipWithError("mkdtemp failed");
  setenv("QILIN_CACHE_DIR", cached ? dir : "off", 1);
  qb::SegmenterOptions o;
  if (cached) qb::make_segmenter(o);  // builds the caches
  for (auto _ : state) benchmark::DoNotOptimize(qb::make_segmenter(o));
  unsetenv("QILIN_CACHE_DIR");
  if (cached) std::system((std::string("rm -rf ") + dir).c_str());
  state.SetLabel(cached ? "binary cache" : "text files");
}
BENCHMARK(BM_JiebaLoad)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

// The per-item statistics alone (strip, jieba words, n-gram matches, ROUGE, LCS), one thread,
// no record parsing, no corpus structures.
void BM_ItemStatsJieba(benchmark::State& state) {
  if (!have_pairs(state)) return;
  qb::HuatuoMetricOptions m;
  qb::HuatuoItemScorer scorer(m);
  qb::PredictionWords words;
  for (auto _ : state)
    for (const auto& p : pairs()) benchmark::DoNotOptimize(scorer.score(p.first, p.second, &words));
  state.SetBytesProcessed(state.iterations() * bytes());
}
BENCHMARK(BM_ItemStatsJieba)->Unit(benchmark::kMillisecond);

// One predictions record per line, as `score` reads them: the flat fast path vs nlohmann.
const std::vector<std::string>& record_lines() {
  static const auto lines = [] {
    std::vector<std::string> out;
    for (size_t i = 0; i < pairs().size(); ++i)
      out.push_back(nlohmann::json{{"id", std::to_string(i)}, {"prediction", pairs()[i].first},
                                   {"reference", pairs()[i].second}}
                        .dump());
    return out;
  }();
  return lines;
}

void BM_ParseRecords(benchmark::State& state) {
  if (!have_pairs(state)) return;
  const bool fast = state.range(0) == 1;
  std::vector<qb::FlatJsonField> fields;
  int64_t b = 0;
  for (const auto& l : record_lines()) b += static_cast<int64_t>(l.size());
  for (auto _ : state)
    for (const auto& l : record_lines()) {
      if (fast)
        benchmark::DoNotOptimize(qb::parse_flat_json_object(l, fields));
      else
        benchmark::DoNotOptimize(nlohmann::json::parse(l));
    }
  state.SetBytesProcessed(state.iterations() * b);
  state.SetLabel(fast ? "flat fast path" : "nlohmann::json::parse");
}
BENCHMARK(BM_ParseRecords)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond);

// The 1000-resample bootstrap over already-scored items (what --bootstrap adds).
void BM_Bootstrap1000(benchmark::State& state) {
  if (!have_pairs(state)) return;
  HuatuoScoreOptions o;
  o.metric.segmenter.kind = "char";
  o.bootstrap = 1000;
  o.threads = static_cast<int>(state.range(0));
  qb::HuatuoScorer scorer(o);
  for (size_t i = 0; i < pairs().size(); ++i) scorer.add(std::to_string(i), pairs()[i].first, pairs()[i].second);
  for (auto _ : state) benchmark::DoNotOptimize(scorer.result());
}
BENCHMARK(BM_Bootstrap1000)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_LcsAllPairs(benchmark::State& state) {
  if (!have_pairs(state)) return;
  std::vector<std::pair<std::vector<char32_t>, std::vector<char32_t>>> cps;
  for (const auto& p : pairs()) cps.emplace_back(qb::code_points(p.first), qb::code_points(p.second));
  for (auto _ : state)
    for (const auto& p : cps) benchmark::DoNotOptimize(qb::lcs_length(p.first, p.second));
}
BENCHMARK(BM_LcsAllPairs)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
