// One blocking HTTP request with libcurl (no torch). Each thread has its own easy handle (reused,
// so its connections are kept alive), so calls from several threads run in parallel; the openai
// backend bounds how many.
#pragma once

#include <string>
#include <vector>

namespace qb {

struct HttpResponse {
  int status = 0;       // 0: no HTTP answer (connection refused, timeout, …): see `error`
  std::string body;
  std::string error;    // libcurl's message when status is 0
};

// method "GET" or "POST" (body sent as application/json). headers: "Name: value" lines.
HttpResponse http_request(const std::string& method, const std::string& url, const std::string& body,
                          const std::vector<std::string>& headers, double timeout_s);

// "scheme://host:port" of a URL (user, password, path and query dropped), for logs and metrics.
std::string url_origin(const std::string& url);

}  // namespace qb
