// Model and engine speed (docs/BENCHMARKS.md, "Model and engine"): forward tokens/s and
// GFLOP/s, CMExam-style log-likelihood scoring with shared-prefix KV cache vs the naive
// per-option full forward, greedy generation with vs without KV cache.
// scripts/bench_model.sh runs this beside python3-torch on the same weights.
//
// Rates are per process CPU second (all threads), not wall time: the machine is shared
// and wall time mostly measures other people's load.
// The checkpoint is $QILIN_BENCH_MODEL_DIR (created there, seeded, when it has none yet;
// scripts/bench_model.sh then runs python3-torch on it), else a seeded one under /tmp. Threads: $QILIN_THREADS (default 1).
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <random>

#include "common/atomic_file.h"
#include "trainers/tokenizer/char_tokenizer.h"
#include "trainers/compute_threads.h"
#include "trainers/engine/engine.h"
#include "trainers/model/model_tools.h"

namespace {

namespace fs = std::filesystem;

// hidden 512, 8 layers, 8 heads, SwiGLU 1408, vocab 4096: 25.2 M weights in the layers.
const char* kBenchConfig = R"({"architectures":["LlamaForCausalLM"],"model_type":"llama","vocab_size":4096,
  "hidden_size":512,"intermediate_size":1408,"num_hidden_layers":8,"num_attention_heads":8,
  "num_key_value_heads":8,"max_position_embeddings":2048,"rms_norm_eps":1e-6,"initializer_range":0.02})";

// 2000 CJK characters + the option letters: one token each under the char tokenizer.
std::vector<std::string> alphabet() {
  std::vector<std::string> out;
  for (char32_t c = 0x4E00; c < 0x4E00 + 2000; ++c) {
    std::string s;
    s += static_cast<char>(0xE0 | (c >> 12));
    s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (c & 0x3F));
    out.push_back(s);
  }
  for (const char* l : {"A", "B", "C", "D", "E"}) out.push_back(l);
  return out;
}

fs::path model_dir() {
  static const fs::path dir = [] {
    const char* env = std::getenv("QILIN_BENCH_MODEL_DIR");
    if (env && fs::exists(fs::path(env) / "tokenizer.json")) return fs::path(env);
    fs::path d = env ? fs::path(env) : fs::temp_directory_path() / ("qilin-bench-model-" + std::to_string(::getpid()));
    qb::init_random_checkpoint(qb::parse_model_config(kBenchConfig, "bench"), d, 1, "fp32");
    qb::CharTokenizer(alphabet()).save(d / "tokenizer.json");
    return d;
  }();
  return dir;
}

qb::Engine& engine() {
  static qb::Engine e = [] {
    const char* t = std::getenv("QILIN_THREADS");
    qb::set_compute_threads(t ? std::atoi(t) : 1);
    return qb::Engine(model_dir());
  }();
  return e;
}

std::string random_text(std::mt19937& rng, int chars) {
  static const auto a = alphabet();
  std::string s;
  for (int i = 0; i < chars; ++i) s += a[rng() % 2000];
  return s;
}

double forward_flops(const qb::ModelConfig& c, int64_t tokens_per_row, int64_t rows) {
  const double h = c.hidden_size, kv = c.num_key_value_heads * c.head_dim();
  const double per_token = 2.0 * c.num_hidden_layers * (2 * h * h + 2 * h * kv + 3 * h * c.intermediate_size);
  const double attention = 4.0 * c.num_hidden_layers * h * tokens_per_row * tokens_per_row;  // QK^T and PV
  return rows * (per_token * tokens_per_row + attention + 2.0 * h * c.vocab_size);
}

void BM_Forward(benchmark::State& state) {
  auto& e = engine();
  const int64_t t = state.range(0), b = state.range(1);
  std::mt19937 rng(3);
  std::vector<std::vector<int64_t>> rows(b, std::vector<int64_t>(t));
  for (auto& r : rows)
    for (auto& id : r) id = 260 + rng() % 2000;
  for (auto _ : state) benchmark::DoNotOptimize(e.last_position_logits(rows));
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(t * b), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/s"] = benchmark::Counter(forward_flops(e.config(), t, b) / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_Forward)->Args({256, 1})->Args({64, 4})->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

// 8 CMExam-shaped questions: a 120-character prompt, continuations "A".."E".
void BM_CMExamLoglik(benchmark::State& state) {
  auto& e = engine();
  e.options().prefix_sharing = state.range(0) != 0;
  std::mt19937 rng(5);
  std::vector<qb::LoglikRequest> reqs;
  for (int i = 0; i < 8; ++i) reqs.push_back({std::to_string(i), random_text(rng, 120), {"A", "B", "C", "D", "E"}});
  for (auto _ : state) benchmark::DoNotOptimize(e.loglik(reqs));
  e.options().prefix_sharing = true;
  state.counters["questions/s"] = benchmark::Counter(8, benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(state.range(0) ? "shared prefix (KV cache)" : "naive per-option forward");
}
BENCHMARK(BM_CMExamLoglik)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

// Greedy generation of 128 tokens after 32-character prompts, batch range(1).
void BM_Generate(benchmark::State& state) {
  auto& e = engine();
  e.options().kv_cache = state.range(0) != 0;
  std::mt19937 rng(7);
  std::vector<qb::GenerateRequest> reqs(state.range(1));
  for (auto& r : reqs) {
    r.prompt = random_text(rng, 32);
    r.max_new_tokens = 128;
  }
  int64_t tokens = 0;
  for (auto _ : state)
    for (const auto& g : e.generate(reqs)) tokens += g.n_tokens;
  e.options().kv_cache = true;
  state.counters["tokens/s"] = benchmark::Counter(static_cast<double>(tokens), benchmark::Counter::kIsRate);
  state.SetLabel(state.range(0) ? "KV cache" : "no cache (full re-forward per token)");
}
BENCHMARK(BM_Generate)->Args({1, 1})->Args({0, 1})->Args({1, 4})->Args({0, 4})->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

}  // namespace

// Like qilin-bench's main(): keep big tensor buffers instead of returning them to the OS
// on every forward pass (TOOLCHAIN.md: 10x fewer minor faults).
int main(int argc, char** argv) {
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
