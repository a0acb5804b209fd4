// Escaping for text and attribute values in HTML and inline SVG. Every string that comes from
// results.json passes through here, so data cannot inject markup or script.
#pragma once

#include <string>

namespace qb::reports {

// Replaces & < > " ' with character references. Safe in text and in quoted attribute values.
std::string html_escape(const std::string& text);

}  // namespace qb::reports
