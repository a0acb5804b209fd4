// `qilin-bench gate --junit FILE`: the gate's verdicts as JUnit XML, the test-report format
// GitLab (artifacts:reports:junit), Jenkins (junit step) and the common GitHub Actions reporters
// read. One <testsuite> per (model row, suite, mode), one <testcase> per metric in it; a real
// regression or a missing metric is a <failure> whose message gives the change, the tolerance,
// the interval and the p-value. The schema the output is tested against: tests/reports/junit.xsd.
#pragma once

#include <string>

#include "reports/gate_report.h"

namespace qb::reports {

std::string gate_junit_xml(const GateReport& report);

// Text for XML character data and attribute values: & < > " ' as references (html_escape), line breaks and
// tabs in attributes as character references (else parsers fold them into spaces), and the
// control characters XML 1.0 forbids replaced by U+FFFD.
std::string xml_escape(const std::string& text, bool attribute);

}  // namespace qb::reports
