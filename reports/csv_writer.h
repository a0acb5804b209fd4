// RFC 4180 CSV output: fields joined by commas, records ended by CRLF, a field quoted when it
// holds a comma, a double quote, CR or LF (quotes doubled inside). Text is written as given (UTF-8).
#pragma once

#include <string>
#include <vector>

namespace qb::reports {

std::string csv_field(const std::string& text);
std::string csv_record(const std::vector<std::string>& fields);  // ends with "\r\n"

}  // namespace qb::reports
