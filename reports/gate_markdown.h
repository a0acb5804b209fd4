// `qilin-bench gate --summary FILE` (and $GITHUB_STEP_SUMMARY): the gate's verdicts as
// GitHub-flavoured Markdown. A heading with the verdict, the regressions first (one line each,
// in the same words as the JUnit failures), then every compared metric in a table folded into
// <details>.
#pragma once

#include <string>

#include "reports/gate_report.h"

namespace qb::reports {

std::string gate_markdown(const GateReport& report);

// A table cell: '|' and '\' escaped, line breaks as spaces, & < > as HTML references (GitHub
// renders inline HTML in cells).
std::string markdown_cell(const std::string& text);

}  // namespace qb::reports
