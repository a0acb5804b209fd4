#include "backends/http_client.h"

#include <curl/curl.h>

#include <mutex>
#include <stdexcept>

namespace qb {

namespace {

size_t append_body(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

void global_init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per thread, reset before each request: libcurl keeps the handle's connections
// open, so a thread's requests to one server reuse a connection (and its TLS session) instead of
// a new handshake each time.
struct ThreadHandle {
  CURL* curl = nullptr;
  ~ThreadHandle() {
    if (curl) curl_easy_cleanup(curl);
  }
};

CURL* thread_handle() {
  thread_local ThreadHandle h;
  if (!h.curl) h.curl = curl_easy_init();
  else curl_easy_reset(h.curl);
  return h.curl;
}

}  // namespace

HttpResponse http_request(const std::string& method, const std::string& url, const std::string& body,
                          const std::vector<std::string>& headers, double timeout_s) {
  global_init_once();
  HttpResponse r;
  CURL* curl = thread_handle();
  if (!curl) throw std::runtime_error("libcurl: cannot create a handle");
  curl_slist* list = nullptr;
  for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
  if (method == "POST") list = curl_slist_append(list, "Content-Type: application/json");
  char err[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, err);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_s * 1000));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(std::min(timeout_s, 30.0) * 1000));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM-based DNS timeouts
  if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  const CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
  } else {
    r.error = err[0] ? err : curl_easy_strerror(rc);
  }
  curl_slist_free_all(list);
  return r;
}

std::string url_origin(const std::string& url) {
  const size_t scheme_end = url.find("://");
  const size_t host_start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  size_t host_end = url.find_first_of("/?#", host_start);
  if (host_end == std::string::npos) host_end = url.size();
  std::string host = url.substr(host_start, host_end - host_start);
  if (const size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);  // credentials
  return (scheme_end == std::string::npos ? std::string("http") : url.substr(0, scheme_end)) + "://" + host;
}

}  // namespace qb
