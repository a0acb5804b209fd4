#include "trainers/train/train_loop.h"

#include <ATen/CPUGeneratorImpl.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <sstream>

#include <unistd.h>

#include "common/atomic_file.h"
#include "common/error.h"
#include "common/progress.h"
#include "trainers/distributed/distributed_group.h"
#include "trainers/train/train_data.h"

namespace qb::train {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string checkpoint_name(int64_t step) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "checkpoint-%06lld", static_cast<long long>(step));
  return buf;
}

// Yields the example indices of successive micro-batches; batches run across epoch ends so
// every micro-batch has batch_size examples.
class DataCursor {
 public:
  DataCursor(int64_t n, uint64_t seed, bool shuffle, LoopPosition& pos)
      : n_(n), seed_(seed), shuffle_(shuffle), pos_(pos) {}
  std::vector<int64_t> next(int64_t batch_size) {
    std::vector<int64_t> idx;
    while (static_cast<int64_t>(idx.size()) < batch_size) {
      if (order_epoch_ != pos_.epoch) {
        order_ = epoch_order(n_, seed_, pos_.epoch, shuffle_);
        order_epoch_ = pos_.epoch;
      }
      idx.push_back(order_[static_cast<size_t>(pos_.cursor)]);
      if (++pos_.cursor == n_) pos_.cursor = 0, ++pos_.epoch;
    }
    return idx;
  }

 private:
  int64_t n_;
  uint64_t seed_;
  bool shuffle_;
  LoopPosition& pos_;
  std::vector<int64_t> order_;
  int64_t order_epoch_ = -1;
};

torch::Tensor rng_state() {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  return gen.get_state();
}

void set_rng_state(const torch::Tensor& s) {
  auto gen = at::detail::getDefaultCPUGenerator();
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(s);
}

void save_trainer_state(const fs::path& dir, const LoopPosition& pos, torch::optim::Optimizer& opt,
                        const CheckpointIo& io, const LoopSettings& s) {
  torch::serialize::OutputArchive ar;
  ar.write("position", torch::tensor({pos.step, pos.epoch, pos.cursor, pos.tokens}, torch::kInt64));
  ar.write("rng", rng_state());
  torch::serialize::OutputArchive opt_ar;
  opt.save(opt_ar);
  ar.write("optimizer", opt_ar);
  if (io.extra_state)
    for (const auto& [name, t] : io.extra_state()) ar.write("extra." + name, t.detach());
  std::ostringstream bytes;
  ar.save_to(bytes);
  write_file_atomic(dir / kTrainerStateFile, bytes.str());
  json j = {{"stage", s.stage}, {"step", pos.step}, {"epoch", pos.epoch}, {"cursor", pos.cursor},
            {"tokens", pos.tokens}, {"config", json::parse(s.config_json)}};
  write_file_atomic(dir / kTrainerStateJson, j.dump(2) + "\n");
}

LoopPosition load_trainer_state(const fs::path& dir, torch::optim::Optimizer& opt, const CheckpointIo& io) {
  const fs::path file = dir / kTrainerStateFile;
  if (!fs::exists(file)) throw error_in_file(file.string(), "missing: the checkpoint is incomplete");
  torch::serialize::InputArchive ar;
  try {
    ar.load_from(file.string());
  } catch (const c10::Error& e) {
    throw error_in_file(file.string(), "unreadable trainer state (truncated or not a trainer state)");
  }
  torch::Tensor p, rng;
  ar.read("position", p);
  ar.read("rng", rng);
  torch::serialize::InputArchive opt_ar;
  ar.read("optimizer", opt_ar);
  opt.load(opt_ar);
  if (io.restore_extra) {
    for (const auto& key : ar.keys()) {
      if (key.rfind("extra.", 0) != 0) continue;
      torch::Tensor t;
      ar.read(key, t);
      io.restore_extra(key.substr(6), t);
    }
  }
  set_rng_state(rng);
  LoopPosition pos;
  auto a = p.accessor<int64_t, 1>();
  pos.step = a[0], pos.epoch = a[1], pos.cursor = a[2], pos.tokens = a[3];
  return pos;
}

// Keeps metrics lines of steps <= `step` (a resumed run rewrites what came after).
void truncate_metrics(const fs::path& file, int64_t step) {
  if (!fs::exists(file)) return;
  std::ifstream in(file);
  std::string line, kept;
  while (std::getline(in, line)) {
    auto j = json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("step")) continue;  // a torn last line after kill -9
    if (j["step"].get<int64_t>() <= step) kept += line + "\n";
  }
  write_file_atomic(file, kept);
}

void prune_checkpoints(const fs::path& out, int64_t keep) {
  std::vector<fs::path> ckpts;
  static const std::regex re("checkpoint-[0-9]{6,}");
  for (const auto& e : fs::directory_iterator(out))
    if (e.is_directory() && std::regex_match(e.path().filename().string(), re)) ckpts.push_back(e.path());
  std::sort(ckpts.begin(), ckpts.end());
  for (size_t i = 0; i + static_cast<size_t>(keep) < ckpts.size(); ++i) fs::remove_all(ckpts[i]);
}

// Writes a checkpoint into a temporary directory and renames it into place, then points
// out/latest at it: a kill at any moment leaves out/latest naming a complete checkpoint.
void write_checkpoint(const fs::path& out, const LoopPosition& pos, torch::optim::Optimizer& opt,
                      const CheckpointIo& io, const LoopSettings& s) {
  const std::string name = checkpoint_name(pos.step);
  const fs::path tmp = out / (".tmp-" + name), dst = out / name;
  fs::remove_all(tmp);
  fs::create_directories(tmp);
  io.write_model(tmp);
  save_trainer_state(tmp, pos, opt, io, s);
  fs::remove_all(dst);
  fs::rename(tmp, dst);
  write_file_atomic(out / "latest", name + "\n");
  prune_checkpoints(out, s.keep_checkpoints);
}

std::string fmt_double(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.4g", v);
  return b;
}

}  // namespace

fs::path latest_checkpoint(const fs::path& out) {
  const fs::path p = out / "latest";
  if (!fs::exists(p)) return {};
  std::string name = read_file(p);
  while (!name.empty() && (name.back() == '\n' || name.back() == '\r')) name.pop_back();
  fs::path dir = out / name;
  if (!fs::is_directory(dir)) throw error_in_file(p.string(), "names '" + name + "', which is not a directory");
  return dir;
}

namespace {

// Rank r's contiguous share of a global micro-batch.
std::vector<int64_t> slice_for_rank(const std::vector<int64_t>& global, int rank, int world) {
  const size_t per = global.size() / static_cast<size_t>(world);
  return std::vector<int64_t>(global.begin() + static_cast<std::ptrdiff_t>(per * rank),
                              global.begin() + static_cast<std::ptrdiff_t>(per * (rank + 1)));
}

// Every rank must continue from the same position (the same checkpoint, read from a shared
// out/): rank 0's position is broadcast and compared.
void check_same_position(DistributedGroup& g, const LoopPosition& pos, const fs::path& resume_dir) {
  auto mine = torch::tensor({pos.step, pos.epoch, pos.cursor, pos.tokens}, torch::kInt64);
  auto first = mine.clone();
  g.broadcast_from_rank0({first}, "broadcast of the resume position");
  if (!torch::equal(mine, first))
    throw std::runtime_error("rank " + std::to_string(g.rank()) + " starts at step " + std::to_string(pos.step) +
                             (resume_dir.empty() ? std::string(" (fresh)") : " (from " + resume_dir.string() + ")") +
                             " but rank 0 at step " + std::to_string(first[0].item<int64_t>()) +
                             "; every rank must see the same out/ directory (a shared file system)");
}

// Per-rank dropout streams: rank 0 keeps the run's generator (saved in checkpoints); the others
// draw from a stream derived from (seed, rank, step), so their masks differ from rank 0's and a
// resumed run redraws them exactly.
void reseed_rank_stream(uint64_t seed, int rank, int64_t step) {
  uint64_t x = seed ^ (0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(rank + 1)) ^
               (0xbf58476d1ce4e5b9ULL * static_cast<uint64_t>(step + 1));
  x ^= x >> 31;
  torch::manual_seed(x & 0x7fffffffffffffffULL);
}

std::runtime_error non_finite(const std::string& what, int64_t step, double v, const fs::path& last_good) {
  return std::runtime_error("step " + std::to_string(step) + ": " + what + " is " + fmt_double(v) +
                            " (not finite); training stopped" +
                            (last_good.empty() ? std::string("; no checkpoint was written yet")
                                               : "; the last good checkpoint is " + last_good.string()));
}

}  // namespace

LoopResult run_loop(Objective& obj, const LoopSettings& s, const CheckpointIo& io, const fs::path& resume_dir) {
  std::unique_ptr<DistributedGroup> group;
  if (s.dist.enabled()) {
    if (s.batch_size % s.dist.world_size != 0)
      throw std::invalid_argument("batch_size " + std::to_string(s.batch_size) + " is not divisible by WORLD_SIZE " +
                                  std::to_string(s.dist.world_size));
    group = std::make_unique<DistributedGroup>(s.dist);
  }
  const int rank = group ? group->rank() : 0, world = group ? group->world_size() : 1;
  const bool writer = rank == 0;  // only rank 0 logs, prints and writes
  if (writer) fs::create_directories(s.out);
  auto params = obj.trainable();
  std::vector<torch::Tensor> tensors;
  for (auto& [n, t] : params) tensors.push_back(t);
  auto opt = make_adamw(params, s.adamw);

  LoopResult r;
  LoopPosition pos;
  const fs::path metrics_path = s.out / kMetricsFile;
  if (!resume_dir.empty()) {
    pos = load_trainer_state(resume_dir, *opt, io);
    r.resumed_from = pos.step;
    if (writer) truncate_metrics(metrics_path, pos.step);
  } else if (writer) {
    write_file_atomic(metrics_path, "");
  }
  std::ofstream metrics;
  if (writer) metrics.open(metrics_path, std::ios::app);
  auto log_line = [&](const json& j) {
    if (!writer) return;
    metrics << j.dump() << "\n";
    metrics.flush();
  };
  if (group) {
    check_same_position(*group, pos, resume_dir);
    torch::NoGradGuard ng;
    group->broadcast_from_rank0(tensors, "broadcast of rank 0's initial weights");
  }

  // Held-out evaluation. Data parallel: every rank scores its share and the sums are added up
  // (one collective), so no rank idles at the next collective while rank 0 evaluates alone
  // (a long evaluation would otherwise run into QILIN_DIST_TIMEOUT).
  auto evaluate = [&](int64_t step) -> json {
    if (!group) return obj.evaluate();
    const std::vector<double> mine = obj.eval_sums(group->rank(), group->world_size());
    auto packed = torch::tensor(mine, torch::kFloat64);
    group->all_reduce_sum({packed}, "held-out evaluation at step " + std::to_string(step));
    auto a = packed.accessor<double, 1>();
    std::vector<double> sums(mine.size());
    for (size_t i = 0; i < sums.size(); ++i) sums[i] = a[static_cast<int64_t>(i)];
    return obj.eval_result(sums);
  };

  if (pos.step == 0) {
    r.eval_start = evaluate(0);
    if (!r.eval_start.empty()) log_line({{"stage", s.stage}, {"step", 0}, {"eval", r.eval_start}});
  }

  DataCursor cursor(obj.num_examples(), s.seed, s.shuffle, pos);
  using clock = std::chrono::steady_clock;
  const auto t_start = clock::now();
  const int64_t first_step = pos.step;
  // Progress, rank 0 only: one updating line on a terminal; otherwise a line per logged step
  // (log_every), which is what CI logs want.
  const bool show = writer && !s.quiet;
  std::unique_ptr<Progress> bar;
  if (show && ::isatty(::fileno(stderr)))
    bar = std::make_unique<Progress>(s.stage, static_cast<long>(s.total_steps), false, stderr, static_cast<long>(pos.step));
  int64_t tokens_this_run = 0;
  fs::path last_good = resume_dir;
  bool first = true;
  obj.set_training(true);
  while (pos.step < s.total_steps) {
    const auto t0 = clock::now();
    const double lr = s.schedule.at(pos.step);
    set_learning_rate(*opt, lr);
    opt->zero_grad();
    if (rank > 0) reseed_rank_stream(s.seed, rank, pos.step);
    double loss_sum = 0, sync_seconds = 0;
    int64_t step_tokens = 0;
    json extras = json::object();
    // One body for one process and for many: a single process is a world of one (its slice is
    // the whole micro-batch, its share of the mean has weight 1, and there is nothing to sum).
    // Per micro-step this rank packs [its share of the global mean loss, tokens, its share of
    // each metric]; the shares are summed over the ranks together with the gradients (one
    // collective per step). A share is value * (w / wg), w this rank's loss weight and wg the
    // global one, which every rank computes from the global micro-batch's indices; in a world
    // of one w / wg is exactly 1, so the numbers are the plain micro-batch means.
    std::vector<double> stats;
    std::vector<std::string> metric_keys;
    for (int64_t m = 0; m < s.grad_accum; ++m) {
      std::vector<int64_t> idx = cursor.next(s.batch_size);
      double share = 1.0;  // a world of one: no weights to count (x * 1.0 is exact, so nothing moves)
      if (world > 1) {
        const double wg = obj.loss_weight(idx);
        idx = slice_for_rank(idx, rank, world);
        share = wg > 0 ? obj.loss_weight(idx) / wg : 0.0;
      }
      MicroStep ms = obj.micro_step(idx);
      ((ms.loss * share) / static_cast<double>(s.grad_accum)).backward();
      stats.push_back(ms.loss.item<double>() * share);
      stats.push_back(static_cast<double>(ms.tokens));
      if (m == 0)
        for (auto it = ms.metrics.begin(); it != ms.metrics.end(); ++it) metric_keys.push_back(it.key());
      for (const auto& k : metric_keys) stats.push_back(ms.metrics.at(k).get<double>() * share);
    }
    if (group) {
      auto packed = torch::tensor(stats, torch::kFloat64);
      std::vector<torch::Tensor> all = {packed};
      for (auto& t : tensors) all.push_back(t.grad());
      const auto ts = clock::now();
      group->all_reduce_sum(all, "gradient all-reduce at step " + std::to_string(pos.step + 1));
      sync_seconds += std::chrono::duration<double>(clock::now() - ts).count();
      auto a = packed.accessor<double, 1>();
      for (size_t i = 0; i < stats.size(); ++i) stats[i] = a[static_cast<int64_t>(i)];
    }
    const size_t per = 2 + metric_keys.size();
    for (size_t m = 0; m < static_cast<size_t>(s.grad_accum); ++m) {
      const double lv = stats[m * per];
      if (!std::isfinite(lv)) throw non_finite("loss", pos.step + 1, lv, last_good);  // before any update
      loss_sum += lv;
      step_tokens += static_cast<int64_t>(std::llround(stats[m * per + 1]));
      for (size_t k = 0; k < metric_keys.size(); ++k)
        extras[metric_keys[k]] = extras.value(metric_keys[k], 0.0) + stats[m * per + 2 + k] / static_cast<double>(s.grad_accum);
    }
    const double max_norm = s.max_grad_norm > 0 ? s.max_grad_norm : std::numeric_limits<double>::infinity();
    const double grad_norm = torch::nn::utils::clip_grad_norm_(tensors, max_norm);
    if (!std::isfinite(grad_norm)) throw non_finite("gradient norm", pos.step + 1, grad_norm, last_good);
    opt->step();
    ++pos.step;
    pos.tokens += step_tokens;
    tokens_this_run += step_tokens;
    const double loss = loss_sum / static_cast<double>(s.grad_accum);
    const double dt = std::chrono::duration<double>(clock::now() - t0).count();
    if (first) r.first_loss = loss, first = false;
    r.last_loss = loss;
    r.sync_seconds += sync_seconds;
    const double run_seconds = std::chrono::duration<double>(clock::now() - t_start).count();
    const double run_tokens_per_s = run_seconds > 0 ? static_cast<double>(tokens_this_run) / run_seconds : 0.0;
    if (bar) {
      bar->set_note("loss " + fmt_double(loss) + "  " + std::to_string(std::llround(run_tokens_per_s)) + " tok/s");
      bar->advance();
    }

    if (pos.step % s.log_every == 0 || pos.step == s.total_steps) {
      json j = {{"stage", s.stage}, {"step", pos.step}, {"epoch", pos.epoch}, {"loss", loss}, {"lr", lr},
                {"grad_norm", grad_norm}, {"tokens", step_tokens},
                {"tokens_per_s", dt > 0 ? static_cast<double>(step_tokens) / dt : 0.0}};
      for (auto it = extras.begin(); it != extras.end(); ++it) j[it.key()] = *it;
      if (group) j["world_size"] = group->world_size(), j["allreduce_s"] = sync_seconds;
      log_line(j);
      if (show && !bar) {
        const double eta = run_seconds / static_cast<double>(pos.step - first_step) *
                           static_cast<double>(s.total_steps - pos.step);
        std::cerr << s.stage << " step " << pos.step << "/" << s.total_steps << " loss " << fmt_double(loss)
                  << " lr " << fmt_double(lr) << " grad-norm " << fmt_double(grad_norm) << " tok/s "
                  << std::llround(run_tokens_per_s) << " ETA " << format_duration(eta) << "\n";
      }
    }
    const bool last = pos.step == s.total_steps;
    if (s.eval_every > 0 && pos.step % s.eval_every == 0 && !last) {
      obj.set_training(false);
      json e = evaluate(pos.step);
      obj.set_training(true);
      if (!e.empty()) log_line({{"stage", s.stage}, {"step", pos.step}, {"eval", e}});
    }
    if (s.save_every > 0 && pos.step % s.save_every == 0) {
      if (writer) write_checkpoint(s.out, pos, *opt, io, s);
      if (group) group->barrier("barrier after checkpoint " + std::to_string(pos.step));
      last_good = s.out / checkpoint_name(pos.step);
    }
  }
  if (bar) bar->finish();
  obj.set_training(false);
  r.eval_end = evaluate(pos.step);
  if (!r.eval_end.empty()) log_line({{"stage", s.stage}, {"step", pos.step}, {"eval", r.eval_end}});
  const double elapsed = std::chrono::duration<double>(clock::now() - t_start).count();
  r.tokens_per_second = elapsed > 0 ? static_cast<double>(tokens_this_run) / elapsed : 0;
  r.steps = pos.step;
  r.final_model = s.out / "final";
  if (writer) {
    const fs::path tmp = s.out / ".tmp-final";
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    io.write_model(tmp);
    fs::remove_all(r.final_model);
    fs::rename(tmp, r.final_model);
  }
  if (group) group->barrier("barrier after the final model");
  return r;
}

}  // namespace qb::train
