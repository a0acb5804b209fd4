#include "reports/gate_junit.h"

#include <fmt/format.h>

#include <map>

#include "reports/gate_text.h"

namespace qb::reports {

std::string xml_escape(const std::string& text, bool attribute) {
  std::string out;
  out.reserve(text.size() + 16);
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += attribute ? "&#10;" : "\n"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += attribute ? "&#9;" : "\t"; break;
      default:
        if (c < 0x20 || c == 0x7F)
          out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 has no way to write these
        else
          out += ch;
    }
  }
  return out;
}

namespace {

std::string attr(const std::string& s) { return xml_escape(s, true); }

}  // namespace

std::string gate_junit_xml(const GateReport& report) {
  // Rows grouped by (model, suite, mode) in the order the gate compared them.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const GateRow*>> groups;
  for (const GateRow& row : report.rows) {
    const std::string key = row.model + " / " + row.suite + " / " + row.mode;
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(&row);
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += fmt::format("<testsuites name=\"qilin-bench gate\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
                     report.rows.size(), report.failures);
  for (const std::string& key : order) {
    const auto& rows = groups[key];
    size_t failures = 0;
    for (const GateRow* row : rows) failures += row->failed;
    out += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
                       attr(key), rows.size(), failures);
    out += "    <properties>\n";
    out += fmt::format("      <property name=\"baseline\" value=\"{}\"/>\n", attr(report.baseline_file));
    out += fmt::format("      <property name=\"current\" value=\"{}\"/>\n", attr(report.current_file));
    out += fmt::format("      <property name=\"alpha\" value=\"{}\"/>\n", report.alpha);
    out += "    </properties>\n";
    for (const GateRow* row : rows) {
      const std::string classname = "qilin-bench.gate." + row->model + "." + row->suite + "." + row->mode;
      out += fmt::format("    <testcase name=\"{}\" classname=\"{}\" time=\"0\">\n", attr(row->metric), attr(classname));
      if (row->failed)
        out += fmt::format("      <failure type=\"{}\" message=\"{}\">{}</failure>\n", attr(row->verdict),
                           attr(gate_row_sentence(*row, report.alpha)), xml_escape(gate_row_details(*row, report.alpha), false));
      else
        out += fmt::format("      <system-out>{}</system-out>\n", xml_escape(gate_row_sentence(*row, report.alpha), false));
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

}  // namespace qb::reports
