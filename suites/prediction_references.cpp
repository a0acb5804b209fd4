#include "suites/prediction_references.h"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "suites/cmexam_reader.h"
#include "suites/text_util.h"

namespace qb {

namespace {

constexpr size_t kDropped = static_cast<size_t>(-1);

// What align needs of a dataset: each item's id and 0-based position among the file's records
// (-1 when unknown), and how many records the file had (skipped ones included).
struct DataIndex {
  std::vector<std::string> ids;
  std::vector<long> positions;
  long total = 0;
  long skipped = 0;
};

// For each record, the index of the data item it answers (kDropped: an item the lenient read
// skipped): by id when every record names one, else by position. Every data item must be
// answered exactly once.
std::vector<size_t> align(const ForeignPredictions& p, const DataIndex& data, const std::string& data_file,
                          ReferenceMatch& match) {
  const std::string& file = p.files.front();
  const size_t n = p.records.size(), m = data.ids.size();
  const bool by_id = std::all_of(p.records.begin(), p.records.end(), [](const auto& r) { return !r.id.empty(); });
  std::vector<size_t> index(n, kDropped);
  std::vector<char> answered(m, 0);
  match.references = "data";
  if (by_id) {
    match.matched_by = "id";
    std::unordered_map<std::string, size_t> where;
    for (size_t i = 0; i < m; ++i) where.emplace(data.ids[i], i);
    for (size_t k = 0; k < n; ++k) {
      const ForeignPrediction& r = p.records[k];
      auto it = where.find(r.id);
      if (it == where.end())
        throw r.error("id " + shown(r.id) + " is not an item of " + data_file +
                      (data.skipped > 0 ? " (or one its lenient read skipped)" : ""));
      if (answered[it->second]) throw r.error("id " + shown(r.id) + " is answered twice");
      answered[it->second] = 1;
      index[k] = it->second;
    }
    if (n < m) {
      const size_t first = std::find(answered.begin(), answered.end(), 0) - answered.begin();
      throw error_in_file(file, std::to_string(m - n) + " of the " + std::to_string(m) + " items of " + data_file +
                                    " have no prediction (the first: id " + shown(data.ids[first]) + ")");
    }
    return index;
  }
  match.matched_by = "position";
  if (static_cast<long>(n) != data.total)
    throw error_in_file(file, std::to_string(n) + " predictions, but " + data_file + " has " + std::to_string(data.total) +
                                  " items: without ids the predictions are matched to the data by position, so the "
                                  "counts must agree (was the tool run on a subset, e.g. lm-eval --limit?)");
  std::unordered_map<long, size_t> at_position;
  for (size_t i = 0; i < m; ++i) {
    if (data.positions[i] < 0)
      throw error_in_file(data_file, "its lenient read skipped " + std::to_string(data.skipped) +
                                         " rows and it has an id column, so positions are unknown: the predictions "
                                         "cannot be matched by position");
    at_position.emplace(data.positions[i], i);
  }
  for (size_t k = 0; k < n; ++k) {
    const ForeignPrediction& r = p.records[k];
    if (r.position < 0 || r.position >= data.total)
      throw r.error("item number " + std::to_string(r.position) + " (0-based) is beyond the " +
                    std::to_string(data.total) + " items of " + data_file);
    auto it = at_position.find(r.position);
    if (it == at_position.end()) {
      ++match.dropped;
      if (match.dropped_examples.size() < 5)
        match.dropped_examples.push_back(r.where + ": item " + std::to_string(r.position + 1) + " of " + data_file +
                                         " was skipped by the lenient read");
      continue;
    }
    index[k] = it->second;
  }
  return index;
}

std::string scoring_id(const ForeignPrediction& r) { return r.id.empty() ? std::to_string(r.position + 1) : r.id; }

template <class Item>
void check_unique_ids(const std::vector<std::string>& ids, const std::vector<Item>& items) {
  std::unordered_map<std::string, size_t> seen;
  for (size_t k = 0; k < ids.size(); ++k) {
    auto [it, fresh] = seen.emplace(ids[k], k);
    if (!fresh)
      throw items[k].source->error("id " + shown(ids[k]) + " appears twice (also at " + items[it->second].source->where + ")");
  }
}

// References compare without whitespace: every metric removes it before tokenizing.
std::string without_whitespace(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s.compare(i, 3, "\xE3\x80\x80") == 0) {
      i += 2;
      continue;
    }
    if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r') out.push_back(s[i]);
  }
  return out;
}

std::string letter_set(const std::string& s) {
  std::set<char> letters;
  for (char c : s)
    if (c >= 'A' && c <= 'Z') letters.insert(c);
  return std::string(letters.begin(), letters.end());
}

void note_disagreement(ReferenceMatch& match, const ForeignPrediction& r, const std::string& file_ref,
                       const std::string& data_ref) {
  ++match.disagreements;
  if (match.examples.size() < 5)
    match.examples.push_back(r.where + ": file " + shown(file_ref) + ", data " + shown(data_ref));
}

}  // namespace

std::vector<ForeignHuatuoItem> match_huatuo_references(const ForeignPredictions& p, const Dataset<HuatuoItem>* data,
                                                       const std::string& data_file, ReferenceMatch& match) {
  for (const auto& r : p.records)
    if (r.kind != ForeignAnswerKind::kText)
      throw r.error("holds a multiple-choice answer, not generated text: use --suite cmexam");
  std::vector<ForeignHuatuoItem> items(p.records.size());
  if (!data) {
    for (size_t k = 0; k < p.records.size(); ++k) {
      const ForeignPrediction& r = p.records[k];
      if (!r.reference) throw r.error("no reference in the file; pass --data (the suite's dataset) to take them from it");
      items[k] = {scoring_id(r), r.text, *r.reference, &r};
    }
  } else {
    DataIndex di;
    for (const auto& item : data->records) {
      di.ids.push_back(item.id);
      di.positions.push_back(item.record - 1);
    }
    di.skipped = data->report.records_skipped;
    di.total = data->report.records_read + di.skipped;
    const std::vector<size_t> index = align(p, di, data_file, match);
    items.clear();
    for (size_t k = 0; k < p.records.size(); ++k) {
      const ForeignPrediction& r = p.records[k];
      if (index[k] == kDropped) continue;
      const HuatuoItem& d = data->records[index[k]];
      items.push_back({d.id, r.text, d.answers.at(0), &r});
      if (r.reference && without_whitespace(*r.reference) != without_whitespace(d.answers[0]))
        note_disagreement(match, r, *r.reference, d.answers[0]);
    }
  }
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item.id);
  check_unique_ids(ids, items);
  return items;
}

std::vector<ForeignCMExamItem> match_cmexam_references(const ForeignPredictions& p,
                                                       const Dataset<CMExamQuestion>* data,
                                                       const std::string& data_file, ReferenceMatch& match) {
  std::vector<ForeignCMExamItem> items(p.records.size());
  if (!data) {
    for (size_t k = 0; k < p.records.size(); ++k) {
      const ForeignPrediction& r = p.records[k];
      CMExamQuestion q;
      if (r.question) {
        q = *r.question;
      } else {
        if (!r.reference) throw r.error("no gold answer in the file; pass --data (the CMExam CSV) to take them from it");
        for (const auto& c : r.choices) q.options[c.label] = c.continuation;
        if (q.options.empty())
          for (char l = 'A'; l <= 'E'; ++l) q.options[l] = "";
        RecordLocation loc;
        loc.file = r.file;
        try {
          q.answer = parse_cmexam_answer(*r.reference, q.options, loc);
        } catch (const InputError& e) {
          throw r.error("gold answer: " + e.problem());
        }
      }
      q.id = scoring_id(r);
      items[k] = {std::move(q), &r, {}};
    }
  } else {
    // Without an id column a question's id is its 1-based data row (suites/cmexam_reader.h).
    const auto& columns = data->report.columns;
    const bool id_column = std::find(columns.begin(), columns.end(), "id") != columns.end() ||
                           std::find(columns.begin(), columns.end(), "ID") != columns.end();
    DataIndex di;
    di.skipped = data->report.records_skipped;
    di.total = data->report.records_read + di.skipped;
    for (size_t i = 0; i < data->records.size(); ++i) {
      di.ids.push_back(data->records[i].id);
      di.positions.push_back(!id_column ? std::stol(data->records[i].id) - 1 : di.skipped == 0 ? static_cast<long>(i) : -1);
    }
    const std::vector<size_t> index = align(p, di, data_file, match);
    items.clear();
    for (size_t k = 0; k < p.records.size(); ++k) {
      const ForeignPrediction& r = p.records[k];
      if (index[k] == kDropped) continue;
      const CMExamQuestion& q = data->records[index[k]];
      ForeignCMExamItem item{q, &r, {}};
      std::string reference = r.reference.value_or("");
      if (!r.choices.empty() && r.choices[0].positional) {
        if (r.choices.size() != q.options.size())
          throw r.error(std::to_string(r.choices.size()) + " choices, but question " + shown(q.id) + " of " + data_file +
                        " has " + std::to_string(q.options.size()) + " options");
        auto option = q.options.begin();
        for (const auto& c : r.choices) item.choice_letters[c.label] = (option++)->first;
        for (char& l : reference)
          if (item.choice_letters.count(l)) l = item.choice_letters[l];
      }
      if (r.reference && letter_set(reference) != q.answer) note_disagreement(match, r, *r.reference, q.answer);
      items.push_back(std::move(item));
    }
  }
  std::vector<std::string> ids;
  for (const auto& item : items) ids.push_back(item.question.id);
  check_unique_ids(ids, items);
  return items;
}

}  // namespace qb
