#include "harness/pipeline.h"

#include <fmt/format.h>
#include <sys/utsname.h>
#include <unicode/uversion.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <optional>

#include "backends/model_server.h"
#include "backends/openai_backend.h"
#include "common/atomic_file.h"
#include "common/error.h"
#include "common/progress.h"
#include "common/sha256.h"
#include "data/demo_world.h"
#include "evals/bm25_retriever.h"
#include "evals/evaluation.h"
#include "evals/results_builder.h"
#include "evals/samples.h"
#include "harness/local_backend.h"
#include "harness/node_cache.h"
#include "harness/run_lock.h"
#include "harness/pipeline_summary.h"
#include "qilin_version.h"
#include "reports/report_writer.h"
#include "reports/results.h"
#include "suites/data_summary.h"
#include "suites/dcpt_reader.h"
#include "suites/rag_reader.h"
#include "trainers/checkpoint/chat_template.h"
#include "trainers/compute_threads.h"
#include "trainers/external/hf_output.h"
#include "trainers/model/model_config.h"
#include "trainers/model/model_tools.h"
#include "trainers/tokenizer/char_tokenizer.h"
#include "trainers/train/train.h"

namespace qb {
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

const char* kStages[] = {"dcpt", "sft", "dpo"};

// A checkpoint the pipeline produced or was given.
struct Checkpoint {
  std::string name;   // base, dcpt, sft, dpo
  fs::path dir;       // HF layout
  std::string hash;   // content key of whatever produced it
  fs::path training_metrics;  // metrics.jsonl of its training stage (none for base)
  json training_summary;
  fs::path adapter;   // a PEFT adapter applied on `dir` (an external trainer's LoRA stage); empty = none
};

struct EvalKey {
  std::string model;  // leaderboard row, e.g. "sft+rag"
  std::string checkpoint;
  bool rag;
  std::string suite, mode;  // canonical suite name (evals/suite_registry.h)
};

// An evaluation node: its key, its recorded outputs and its report (typed when it ran here,
// read back from metrics.json when it was found in the cache).
struct EvalNode {
  EvalKey key;
  json outputs;
  ScoreReport report;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

json machine_info() {
  json m;
  m["cores"] = static_cast<long>(::sysconf(_SC_NPROCESSORS_ONLN));
  m["memory_bytes"] = static_cast<long long>(::sysconf(_SC_PHYS_PAGES)) * ::sysconf(_SC_PAGE_SIZE);
  struct utsname u;
  if (::uname(&u) == 0) m["os"] = std::string(u.sysname) + " " + u.release + " " + u.machine;
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line))
    if (line.rfind("model name", 0) == 0) {
      m["cpu"] = line.substr(line.find(':') + 2);
      break;
    }
  m["compute_threads"] = compute_threads();
  return m;
}

class Pipeline {
 public:
  Pipeline(const PipelineConfig& config, const PipelineOptions& options)
      : cfg_(config), opt_(options), run_dir_(cfg_.run_dir), cache_(run_dir_ / "cache") {}

  PipelineOutcome run(const std::string& target) {
    auto t0 = Clock::now();
    started_ = utc_now();
    fs::create_directories(run_dir_);
    RunLock lock(run_dir_);  // held until this run returns or dies
    remove_stale_temporaries();
    write_file_atomic(run_dir_ / "config.json", cfg_.json.dump(2) + "\n");
    bool all = target == "all";
    int stage_goal = target == "base" ? 0 : target == "dcpt" ? 1 : target == "sft" ? 2 : target == "dpo" ? 3 : -1;
    if (!all && target != "data" && stage_goal < 0)
      throw InputError("run", "'" + target + "'", "unknown target (use all, data, base, dcpt, sft or dpo)");

    prepare_data();
    PipelineOutcome out;
    out.run_dir = run_dir_;
    if (target != "data") {
      checkpoints_["base"] = base_checkpoint();
      std::string prev = "base";
      for (int s = 0; s < 3 && (all || s < stage_goal); ++s) {
        checkpoints_[kStages[s]] = train_stage(kStages[s], checkpoints_.at(prev));
        prev = kStages[s];
      }
    }
    if (all) {
      evaluate_all();
      compare_all();
      out.results = write_results(seconds_since(t0));
    }
    out.nodes_run = nodes_run_;
    out.nodes_cached = nodes_cached_;
    return out;
  }

 private:
  // ---- bookkeeping -------------------------------------------------------------------
  // A run stopped by a signal, a full disk or SIGKILL in the middle of a write leaves the
  // writer's temporary (NAME.tmp.PID.N, common/atomic_file.h) beside the file it never became.
  // With the run lock held nobody else writes here, so every such file is stale.
  void remove_stale_temporaries() {
    std::error_code ec;
    std::vector<fs::path> stale;
    for (auto it = fs::recursive_directory_iterator(run_dir_, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      const std::string name = it->path().filename().string();
      const auto at = name.rfind(".tmp.");
      if (at == std::string::npos || !it->is_regular_file()) continue;
      const std::string tail = name.substr(at + 5);  // PID.N
      if (!tail.empty() && tail.find_first_not_of("0123456789.") == std::string::npos) stale.push_back(it->path());
    }
    for (const auto& p : stale) fs::remove(p, ec);
  }

  // Runs `work` as the cache node (name, key) unless it finished before. `ran` tells which.
  template <class Work>
  json node(const std::string& name, const json& key, Work work, bool* ran = nullptr) {
    CacheNode n = cache_.node(name, key);
    if (ran) *ran = false;
    std::string damage;
    if (auto done = cache_.finished(n, &damage)) {
      ++nodes_cached_;
      node_log_.push_back({{"name", name}, {"hash", n.hash}, {"dir", n.dir.string()}, {"cached", true},
                           {"seconds", done->value("seconds", 0.0)}});
      return *done;
    }
    // A damaged cache entry is said even under -q: the user should know work is being redone.
    if (!damage.empty()) fmt::print(stderr, "[{}] cached step is damaged ({}): redoing it\n", name, damage);
    if (!opt_.quiet) fmt::print(stderr, "[{}] {}\n", name, n.dir.string());
    auto t = Clock::now();
    fs::create_directories(n.dir);
    write_file_atomic(n.dir / "key.json", json{{"node", name}, {"key", key}}.dump(2) + "\n");
    json outputs = work(n);
    outputs["seconds"] = seconds_since(t);
    outputs["hash"] = n.hash;
    cache_.finish(n, outputs);
    ++nodes_run_;
    if (ran) *ran = true;
    node_log_.push_back({{"name", name}, {"hash", n.hash}, {"dir", n.dir.string()}, {"cached", false},
                         {"seconds", outputs["seconds"]}});
    if (!damage.empty()) node_log_.back()["redone"] = damage;
    return outputs;
  }

  // ---- data --------------------------------------------------------------------------
  void prepare_data() {
    const DataSettings& d = cfg_.data;
    bool need_demo = false;
    for (const char* r : kDataRoles) need_demo |= !d.files.count(r);
    std::map<std::string, fs::path> demo_files;
    if (need_demo) {
      json out = node("demo-world", {{"seed", d.demo_seed}, {"scale", d.demo_scale}, {"generator", demo::kGeneratorVersion}},
                      [&](const CacheNode& n) {
                        auto files = demo::write_demo_world(n.dir / "world", d.demo_seed,
                                                            d.demo_scale == "small" ? demo::DemoSizes::small()
                                                                                    : demo::DemoSizes{});
                        json listing = json::array();
                        for (auto& f : files)
                          listing.push_back({{"name", f.name}, {"format", f.format}, {"stage", f.stage},
                                             {"records", f.records}});
                        return json{{"dir", (n.dir / "world").string()}, {"files", listing}};
                      });
      for (auto& f : out["files"]) {
        std::string role = demo_role(f["format"].get<std::string>(), f["stage"].get<std::string>());
        if (!role.empty()) demo_files[role] = fs::path(out["dir"].get<std::string>()) / f["name"].get<std::string>();
      }
    }
    for (const char* r : kDataRoles) {
      auto given = d.files.find(r);
      fs::path p = given == d.files.end() ? demo_files[r] : given->second;
      const std::string key = std::string("key 'data.") + r + "'";
      if (p.empty()) throw InputError("config", key, "not set and the demo world has no such file");
      if (!fs::exists(p)) throw InputError("config", key, "file not found: " + p.string());
      data_[r] = p;
      data_hash_[r] = sha256_file(p);
    }
    validate_data();
  }

  // Every input file is read with its reader before anything is trained, so a bad record fails
  // the run in seconds, naming file and line (strict), or is skipped and reported (data.lenient).
  void validate_data() {
    static const std::map<std::string, DataFormat> kFormat = {
        {"dcpt", DataFormat::kDcpt},          {"sft", DataFormat::kSft},
        {"dpo", DataFormat::kDpo},            {"cmexam_test", DataFormat::kCMExam},
        {"cmexam_train", DataFormat::kCMExam}, {"huatuo_test", DataFormat::kHuatuo},
        {"rag_corpus", DataFormat::kRag}};
    for (const char* r : kDataRoles) {
      SummaryOptions so;
      so.format = kFormat.at(r);
      so.read.lenient = cfg_.data.lenient;
      const json summary = json::parse(summarize_data_file(data_.at(r), so).dump());
      json check = {{"records", summary.at("rows")}, {"skipped", summary.at("skipped")},
                    {"skipped_records", summary.value("errors", json::array())}};
      if (check["skipped"].get<long>() > 0 && !opt_.quiet)
        fmt::print(stderr, "data.{}: {} bad record(s) skipped (data.lenient), first: {}\n", r,
                   check["skipped"].get<long>(), check["skipped_records"].empty() ? "" : check["skipped_records"][0].get<std::string>());
      data_check_[r] = check;
    }
  }

  static std::string demo_role(const std::string& format, const std::string& stage) {
    if (format == "dcpt" || format == "sft" || format == "dpo") return format;
    if (format == "cmexam") return stage == "eval-train" ? "cmexam_train" : "cmexam_test";
    if (format == "huatuo") return "huatuo_test";
    if (format == "rag") return "rag_corpus";
    return "";
  }

  // ---- checkpoints -------------------------------------------------------------------
  Checkpoint base_checkpoint() {
    const ModelSettings& m = cfg_.model;
    Checkpoint c;
    c.name = "base";
    if (!m.base_checkpoint.empty()) {
      // A given checkpoint (e.g. Baichuan-7B): keyed by its files' names, sizes and times,
      // not their bytes, so a 14 GB checkpoint is not hashed on every run.
      c.dir = m.base_checkpoint;
      if (!fs::is_directory(c.dir))
        throw InputError("config", "key 'model.base_checkpoint'", "not a directory: " + c.dir.string());
      json files = json::array();
      for (auto& e : fs::directory_iterator(c.dir))
        if (e.is_regular_file())
          files.push_back({e.path().filename().string(), e.file_size(),
                           e.last_write_time().time_since_epoch().count()});
      c.hash = sha256_hex(files.dump());
      return c;
    }
    const json& mj = cfg_.json["model"];
    json key = {{"dcpt_data", data_hash_["dcpt"]}, {"sft_data", data_hash_["sft"]}, {"dpo_data", data_hash_["dpo"]},
                {"architecture", mj["architecture"]},
                {"init_seed", mj["init_seed"]}, {"tokenizer_min_frequency", mj["tokenizer_min_frequency"]}};
    json out = node("base-init", key, [&](const CacheNode& n) {
      // The demo's "base model": a tokenizer trained on the DCPT corpus and seeded random
      // weights (the demo has no general-domain pre-training; docs/PIPELINE.md says why).
      // Its characters cover all training text (DCPT, SFT, DPO), as a real tokenizer's would:
      // trained on DCPT alone, SFT/DPO-only characters fell back to bytes and the small model
      // then generated broken byte sequences.
      std::vector<std::string> texts;
      for (auto& doc : read_dcpt(data_.at("dcpt")).records) texts.push_back(doc.text);
      for (const char* role : {"sft", "dpo"}) texts.push_back(read_file(data_.at(role)));
      CharTokenizerTraining tt;
      tt.min_frequency = m.tokenizer_min_frequency;
      CharTokenizer tok = CharTokenizer::train(texts, tt);
      json arch = m.architecture;
      arch["vocab_size"] = tok.vocab_size();
      ModelConfig mc = parse_model_config(arch.dump(), "config: model.architecture");
      fs::path dir = n.dir / "checkpoint";
      init_random_checkpoint(mc, dir, m.init_seed, "fp32");
      tok.save(dir / "tokenizer.json");
      return json{{"checkpoint", dir.string()}, {"parameters", mc.num_parameters()},
                  {"vocab_size", tok.vocab_size()}};
    });
    c.dir = out["checkpoint"].get<std::string>();
    c.hash = out["hash"].get<std::string>();
    return c;
  }

  Checkpoint train_stage(const std::string& stage, const Checkpoint& init) {
    if (cfg_.external_trainers.count(stage)) return train_stage_externally(stage, init);
    json key = {{"stage", stage}, {"settings", cfg_.json["stages"][stage]}, {"init", init.hash},
                {"data", data_hash_[stage]}};
    json out = node("train-" + stage, key, [&](const CacheNode& n) {
      TrainConfig tc = cfg_.stages.at(stage);
      tc.data = data_.at(stage);
      tc.init = init.dir;
      tc.out = n.work();  // checkpoints live here; a killed run resumes from them
      TrainSummary s = run_training_stage(tc, opt_.quiet);
      return json{{"checkpoint", s.model_dir.string()}, {"metrics", s.metrics_file.string()},
                  {"summary", json::parse(s.to_json())}};
    });
    Checkpoint c;
    c.name = stage;
    c.dir = out["checkpoint"].get<std::string>();
    c.hash = out["hash"].get<std::string>();
    c.training_metrics = out["metrics"].get<std::string>();
    c.training_summary = out["summary"];
    return c;
  }

  // A stage run by an existing trainer (trainers/external/): its command with the placeholders
  // filled, its output in the node's log, a resume with {resume_from} when a killed run left
  // checkpoints, and the Hugging Face layout it wrote checked before the node is marked done.
  Checkpoint train_stage_externally(const std::string& stage, const Checkpoint& init) {
    const ExternalTrainer& t = cfg_.external_trainers.at(stage);
    json key = {{"stage", stage}, {"trainer", external_trainer_to_json(t)}, {"init", init.hash},
                {"data", data_hash_[stage]}};
    json out = node("train-" + stage, key, [&](const CacheNode& n) {
      StagePlaceholders p;
      p.base = init.dir.string();
      p.adapter = init.adapter.string();
      p.data = fs::absolute(data_.at(stage)).string();
      p.output_dir = (n.dir / "output").string();
      p.resume_from = newest_hf_checkpoint(p.output_dir);
      p.run_dir = fs::absolute(run_dir_).string();
      p.config = (n.dir / t.config_file).string();
      p.stage = stage;
      fs::create_directories(p.output_dir);
      const fs::path log = n.dir / "train.log";
      if (!opt_.quiet && !p.resume_from.empty())
        fmt::print(stderr, "[train-{}] resuming the external trainer from {}\n", stage, p.resume_from);
      auto r = run_external_trainer(t, p, log, [&](const std::string& line) {
        if (!opt_.quiet) fmt::print(stderr, "[train-{}] {}\n", stage, line);
      });
      if (r.exit_status != 0) {
        std::string tail;
        for (const auto& l : r.tail) tail += "\n  " + l;
        throw std::runtime_error(fmt::format("stage {}: the external trainer exited with status {} (log: {}); its last "
                                             "lines:{}\nNothing after this stage ran; rerun to resume it.",
                                             stage, r.exit_status, log.string(), tail));
      }
      HfOutput o = check_hf_output(p.output_dir, "stage " + stage);
      const fs::path metrics = n.dir / "metrics.jsonl";
      const long steps = trainer_state_to_metrics(p.output_dir, stage, metrics);
      json summary = {{"stage", stage}, {"trainer", "external"}, {"steps", steps}, {"log", log.string()},
                      {"output", o.kind == HfOutputKind::kPeftAdapter ? "peft-adapter" : "full"}};
      return json{{"checkpoint", p.output_dir}, {"metrics", metrics.string()}, {"summary", summary},
                  {"adapter", o.kind == HfOutputKind::kPeftAdapter}, {"adapter_base", init.dir.string()}};
    });
    Checkpoint c;
    c.name = stage;
    c.dir = out["checkpoint"].get<std::string>();
    c.hash = out["hash"].get<std::string>();
    c.training_metrics = out["metrics"].get<std::string>();
    c.training_summary = out["summary"];
    if (out.value("adapter", false)) {
      c.adapter = c.dir;
      c.dir = out["adapter_base"].get<std::string>();
    }
    return c;
  }

  // ---- evaluation --------------------------------------------------------------------
  std::vector<EvalKey> planned_evals() const {
    std::vector<EvalKey> keys;
    const EvalSettings& e = cfg_.eval;
    auto add_for = [&](const std::string& ck, bool rag) {
      std::string model = rag ? ck + "+rag" : ck;
      for (auto& mode : e.cmexam_modes) keys.push_back({model, ck, rag, "cmexam", mode});
      if (e.huatuo) keys.push_back({model, ck, rag, "huatuo26m", "generate"});
    };
    for (auto& ck : e.checkpoints) add_for(ck, false);
    for (auto& ck : cfg_.rag.checkpoints) add_for(ck, true);
    for (auto& k : keys)
      if (!checkpoints_.count(k.checkpoint))
        throw InputError("config", "key 'eval.checkpoints'", "names no checkpoint: '" + k.checkpoint + "'");
    return keys;
  }

  const Bm25Retriever& retriever() {
    if (!retriever_) {
      SegmenterOptions so;
      so.kind = cfg_.rag.segmenter;
      rag_segmenter_ = make_segmenter(so);
      std::vector<std::string> passages;
      for (auto& p : read_rag(data_.at("rag_corpus")).records) passages.push_back(p.text);
      Bm25Options bo;
      bo.k1 = cfg_.rag.k1;
      bo.b = cfg_.rag.b;
      retriever_ = std::make_unique<Bm25Retriever>(std::move(passages), *rag_segmenter_, bo);
    }
    return *retriever_;
  }

  EvalSpec eval_spec(const EvalKey& k) {
    const EvalSettings& e = cfg_.eval;
    const bool cmexam = k.suite == "cmexam";
    EvalSpec s;
    s.suite = k.suite;
    SuiteOptions& o = s.options;
    o.mode = k.mode;
    o.data = data_.at(cmexam ? "cmexam_test" : "huatuo_test");
    o.train_data = data_.at("cmexam_train");
    o.limit = e.limit;
    o.lenient = cfg_.data.lenient;
    o.k_shot = e.k_shot;
    o.seed = e.seed;
    o.continuation = e.continuation;
    o.max_new_tokens = cmexam ? e.cmexam_max_new_tokens : e.huatuo_max_new_tokens;
    if (!cmexam) o.prompt_template = e.huatuo_template;
    o.scoring = cfg_.metrics;
    o.scoring.threads = opt_.threads;
    // A chat model (it carries the template it was fine-tuned with) sees each prompt as one user
    // turn, and patient questions bare, as it learned them, not in the 问/答 completion frame.
    if (auto tpl = read_chat_template(checkpoints_.at(k.checkpoint).dir)) {
      s.wrap.chat_prefix = tpl->turn_prefix();
      s.wrap.chat_suffix = tpl->turn_suffix();
      if (!cmexam && o.prompt_template.empty()) o.prompt_template = "{question}";
    }
    if (k.rag) {
      const RagSettings& r = cfg_.rag;
      const size_t top_k = r.k;
      s.wrap.retrieve = [this, top_k](const std::string& q) {
        std::vector<std::string> out;
        for (auto& hit : retriever().search(q, top_k)) out.push_back(retriever().passage(hit.index));
        return out;
      };
      s.wrap.rag_template = r.prompt_template;
      s.wrap.rag_signature = fmt::format("bm25|k1:{}|b:{}|tok:{}|k:{}", r.k1, r.b, r.segmenter, top_k);
    }
    return s;
  }

  // Who answers a checkpoint's requests: the libtorch engine in this process, or (eval.serve) a
  // server started for it and reached over HTTP. One at a time: each is released after the
  // checkpoint's last evaluation, so a served 7B model and its server are never held twice.
  struct Answerer {
    std::unique_ptr<Backend> engine;     // in-process
    std::unique_ptr<ModelServer> server;  // served
  };

  std::unique_ptr<Backend> served_backend(const ModelServer& server, const fs::path& responses) {
    const ServeCommand& s = *cfg_.eval.serve;
    OpenAIOptions o;
    o.base_urls = {server.base_url()};
    o.served_model = server.served_model();
    o.chat = s.chat;
    o.concurrency = s.concurrency;
    o.tokenizer_mode = s.tokenizer;
    o.timeout_s = s.request_timeout_s;
    o.cache_dir = responses.string();  // a killed evaluation resumes without resending
    return std::make_unique<OpenAIBackend>(o);
  }

  void evaluate_all() {
    auto keys = planned_evals();
    // Served: a checkpoint's evaluations run together (its rag rows too), so one server runs at a
    // time. results.json keeps the planned order either way.
    std::vector<size_t> order(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) order[i] = i;
    if (cfg_.eval.serve) {
      std::map<std::string, size_t> first;
      for (size_t i = keys.size(); i-- > 0;) first[keys[i].checkpoint] = i;
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return first[keys[a].checkpoint] < first[keys[b].checkpoint]; });
    }
    std::map<std::string, size_t> last_use;  // checkpoint -> position in `order` of its last evaluation
    for (size_t j = 0; j < order.size(); ++j) last_use[keys[order[j]].checkpoint] = j;
    std::map<std::string, Answerer> answerers;  // started on demand
    std::vector<std::optional<EvalNode>> done(keys.size());
    for (size_t j = 0; j < order.size(); ++j) {
      const EvalKey& k = keys[order[j]];
      EvalSpec spec = eval_spec(k);
      json spec_key = spec.to_json();
      spec_key.erase("data");
      spec_key.erase("train_data");
      const bool cmexam = k.suite == "cmexam";
      json key = {{"checkpoint", checkpoints_.at(k.checkpoint).hash},
                  {"spec", spec_key},
                  {"data", data_hash_[cmexam ? "cmexam_test" : "huatuo_test"]},
                  {"train_data", spec.options.k_shot > 0 ? data_hash_["cmexam_train"] : ""},
                  {"rag_corpus", k.rag ? data_hash_["rag_corpus"] : ""},
                  {"metrics", cfg_.json["metrics"]},
                  {"batch_size", cfg_.json["eval"]["batch_size"]}};
      // Who answers this row: a server something else runs (eval.backend.models), one the pipeline
      // starts (eval.serve), or the in-process engine. The cache key says which (an external
      // server is known by its served model's name: what it serves behind that name is its own).
      const std::string* external_model = nullptr;
      if (cfg_.eval.backend && cfg_.eval.backend->models.count(k.checkpoint))
        external_model = &cfg_.eval.backend->models.at(k.checkpoint);
      if (external_model) {
        const ServedRowsSettings& b = *cfg_.eval.backend;
        key["backend"] = {{"kind", "openai"}, {"served_model", *external_model}, {"chat", b.chat}, {"tokenizer", b.tokenizer}};
      } else if (cfg_.eval.serve) {
        key["serve"] = serve_command_to_json(*cfg_.eval.serve);
      }
      if (cfg_.eval.dtype != "fp32") key["dtype"] = cfg_.eval.dtype;  // fp32: keys as before the setting existed
      std::string name = fmt::format("eval-{}-{}-{}", k.model, k.suite, k.mode);
      std::optional<ScoreReport> fresh;
      json out = node(name, key, [&](const CacheNode& n) {
        const Checkpoint& ck = checkpoints_.at(k.checkpoint);
        Answerer& a = answerers[k.checkpoint];
        std::unique_ptr<Backend> served;
        Backend* backend = nullptr;
        if (external_model) {
          const ServedRowsSettings& b = *cfg_.eval.backend;
          OpenAIOptions o;
          o.base_urls = b.base_urls;
          o.served_model = *external_model;
          o.chat = b.chat;
          o.concurrency = b.concurrency;
          o.tokenizer_mode = b.tokenizer;
          o.timeout_s = b.request_timeout_s;
          o.cache_dir = (n.dir / "responses").string();
          if (!b.api_key_env.empty()) {
            const char* v = std::getenv(b.api_key_env.c_str());
            if (!v || !*v)
              throw InputError("config", "key 'eval.backend.api_key_env'",
                               "the environment variable " + b.api_key_env + " is unset or empty");
            o.api_key = v;
          }
          served = std::make_unique<OpenAIBackend>(o);
          backend = served.get();
        } else if (cfg_.eval.serve) {
          if (!a.server) {
            if (!ck.adapter.empty() && !serve_command_uses(*cfg_.eval.serve, "{adapter}"))
              throw InputError("config", "key 'eval.serve.command'",
                               "stage " + k.checkpoint + " wrote a PEFT adapter (" + ck.adapter.string() +
                                   "): the command must pass {adapter} to the server, or it would serve the base");
            ServePlaceholders p{ck.dir.string(), ck.adapter.string(), k.checkpoint, run_dir_.string()};
            const fs::path log = run_dir_ / "serve" / (k.checkpoint + "-" + ck.hash.substr(0, 12) + ".log");
            if (!opt_.quiet) fmt::print(stderr, "[serve-{}] starting the server (log: {})\n", k.checkpoint, log.string());
            a.server = std::make_unique<ModelServer>(*cfg_.eval.serve, p, log, "checkpoint '" + k.checkpoint + "'");
          }
          served = served_backend(*a.server, n.dir / "responses");
          backend = served.get();
        } else {
          if (!a.engine) {
            auto factory = cli::local_backend_factory();
            if (!factory) throw std::logic_error("pipeline: no local engine in this binary");
            cli::LocalEngineSettings ls;
            ls.batch_size = cfg_.eval.batch_size;
            ls.dtype = cfg_.eval.dtype;
            ls.adapter = ck.adapter.string();  // a PEFT adapter an external trainer wrote, merged at load
            a.engine = factory(ck.dir.string(), ls).backend;
          }
          backend = a.engine.get();
        }
        std::unique_ptr<Progress> bar;
        long reported = 0;
        auto progress = [&](long done, long total) {
          if (!bar) bar = std::make_unique<Progress>(name, total, opt_.quiet);
          bar->advance(done - reported);  // Progress counts increments; run_evaluation reports totals
          reported = done;
        };
        EvalResult r;
        try {
          r = run_evaluation(*backend, spec, n.dir / "out", progress);
        } catch (const std::exception& e) {
          // A server that died mid-evaluation shows up as failed requests: say what happened to it.
          if (a.server)
            if (std::string gone = a.server->exit_report(); !gone.empty()) throw std::runtime_error(gone);
          throw;
        }
        if (bar) bar->finish();
        fresh = std::move(r.report);
        return json{{"samples", r.samples.string()}, {"metrics_file", (n.dir / "out" / "metrics.json").string()},
                    {"n", r.n}};
      });
      if (last_use[k.checkpoint] == j) answerers.erase(k.checkpoint);  // stops its server, frees its weights
      ScoreReport report =
          fresh ? std::move(*fresh) : score_report_from_json(json::parse(read_file(out["metrics_file"].get<std::string>())));
      done[order[j]] = EvalNode{k, out, std::move(report)};
    }
    for (auto& e : done) evals_.push_back(std::move(*e));
  }

  // ---- comparisons -------------------------------------------------------------------
  void compare_all() {
    // Every row against the base model (the leaderboard's deltas) and each stage against the
    // one before it (whether each stage gains, as the paper reports).
    std::vector<std::pair<std::string, std::string>> pairs;
    auto has_model = [&](const std::string& m) {
      for (auto& e : evals_)
        if (e.key.model == m) return true;
      return false;
    };
    for (auto& e : evals_)
      if (e.key.model != "base" && has_model("base")) pairs.push_back({"base", e.key.model});
    std::map<std::string, std::string> previous = {{"sft", "dcpt"}, {"dpo", "sft"}};
    for (auto& [m, prev] : previous)
      if (has_model(m) && has_model(prev)) pairs.push_back({prev, m});
    for (auto& m : cfg_.rag.checkpoints)
      if (has_model(m + "+rag") && has_model(m)) pairs.push_back({m, m + "+rag"});
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());

    const CompareSettings& c = cfg_.compare;
    for (auto& [a, b] : pairs) {
      for (auto& ea : evals_) {
        if (ea.key.model != a) continue;
        for (auto& eb : evals_) {
          if (eb.key.model != b || eb.key.suite != ea.key.suite || eb.key.mode != ea.key.mode) continue;
          json key = {{"a", ea.outputs["hash"]}, {"b", eb.outputs["hash"]}, {"compare", cfg_.json["compare"]},
                      {"metrics", cfg_.json["metrics"]}};
          std::string name = fmt::format("compare-{}-vs-{}-{}-{}", b, a, ea.key.suite, ea.key.mode);
          std::optional<ComparisonReport> fresh;
          json out = node(name, key, [&](const CacheNode&) {
            SuiteOptions so;
            so.mode = ea.key.mode;
            so.scoring = cfg_.metrics;
            fresh = compare_samples(ea.outputs["samples"].get<std::string>(), eb.outputs["samples"].get<std::string>(),
                                    ea.key.suite, so, c.resamples, c.seed);
            return json{{"result", fresh->to_json()}};
          });
          comparisons_.push_back({a, b, ea.key.suite, ea.key.mode,
                                  fresh ? std::move(*fresh) : comparison_report_from_json(out["result"])});
        }
      }
    }
  }

  // ---- results -----------------------------------------------------------------------
  fs::path write_results(double wall_seconds) {
    ResultsInput in;
    in.run_dir = run_dir_;
    in.alpha = cfg_.compare.alpha;
    for (auto& e : evals_) {
      EvalRecord r;
      r.model = e.key.model;
      r.checkpoint_name = e.key.checkpoint;
      r.checkpoint_dir = checkpoints_.at(e.key.checkpoint).dir;
      r.rag = e.key.rag;
      r.report = e.report;
      r.samples = e.outputs["samples"].get<std::string>();
      in.evals.push_back(std::move(r));
    }
    for (auto& [name, ck] : checkpoints_)
      if (!ck.training_metrics.empty())
        in.training[name] = TrainingRecord{ck.training_metrics, ck.training_summary};
    for (auto& c : comparisons_) in.comparisons.push_back(c);

    json manifest;
    manifest["run_name"] = cfg_.run_name;
    manifest["config"] = cfg_.json;
    manifest["qilin_bench_version"] = QILIN_VERSION;
    manifest["git_commit"] = QILIN_GIT_COMMIT;
    manifest["icu_version"] = U_ICU_VERSION;
    manifest["started"] = started_;
    manifest["finished"] = utc_now();
    manifest["wall_seconds"] = wall_seconds;
    manifest["machine"] = machine_info();
    manifest["nodes"] = node_log_;
    manifest["nodes_run"] = nodes_run_;
    manifest["nodes_cached"] = nodes_cached_;
    json hashes;
    for (auto& [role, h] : data_hash_) {
      hashes[role] = {{"file", data_.at(role).string()}, {"sha256", h}};
      for (auto& [k, v] : data_check_[role].items()) hashes[role][k] = v;
    }
    manifest["data"] = hashes;
    in.manifest = manifest;

    reports::Results results = build_results(in);
    fs::path path = run_dir_ / "results.json";
    reports::save_results(path, results);
    write_file_atomic(run_dir_ / "manifest.json", manifest.dump(2) + "\n");
    reports::RunResults rr{cfg_.run_name, run_dir_, results};
    reports::write_reports({rr}, run_dir_);
    print_summary(results, stdout);
    return path;
  }

  const PipelineConfig& cfg_;
  PipelineOptions opt_;
  fs::path run_dir_;
  NodeCache cache_;
  std::string started_;
  std::map<std::string, fs::path> data_;
  std::map<std::string, std::string> data_hash_;
  std::map<std::string, json> data_check_;  // role -> records, skipped, skipped_records
  std::map<std::string, Checkpoint> checkpoints_;
  std::vector<EvalNode> evals_;
  std::vector<ComparisonRecord> comparisons_;
  std::unique_ptr<Segmenter> rag_segmenter_;
  std::unique_ptr<Bm25Retriever> retriever_;
  json node_log_ = json::array();
  int nodes_run_ = 0, nodes_cached_ = 0;
};

}  // namespace

PipelineOutcome run_pipeline(const PipelineConfig& config, const std::string& target, const PipelineOptions& options) {
  Pipeline p(config, options);
  return p.run(target);
}

}  // namespace qb
