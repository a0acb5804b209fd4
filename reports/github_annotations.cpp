#include "reports/github_annotations.h"

#include "reports/gate_text.h"

namespace qb::reports {

namespace {

std::string escape(const std::string& text, bool property) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '%': out += "%25"; break;
      case '\r': out += "%0D"; break;
      case '\n': out += "%0A"; break;
      case ':': out += property ? "%3A" : ":"; break;
      case ',': out += property ? "%2C" : ","; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

std::string github_escape_data(const std::string& text) { return escape(text, false); }
std::string github_escape_property(const std::string& text) { return escape(text, true); }

std::string github_error_annotations(const GateReport& report) {
  std::string out;
  for (const GateRow& row : report.rows) {
    if (!row.failed) continue;
    const std::string title = "qilin-bench gate: " + row.verdict + " " + row.model + " " + row.suite + "/" + row.mode +
                              " " + row.metric;
    out += "::error title=" + github_escape_property(title) + "::" +
           github_escape_data(gate_row_sentence(row, report.alpha)) + "\n";
  }
  return out;
}

}  // namespace qb::reports
