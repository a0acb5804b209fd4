#include "backends/openai_backend.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "backends/http_client.h"
#include "backends/openai_logprobs.h"

namespace qb {

using nlohmann::json;

namespace {

// A 4xx answer other than 429: the request itself is wrong, retrying cannot help.
struct ClientError : std::runtime_error {
  ClientError(int status, std::string message, std::string what)
      : std::runtime_error(std::move(what)), status(status), message(std::move(message)) {}
  int status;
  std::string message;
};

// "http://h:8000/v1/" -> "http://h:8000": endpoints are appended with their own /v1.
std::string normalize_base(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() >= 3 && url.compare(url.size() - 3, 3, "/v1") == 0) url.resize(url.size() - 3);
  return url;
}

// The server's own words from an error body ({"error": {"message"}} or {"message"} or the text).
std::string server_message(const std::string& body) {
  try {
    json j = json::parse(body);
    if (j.contains("error") && j["error"].is_object() && j["error"].contains("message"))
      return j["error"]["message"].get<std::string>();
    if (j.contains("error") && j["error"].is_string()) return j["error"].get<std::string>();
    if (j.contains("message") && j["message"].is_string()) return j["message"].get<std::string>();
  } catch (const std::exception&) {
  }
  return body.size() > 500 ? body.substr(0, 500) + "…" : body;
}

size_t common_prefix(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

}  // namespace

struct OpenAIBackend::Impl {
  OpenAIOptions opt;
  ResponseCache cache;
  std::string model_id;
  std::atomic<uint64_t> next_replica{0};
  std::atomic<int64_t> http_requests{0}, cache_hits{0}, retries{0}, model_checks{0};
  std::vector<std::atomic<int64_t>> per_replica;
  std::atomic<bool> max_tokens_zero_refused{false};

  explicit Impl(OpenAIOptions o) : opt(std::move(o)), cache(opt.cache_dir), per_replica(opt.base_urls.size()) {}

  std::vector<std::string> headers() const {
    std::vector<std::string> h;
    if (!opt.api_key.empty()) h.push_back("Authorization: Bearer " + opt.api_key);
    return h;
  }

  // One request with retries over the replicas; the cached answer when there is one.
  json send(const std::string& item, const std::string& method, const std::string& path, const json& body,
            bool use_cache = true) {
    const std::string text = body.is_null() ? "" : body.dump();
    const std::string key = ResponseCache::key(path, text);
    if (use_cache)
      if (auto hit = cache.get(key)) {
        // An entry that does not parse (written by something else: writes here are atomic) is
        // a miss, and is replaced below.
        json j = json::parse(*hit, nullptr, false);
        if (!j.is_discarded()) {
          ++cache_hits;
          return j;
        }
      }
    const size_t n = opt.base_urls.size();
    const size_t first = static_cast<size_t>(next_replica++ % n);
    std::string last;
    for (int attempt = 0; attempt <= opt.max_retries; ++attempt) {
      if (attempt > 0) {
        ++retries;
        const double delay = std::min(30.0, opt.backoff_s * std::pow(2.0, attempt - 1));
        std::this_thread::sleep_for(std::chrono::duration<double>(delay));
      }
      const size_t r = (first + static_cast<size_t>(attempt)) % n;
      const std::string url = opt.base_urls[r] + path;
      HttpResponse resp = http_request(method, url, text, headers(), opt.timeout_s);
      // The start-up GET /v1/models is counted apart: http_requests counts the items' requests
      // (what a resumed or cached rerun must not resend).
      ++(path == "/v1/models" ? model_checks : http_requests);
      ++per_replica[r];
      if (resp.status == 200) {
        json j;
        try {
          j = json::parse(resp.body);
        } catch (const json::parse_error& e) {
          throw std::runtime_error(fmt::format("openai backend: {}: {} {} answered 200 with a body that is not JSON ({})",
                                               item, method, url_origin(url) + path, e.what()));
        }
        if (use_cache) cache.put(key, resp.body);
        return j;
      }
      const std::string where = fmt::format("{} {}{}", method, url_origin(opt.base_urls[r]), path);
      if (resp.status == 0) {
        last = fmt::format("{}: no answer ({})", where, resp.error);
      } else if (resp.status == 429 || resp.status >= 500) {
        last = fmt::format("{} answered {}: {}", where, resp.status, server_message(resp.body));
      } else {
        const std::string msg = server_message(resp.body);
        throw ClientError(resp.status, msg,
                          fmt::format("openai backend: {}: {} answered {}: {}", item, where, resp.status, msg));
      }
    }
    throw std::runtime_error(fmt::format("openai backend: {}: gave up after {} attempt{} over {} replica(s); last: {}",
                                         item, opt.max_retries + 1, opt.max_retries == 0 ? "" : "s", n, last));
  }

  // fn(i) for i in [0, n) on `concurrency` threads; the first exception stops the rest and is rethrown.
  void parallel(size_t n, const std::function<void(size_t)>& fn) {
    std::atomic<size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex mu;
    auto worker = [&] {
      for (size_t i; !failed && (i = next++) < n;) {
        try {
          fn(i);
        } catch (...) {
          std::lock_guard<std::mutex> lock(mu);
          if (!error) error = std::current_exception();
          failed = true;
        }
      }
    };
    const size_t threads = std::min(n, static_cast<size_t>(std::max(1, opt.concurrency)));
    std::vector<std::thread> pool;
    for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
  }

  std::vector<int64_t> token_ids(const std::string& item, const std::string& text) {
    std::vector<int64_t> ids;
    if (opt.tokenizer_mode == "local") {
      if (opt.bos_id >= 0) ids.push_back(opt.bos_id);
      auto body = opt.encode(text);
      ids.insert(ids.end(), body.begin(), body.end());
      return ids;
    }
    // "server": vLLM's /tokenize with special tokens (BOS) added, as the server would itself.
    json r = send(item, "POST", "/tokenize", {{"model", opt.served_model}, {"prompt", text}});
    if (!r.contains("tokens") || !r["tokens"].is_array())
      throw std::runtime_error(fmt::format("openai backend: {}: /tokenize answered without a 'tokens' list", item));
    return r["tokens"].get<std::vector<int64_t>>();
  }

  LoglikResult loglik_one(const LoglikRequest& req);
  GenerateResult generate_one(const GenerateRequest& req);
};

OpenAIBackend::OpenAIBackend(OpenAIOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  auto& o = impl_->opt;
  if (o.base_urls.empty()) throw std::invalid_argument("openai backend: no --base-url");
  for (auto& u : o.base_urls) u = normalize_base(u);
  if (o.tokenizer_mode != "local" && o.tokenizer_mode != "server" && o.tokenizer_mode != "none")
    throw std::invalid_argument("openai backend: tokenizer mode must be local, server or none");
  // The served model must be one the server lists; its id is recorded (never cached: it is the
  // server's current state).
  json models = impl_->send("GET /v1/models", "GET", "/v1/models", nullptr, false);
  std::vector<std::string> ids;
  if (models.contains("data") && models["data"].is_array())
    for (const auto& m : models["data"])
      if (m.contains("id") && m["id"].is_string()) ids.push_back(m["id"].get<std::string>());
  if (std::find(ids.begin(), ids.end(), o.served_model) == ids.end()) {
    std::string list;
    for (const auto& i : ids) list += (list.empty() ? "'" : ", '") + i + "'";
    throw std::runtime_error(fmt::format("openai backend: the server at {} does not serve '{}'; it lists {}",
                                         url_origin(o.base_urls[0]), o.served_model, list.empty() ? "none" : list));
  }
  impl_->model_id = o.served_model;
}

OpenAIBackend::~OpenAIBackend() = default;

std::vector<LoglikResult> OpenAIBackend::loglik(const std::vector<LoglikRequest>& requests) {
  if (impl_->opt.chat)
    throw std::invalid_argument(
        "openai backend: --chat applies to generate mode; log-likelihood needs /v1/completions (drop --chat)");
  std::vector<LoglikResult> out(requests.size());
  impl_->parallel(requests.size(), [&](size_t i) { out[i] = impl_->loglik_one(requests[i]); });
  return out;
}

LoglikResult OpenAIBackend::Impl::loglik_one(const LoglikRequest& req) {
  const std::string item = "item '" + req.id + "'";
  const size_t n = req.continuations.size();
  LoglikResult res;
  res.logprob.assign(n, 0.0);
  res.n_tokens.assign(n, 0);
  res.n_chars.assign(n, 0);
  res.is_greedy.assign(n, true);
  for (size_t i = 0; i < n; ++i) res.n_chars[i] = static_cast<int>(utf8_code_points(req.continuations[i]));
  if (n == 0) return res;

  const bool use_ids = opt.tokenizer_mode != "none";
  std::vector<std::vector<int64_t>> whole(n);
  std::vector<size_t> split(n, 0);
  json prompts = json::array();
  if (use_ids) {
    const auto ctx = token_ids(item, req.context);
    for (size_t i = 0; i < n; ++i) {
      whole[i] = token_ids(item, req.context + req.continuations[i]);
      split[i] = std::max<size_t>(common_prefix(whole[i], ctx), 1);  // token 0 has no prediction
      prompts.push_back(whole[i]);
    }
  } else {
    for (size_t i = 0; i < n; ++i) prompts.push_back(req.context + req.continuations[i]);
  }
  json body = {{"model", opt.served_model}, {"prompt", prompts}, {"max_tokens", max_tokens_zero_refused ? 1 : 0},
               {"echo", true},          {"logprobs", 1},       {"temperature", 0}};
  json r;
  try {
    r = send(item, "POST", "/v1/completions", body);
  } catch (const ClientError& e) {
    // Servers that cannot echo without generating (older vLLM, others) refuse max_tokens 0:
    // ask for one token and ignore it, from now on.
    if (e.status != 400 || body["max_tokens"] != 0) throw;
    max_tokens_zero_refused = true;
    body["max_tokens"] = 1;
    r = send(item, "POST", "/v1/completions", body);
  }
  const auto choices = choices_by_index(r, n, item);
  for (size_t i = 0; i < n; ++i) {
    const PromptLogprobs lp = prompt_logprobs(*choices[i], item, i);
    size_t begin, end;
    if (use_ids) {
      if (lp.token_logprobs.size() < whole[i].size())
        throw std::runtime_error(fmt::format("openai backend: {}: choice {} has {} token log-probs for a prompt of {} "
                                             "tokens",
                                             item, i, lp.token_logprobs.size(), whole[i].size()));
      begin = split[i];
      end = whole[i].size();
    } else {
      std::tie(begin, end) =
          continuation_span(lp, utf8_code_points(req.context), utf8_code_points(req.context + req.continuations[i]));
    }
    for (size_t t = begin; t < end; ++t) {
      res.logprob[i] += lp.token_logprobs[t];
      if (!lp.is_top[t]) res.is_greedy[i] = false;
    }
    res.n_tokens[i] = static_cast<int>(end - begin);
  }
  return res;
}

std::vector<GenerateResult> OpenAIBackend::generate(const std::vector<GenerateRequest>& requests) {
  std::vector<GenerateResult> out(requests.size());
  impl_->parallel(requests.size(), [&](size_t i) { out[i] = impl_->generate_one(requests[i]); });
  return out;
}

GenerateResult OpenAIBackend::Impl::generate_one(const GenerateRequest& req) {
  const std::string item = "item '" + req.id + "'";
  GenerateResult g;
  if (req.max_new_tokens == 0) {
    g.finish_reason = "length";
    return g;
  }
  if (req.temperature > 0)
    throw std::invalid_argument(fmt::format("openai backend: {}: sampling (temperature {}) is not supported; the "
                                            "openai backend decodes greedily",
                                            item, req.temperature));
  json body = {{"model", opt.served_model}, {"max_tokens", req.max_new_tokens}, {"temperature", 0}};
  if (!req.stop.empty()) body["stop"] = req.stop;
  std::string path = "/v1/completions";
  if (opt.chat) {
    path = "/v1/chat/completions";
    body["messages"] = json::array({{{"role", "user"}, {"content", req.prompt}}});
  } else {
    body["prompt"] = req.prompt;
  }
  json r = send(item, "POST", path, body);
  const json& choice = *choices_by_index(r, 1, item)[0];
  return generation_result(choice, r, opt.chat, item);
}

BackendInfo OpenAIBackend::info() const {
  BackendInfo b;
  b.kind = "openai";
  b.model = impl_->opt.served_model;
  b.model_id = impl_->model_id;
  for (const auto& u : impl_->opt.base_urls) b.hosts.push_back(url_origin(u));
  b.tokenizer = impl_->opt.tokenizer_mode == "local" ? impl_->opt.tokenizer_signature : "";
  return b;
}

json OpenAIBackend::counters() const {
  json by = json::object();
  for (size_t r = 0; r < impl_->opt.base_urls.size(); ++r)
    by[url_origin(impl_->opt.base_urls[r])] = impl_->per_replica[r].load();
  return {{"http_requests", impl_->http_requests.load()},
          {"cache_hits", impl_->cache_hits.load()},
          {"retries", impl_->retries.load()},
          {"model_checks", impl_->model_checks.load()},
          {"requests_by_replica", by},
          {"concurrency", impl_->opt.concurrency},
          {"max_tokens_zero_refused", impl_->max_tokens_zero_refused.load()}};
}

}  // namespace qb
