// An error answered to an HTTP client in the OpenAI shape
//   {"error": {"message": ..., "type": ..., "param": ..., "code": ...}}
// with a 4xx/5xx status. Thrown by the request parsers and the server; the server turns it into
// the response and keeps serving. `message` always names the request and what is wrong with it.
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace qb::serve {

class ApiError : public std::runtime_error {
 public:
  ApiError(int status, std::string message, std::string type = "invalid_request_error", std::string param = "",
           std::string code = "")
      : std::runtime_error(message), status(status), type(std::move(type)), param(std::move(param)),
        code(std::move(code)) {}

  // param and code are JSON null when empty (as the OpenAI API answers).
  nlohmann::json to_json() const {
    nlohmann::json e = {{"message", what()}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
    if (!param.empty()) e["param"] = param;
    if (!code.empty()) e["code"] = code;
    return {{"error", e}};
  }

  int status;
  std::string type, param, code;
};

// 400 invalid_request_error about one request field.
inline ApiError bad_field(const std::string& param, const std::string& message) {
  return ApiError(400, message, "invalid_request_error", param);
}

}  // namespace qb::serve
