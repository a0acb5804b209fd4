// One optimizer step per iteration (forward, backward, clip, AdamW) for each training stage on
// the same small LLaMA (hidden 256, 4 layers, vocab 4096, 8 x 128 tokens). Counters: tokens/s
// and achieved model GFLOP/s (wall time); the CPU column is process CPU time (all threads,
// OpenBLAS included), comparable with the peer's time.process_time(). scripts/bench_train.sh runs this beside the python3-torch peer
// (scripts/bench_train_peer.py) at the same thread count; docs/BENCHMARKS.md has the numbers.
#include <benchmark/benchmark.h>
#include <malloc.h>

#include <cstdlib>

#include "trainers/compute_threads.h"
#include "trainers/train/train_step_runner.h"

namespace {

void run(benchmark::State& state, qb::train::TrainStepShape shape) {
  qb::train::TrainStepRunner r(shape);
  r.step();  // warm-up: allocations, AdamW state
  for (auto _ : state) benchmark::DoNotOptimize(r.step());
  const double steps = static_cast<double>(state.iterations());
  state.counters["tokens_per_s"] =
      benchmark::Counter(steps * static_cast<double>(r.tokens_per_step()), benchmark::Counter::kIsRate);
  state.counters["GFLOP_per_s"] = benchmark::Counter(steps * r.flops_per_step() / 1e9, benchmark::Counter::kIsRate);
}

void BM_DcptStep(benchmark::State& s) { run(s, {"dcpt", false}); }
void BM_SftLoraStep(benchmark::State& s) { run(s, {"dcpt", true}); }
void BM_SftLoraDropoutStep(benchmark::State& s) {
  qb::train::TrainStepShape shape{"dcpt", true};
  shape.lora_dropout = 0.05;
  run(s, shape);
}
// DPO: the plain rows take precomputed reference log-probs (as the python3-torch peer does); the
// WithReference rows also run the frozen reference on the batch, as the trainer does, so each
// pair prices that forward.
void BM_DpoStep(benchmark::State& s) { run(s, {"dpo", false}); }
void BM_DpoStepWithReference(benchmark::State& s) {
  qb::train::TrainStepShape shape{"dpo", false};
  shape.reference_forward = true;
  run(s, shape);
}
void BM_DpoLoraStep(benchmark::State& s) { run(s, {"dpo", true}); }
void BM_DpoLoraStepWithReference(benchmark::State& s) {
  qb::train::TrainStepShape shape{"dpo", true};
  shape.reference_forward = true;
  run(s, shape);
}

BENCHMARK(BM_DcptStep)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime()->MinTime(3);
BENCHMARK(BM_SftLoraStep)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime()->MinTime(3);
BENCHMARK(BM_SftLoraDropoutStep)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime()->MinTime(3);
BENCHMARK(BM_DpoStep)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime()->MinTime(3);
BENCHMARK(BM_DpoStepWithReference)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime()->MinTime(3);
BENCHMARK(BM_DpoLoraStep)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime()->MinTime(3);
BENCHMARK(BM_DpoLoraStepWithReference)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime()->MinTime(3);

}  // namespace

int main(int argc, char** argv) {
  // Same start-up as qilin-bench (TOOLCHAIN.md): keep big buffers, threads from QILIN_THREADS.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  const char* t = std::getenv("QILIN_THREADS");
  qb::set_compute_threads(t ? std::atoi(t) : 1);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
