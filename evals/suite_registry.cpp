#include "evals/suite_registry.h"

#include <mutex>
#include <stdexcept>

#include "common/error.h"
#include "evals/cmexam_suite.h"
#include "evals/huatuo_suite.h"

namespace qb {

namespace {

struct Entry {
  std::unique_ptr<Suite> suite;
  std::vector<std::string> aliases;
};

struct Registry {
  std::mutex mu;
  std::vector<Entry> entries;
  Registry() {
    entries.push_back({std::make_unique<CMExamSuite>(), {}});
    entries.push_back({std::make_unique<HuatuoSuite>(), {"huatuo"}});
  }
  const Entry* find(const std::string& name) {
    for (const auto& e : entries) {
      if (e.suite->name() == name) return &e;
      for (const auto& a : e.aliases)
        if (a == name) return &e;
    }
    return nullptr;
  }
};

Registry& registry() {
  static Registry r;
  return r;
}

std::string known_list(Registry& r) {
  std::string s;
  for (const auto& e : r.entries) {
    if (!s.empty()) s += ", ";
    s += e.suite->name();
    for (const auto& a : e.aliases) s += " (" + a + ")";
  }
  return s;
}

}  // namespace

void register_suite(std::unique_ptr<Suite> suite, const std::vector<std::string>& aliases) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  if (r.find(suite->name())) throw std::logic_error("a suite named '" + suite->name() + "' is registered already");
  for (const auto& a : aliases)
    if (r.find(a)) throw std::logic_error("a suite named '" + a + "' is registered already");
  r.entries.push_back({std::move(suite), aliases});
}

const Suite& find_suite(const std::string& name) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  const Entry* e = r.find(name);
  if (!e) throw InputError("suite", "'" + name + "'", "is not a known suite (known: " + known_list(r) + ")");
  return *e->suite;
}

std::string canonical_suite_name(const std::string& name) { return find_suite(name).name(); }

std::vector<std::string> suite_names() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> out;
  for (const auto& e : r.entries) out.push_back(e.suite->name());
  return out;
}

std::string Suite::resolve_mode(const std::string& mode) const {
  const auto ms = modes();
  if (mode.empty()) return ms.at(0);
  for (const auto& m : ms)
    if (m == mode) return mode;
  throw InputError("mode", "'" + mode + "'", unsupported_mode(mode));
}

std::string Suite::unsupported_mode(const std::string& /*mode*/) const {
  std::string list;
  for (const auto& m : modes()) list += (list.empty() ? "'" : ", '") + m + "'";
  return "the " + name() + " suite is scored in " + list + " mode only";
}

}  // namespace qb
