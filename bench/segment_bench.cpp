// Segmentation throughput (MB/s of UTF-8 input) on the 12,000 Huatuo-26M test question and
// answer texts, split into lines as `qilin-bench segment` reads them, single thread; and the
// jieba dictionary + HMM load time every CLI call pays. scripts/bench_segment.sh runs this
// beside Python jieba and cppjieba (docs/BENCHMARKS.md, "Segmentation").
// The text: $QILIN_BENCH_TEXT (one line per text) if set, else ../shared/data beside the repository.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "metrics/jieba_segmenter.h"
#include "metrics/segmenter.h"

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    pos = eol + 1;
  }
  return lines;
}

const std::vector<std::string>& corpus() {
  static const std::vector<std::string> lines = [] {
    std::vector<std::string> out;
    if (const char* path = std::getenv("QILIN_BENCH_TEXT"); path && *path) {
      std::ifstream in(path);
      std::string line;
      while (std::getline(in, line)) out.push_back(line);
      return out;
    }
    // ../shared beside the repository: look upwards from the binary (build-*/bench/...).
    const auto rel = std::filesystem::path("..") / "shared" / "data" / "huatuo26m" / "huatuo26M_test_6000.json";
    std::filesystem::path json_path;
    std::error_code ec;
    for (auto dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path(); !dir.empty();
         dir = dir.parent_path()) {
      if (std::filesystem::exists(dir / rel)) {
        json_path = dir / rel;
        break;
      }
      if (dir == dir.root_path()) break;
    }
    std::ifstream in(json_path);
    if (!in) return out;
    const auto items = nlohmann::json::parse(in);
    for (const auto& item : items)
      for (const char* field : {"instruction", "output"})
        for (auto& l : split_lines(item.at(field).at(0).get<std::string>())) out.push_back(std::move(l));
    return out;
  }();
  return lines;
}

int64_t corpus_bytes() {
  int64_t n = 0;
  for (const auto& l : corpus()) n += static_cast<int64_t>(l.size());
  return n;
}

bool have_inputs(benchmark::State& state) {
  if (corpus().empty()) {
    state.SkipWithError("no text: ../shared/data/huatuo26m is absent and QILIN_BENCH_TEXT is unset");
    return false;
  }
  if (!std::filesystem::exists(qb::kJiebaDefaultDict)) {
    state.SkipWithError("Debian python3-jieba is not installed");
    return false;
  }
  return true;
}

const qb::Segmenter& segmenter(const std::string& kind, bool hmm) {
  static std::unique_ptr<qb::Segmenter> cache[3][2];
  const int k = kind == "char" ? 0 : kind == "jieba" ? 1 : 2;
  auto& slot = cache[k][hmm ? 1 : 0];
  if (!slot) {
    qb::SegmenterOptions o;
    o.kind = kind;
    o.hmm = hmm;
    slot = qb::make_segmenter(o);
  }
  return *slot;
}

// segment(): tokens as std::string, what cppjieba's Cut(string, vector<string>&) returns too.
void run_segment(benchmark::State& state, const std::string& kind, bool hmm) {
  if (!have_inputs(state)) return;
  const qb::Segmenter& seg = segmenter(kind, hmm);
  size_t tokens = 0;
  for (auto _ : state) {
    tokens = 0;
    for (const auto& line : corpus()) {
      auto t = seg.segment(line);
      tokens += t.size();
      benchmark::DoNotOptimize(t.data());
    }
  }
  state.SetBytesProcessed(state.iterations() * corpus_bytes());
  state.counters["tokens"] = static_cast<double>(tokens);
  state.counters["lines"] = static_cast<double>(corpus().size());
}

void BM_JiebaHmm(benchmark::State& s) { run_segment(s, "jieba", true); }
void BM_JiebaNoHmm(benchmark::State& s) { run_segment(s, "jieba", false); }
void BM_Char(benchmark::State& s) { run_segment(s, "char", true); }
void BM_Icu(benchmark::State& s) { run_segment(s, "icu", true); }

// The allocation-free core (token byte spans), as the CLI uses it.
void BM_JiebaHmmSpans(benchmark::State& state) {
  if (!have_inputs(state)) return;
  const auto& seg = dynamic_cast<const qb::JiebaSegmenter&>(segmenter("jieba", true));
  std::vector<qb::TokenSpan> spans;
  for (auto _ : state) {
    for (const auto& line : corpus()) {
      spans.clear();
      seg.cut(line, spans);
      benchmark::DoNotOptimize(spans.data());
    }
  }
  state.SetBytesProcessed(state.iterations() * corpus_bytes());
}

void BM_JiebaLoad(benchmark::State& state) {
  if (!have_inputs(state)) return;
  qb::SegmenterOptions o;
  o.hmm = state.range(0) != 0;
  for (auto _ : state) {
    qb::JiebaSegmenter seg(o);
    benchmark::DoNotOptimize(&seg);
  }
}

}  // namespace

BENCHMARK(BM_JiebaHmm)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_JiebaNoHmm)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_JiebaHmmSpans)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_Char)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_Icu)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_JiebaLoad)->Arg(1)->Arg(0)->ArgName("hmm")->Unit(benchmark::kMillisecond)->MinTime(2.0);

BENCHMARK_MAIN();
