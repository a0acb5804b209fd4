// GitHub Actions workflow commands for the gate's failures: one `::error title=…::message` line
// per real regression or missing metric, printed on stdout when GITHUB_ACTIONS=true so that the
// run's summary and the pull request show them. Values are escaped as the Actions runner
// requires (actions/toolkit `escapeData` / `escapeProperty`): '%', CR and LF as %25, %0D, %0A,
// and in properties also ':' and ',' as %3A and %2C.
#pragma once

#include <string>

#include "reports/gate_report.h"

namespace qb::reports {

std::string github_escape_data(const std::string& text);
std::string github_escape_property(const std::string& text);

// Nothing when no row failed.
std::string github_error_annotations(const GateReport& report);

}  // namespace qb::reports
