// Reader throughput on the real data files (../shared/data): the RFC 4180 CSV parser
// alone, the full CMExam reader (options/answers parsed and validated), the Huatuo JSON
// list reader and the SFT JSONL reader. bench/readers_peer.py times Python's csv/json
// modules on the same files for the side-by-side ratio in docs/BENCHMARKS.md.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>

#include "suites/cmexam_reader.h"
#include "suites/csv_reader.h"
#include "suites/huatuo_reader.h"
#include "suites/sft_reader.h"

namespace {

// $QILIN_SHARED_DATA, else ../shared/data beside the repository, found by walking up
// from the binary (build-*/bench/...).
std::filesystem::path shared(const std::string& rel) {
  if (const char* env = std::getenv("QILIN_SHARED_DATA"); env && *env) return std::filesystem::path(env) / rel;
  std::error_code ec;
  for (auto dir = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path(); !dir.empty();
       dir = dir.parent_path()) {
    auto p = dir / ".." / "shared" / "data" / rel;
    if (std::filesystem::exists(p)) return p.lexically_normal();
    if (dir == dir.root_path()) break;
  }
  return "../shared/data/" + rel;
}

bool present(benchmark::State& state, const std::filesystem::path& p) {
  if (std::filesystem::exists(p)) return true;
  state.SkipWithError(("absent: " + p.string()).c_str());
  return false;
}

void BM_CsvParseCMExamVal(benchmark::State& state) {
  auto p = shared("cmexam/cmexam_val_6811.csv");
  if (!present(state, p)) return;
  long records = 0;
  for (auto _ : state) {
    std::ifstream in(p, std::ios::binary);
    qb::CsvReader r(in, p.string());
    qb::CsvRecord rec;
    while (r.next(rec)) ++records;
    benchmark::DoNotOptimize(records);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::filesystem::file_size(p)));
}
BENCHMARK(BM_CsvParseCMExamVal)->Unit(benchmark::kMillisecond);

void BM_ReadCMExamVal(benchmark::State& state) {
  auto p = shared("cmexam/cmexam_val_6811.csv");
  if (!present(state, p)) return;
  qb::ReadOptions o;
  o.lenient = true;  // the file has one 'nan' answer
  for (auto _ : state) benchmark::DoNotOptimize(qb::read_cmexam(p, o).records.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::filesystem::file_size(p)));
}
BENCHMARK(BM_ReadCMExamVal)->Unit(benchmark::kMillisecond);

void BM_ReadHuatuoJsonList(benchmark::State& state) {
  auto p = shared("huatuo26m/huatuo26M_test_6000.json");
  if (!present(state, p)) return;
  for (auto _ : state) benchmark::DoNotOptimize(qb::read_huatuo(p).records.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::filesystem::file_size(p)));
}
BENCHMARK(BM_ReadHuatuoJsonList)->Unit(benchmark::kMillisecond);

void BM_ReadSftJsonl(benchmark::State& state) {
  auto p = shared("medicalgpt/medical_sft_1K_format.jsonl");
  if (!present(state, p)) return;
  for (auto _ : state) benchmark::DoNotOptimize(qb::read_sft(p).records.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(std::filesystem::file_size(p)));
}
BENCHMARK(BM_ReadSftJsonl)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
