// Suites by name. CMExam ("cmexam") and Huatuo-26M ("huatuo26m", alias "huatuo") are registered
// on first use; a program (or a test) adds its own with register_suite before evaluating.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "evals/suite.h"

namespace qb {

// Adds `suite` under suite->name() (and the given aliases). Registering a taken name throws
// std::logic_error.
void register_suite(std::unique_ptr<Suite> suite, const std::vector<std::string>& aliases = {});

// The suite registered under `name` or an alias; InputError naming the known suites otherwise.
const Suite& find_suite(const std::string& name);

// The canonical name for `name` (an alias resolves to its suite's name); InputError as above.
std::string canonical_suite_name(const std::string& name);

// Every registered suite's name, in registration order.
std::vector<std::string> suite_names();

}  // namespace qb
