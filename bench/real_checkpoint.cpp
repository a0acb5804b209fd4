// One real-sized checkpoint through the Engine (scripts/bench_real.sh; docs/BENCHMARKS.md,
// "7B-shaped bf16 checkpoint"): load time, prefill of T tokens, greedy decode of N tokens with
// the KV cache. Wall-clock seconds; load and the first forward once, the rest the best of 3 rounds
// (each round's times are printed too). Prints one JSON object.
// Usage: bench_real_checkpoint DIR DTYPE PREFILL_TOKENS DECODE_TOKENS THREADS
#include <immintrin.h>
#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "trainers/compute_threads.h"
#include "trainers/engine/engine.h"

namespace {
// Of the process's resident memory, the share that is file pages mapped 2 MB at a time
// (/proc/self/smaps_rollup: a heading line, then "Key: N kB" lines).
double huge_page_share() {
  std::ifstream f("/proc/self/smaps_rollup");
  std::string key;
  std::getline(f, key);
  double rss = 0, pmd = 0, kb = 0;
  while (f >> key >> kb) {
    if (key == "Rss:") rss = kb;
    if (key == "FilePmdMapped:") pmd = kb;
    f.ignore(1 << 20, '\n');
  }
  return rss > 0 ? pmd / rss : 0.0;
}

double since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

constexpr int kRounds = 3;

// This machine's memory read rate, the decode bound's denominator: 2 threads (one per core)
// each summing half of a 2 GiB buffer in 2 MB pages with 64-byte loads; the best of 5 passes.
// (bench_real_peer.py measures it with python3-torch's sum as well; the summary takes the higher.)
__attribute__((target("avx512f"))) float sum_floats(const float* p, size_t n) {
  __m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t i = 0; i + 64 <= n; i += 64) {
    a0 = _mm512_add_ps(a0, _mm512_loadu_ps(p + i));
    a1 = _mm512_add_ps(a1, _mm512_loadu_ps(p + i + 16));
    a2 = _mm512_add_ps(a2, _mm512_loadu_ps(p + i + 32));
    a3 = _mm512_add_ps(a3, _mm512_loadu_ps(p + i + 48));
  }
  return _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a0, a1), _mm512_add_ps(a2, a3)));
}

double read_gb_s() {
  if (!__builtin_cpu_supports("avx512f")) return 0.0;
  const size_t bytes = size_t{2} << 30, n = bytes / sizeof(float);
  void* mem = nullptr;
  if (posix_memalign(&mem, size_t{2} << 20, bytes) != 0) return 0.0;
  madvise(mem, bytes, MADV_HUGEPAGE);
  auto* f = static_cast<float*>(mem);
  std::fill(f, f + n, 1.0f);
  double best = 0;
  float sums[2] = {0, 0};
  for (int pass = 0; pass < 5; ++pass) {
    const auto t0 = std::chrono::steady_clock::now();
    std::thread other([&] { sums[1] += sum_floats(f + n / 2, n / 2); });
    sums[0] += sum_floats(f, n / 2);
    other.join();
    best = std::max(best, static_cast<double>(bytes) / since(t0) / 1e9);
  }
  free(mem);
  return sums[0] + sums[1] > 0 ? best : 0.0;  // keeps the sums (and so the reads) alive
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::cerr << "usage: bench_real_checkpoint DIR DTYPE PREFILL_TOKENS DECODE_TOKENS THREADS\n";
    return 2;
  }
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // TOOLCHAIN.md: fewer page faults
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  qb::set_compute_threads(std::atoi(argv[5]));
  const int prefill = std::atoi(argv[3]), decode = std::atoi(argv[4]);
  const double read_rate = read_gb_s();  // before the load: its buffer must not add to the peak RSS
  qb::EngineOptions o;
  o.dtype = argv[2];
  o.batch_size = 1;
  auto t0 = std::chrono::steady_clock::now();
  qb::Engine engine(argv[1], o);
  const double load_s = since(t0);
  const double huge_share = huge_page_share();

  // First forward: the pages of the memory map are faulted in here (from the page cache, or the disk).
  t0 = std::chrono::steady_clock::now();
  engine.last_position_logits({{1}});
  const double first_token_s = since(t0);

  // Three rounds of: a single-token forward (pages resident: the cost of one weight pass), a
  // prefill of `prefill` tokens, greedy decoding of `decode` tokens. Each is reported as its best
  // round: this machine's neighbours slow single runs by up to a third (docs/BENCHMARKS.md).
  std::mt19937_64 rng(1);
  std::vector<int64_t> ids(static_cast<size_t>(prefill));
  for (auto& id : ids) id = static_cast<int64_t>(rng() % static_cast<uint64_t>(engine.config().vocab_size));
  // Decode: a one-character prompt (BOS + 1 token of prefill), then `decode` greedy steps.
  qb::GenerateRequest req;
  req.id = "decode";
  req.prompt = "a";
  req.max_new_tokens = decode;
  double one_token_s = 1e30, prefill_s = 1e30, generate_s = 1e30;
  int64_t generated = 0;
  nlohmann::json rounds = nlohmann::json::array();
  for (int round = 0; round < kRounds; ++round) {
    t0 = std::chrono::steady_clock::now();
    engine.last_position_logits({{1}});
    const double one = since(t0);
    t0 = std::chrono::steady_clock::now();
    engine.last_position_logits({ids});
    const double pre = since(t0);
    const int64_t before = engine.stats().tokens_generated;
    t0 = std::chrono::steady_clock::now();
    engine.generate({req});
    const double gen = since(t0);
    generated = engine.stats().tokens_generated - before;
    one_token_s = std::min(one_token_s, one), prefill_s = std::min(prefill_s, pre), generate_s = std::min(generate_s, gen);
    rounds.push_back({{"one_token_s", one}, {"prefill_s", pre}, {"generate_s", gen}});
  }
  nlohmann::json j{{"dtype", engine.compute_dtype()}, {"threads", std::atoi(argv[5])}, {"load_s", load_s}, {"huge_page_share", huge_share}, {"read_gb_s", read_rate},
                   {"first_token_s", first_token_s}, {"one_token_s", one_token_s}, {"prefill_tokens", prefill}, {"prefill_s", prefill_s},
                   {"prefill_tokens_per_s", prefill / prefill_s}, {"generated_tokens", generated},
                   {"generate_s", generate_s},
                   // generate = a 2-token prefill + (generated - 1) decode steps; the first step's
                   // logits come from the prefill, so per decode step:
                   {"decode_tokens_per_s", generated > 1 ? (generated - 1) / generate_s : 0.0},
                   {"rounds", rounds}};
  std::cout << j.dump() << std::endl;
  return 0;
}
