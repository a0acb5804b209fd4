#include "reports/gate_junit.h"

#include <fmt/format.h>

#include <map>

#include "reports/gate_text.h"
#include "reports/html_escape.h"

namespace qb::reports {

// The five markup characters as html_escape writes them (&#39; is XML too); then what only XML
// needs: control characters it cannot hold, and line breaks and tabs kept through attribute
// normalisation.
std::string xml_escape(const std::string& text, bool attribute) {
  const std::string escaped = html_escape(text);
  std::string out;
  out.reserve(escaped.size());
  for (char ch : escaped) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n' || c == '\t')
      out += attribute ? (c == '\n' ? "&#10;" : "&#9;") : std::string(1, ch);
    else if (c == '\r')
      out += "&#13;";
    else if (c < 0x20 || c == 0x7F)
      out += "\xEF\xBF\xBD";  // U+FFFD: XML 1.0 has no way to write these
    else
      out += ch;
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
