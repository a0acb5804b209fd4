#include "suites/data_summary.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "common/utf8.h"
#include "suites/cmexam_reader.h"
#include "suites/dcpt_reader.h"
#include "suites/dpo_reader.h"
#include "suites/huatuo_reader.h"
#include "suites/rag_reader.h"
#include "suites/sft_reader.h"

namespace qb {

namespace {

using ojson = nlohmann::ordered_json;

// Running mean of code-point lengths.
struct MeanChars {
  double sum = 0;
  long n = 0;
  void add(const std::string& s) { add_count(static_cast<double>(count_code_points(s))); }
  void add_count(double v) {
    sum += v;
    ++n;
  }
  double value() const { return n ? std::round(sum / n * 100.0) / 100.0 : 0.0; }
};

struct Histogram {
  std::map<long, long> bins;
  void add(long k) { ++bins[k]; }
  ojson to_json() const {
    ojson o = ojson::object();
    for (const auto& [k, v] : bins) o[std::to_string(k)] = v;
    return o;
  }
};

ojson common_fields(const std::filesystem::path& path, DataFormat f, const ReadReport& r) {
  ojson o;
  o["file"] = path.string();
  o["format"] = format_name(f);
  o["layout"] = r.layout;
  o["rows"] = r.records_read;
  o["skipped"] = r.records_skipped;
  o["columns"] = r.columns;
  return o;
}

void add_errors(ojson& o, const ReadReport& r) {
  ojson e = ojson::array();
  for (const auto& err : r.errors) e.push_back(err.what());
  o["errors"] = e;
}

ojson summarize_cmexam(const std::filesystem::path& path, const ReadOptions& ro) {
  Histogram answer_len, option_count;
  std::map<char, long> letters;
  long multi = 0;
  MeanChars q_chars, a_chars, e_chars;
  std::map<std::string, std::map<std::string, long>> annotations;
  ReadReport r = for_each_cmexam(path, [&](CMExamQuestion&& q) {
    answer_len.add(static_cast<long>(q.answer.size()));
    option_count.add(static_cast<long>(q.options.size()));
    for (char c : q.answer) ++letters[c];
    multi += q.multi_answer();
    q_chars.add(q.question);
    a_chars.add(q.answer);
    e_chars.add(q.explanation);
    for (const auto& [name, value] : q.annotations) ++annotations[name][value];
  }, ro);
  ojson o = common_fields(path, DataFormat::kCMExam, r);
  o["answer_length_histogram"] = answer_len.to_json();
  o["option_count_histogram"] = option_count.to_json();
  ojson lc = ojson::object();
  for (const auto& [c, n] : letters) lc[std::string(1, c)] = n;
  o["answer_letter_counts"] = lc;
  o["multi_answer"] = multi;
  o["mean_question_chars"] = q_chars.value();
  o["mean_answer_chars"] = a_chars.value();
  o["mean_explanation_chars"] = e_chars.value();
  ojson ann = ojson::object();
  for (const auto& [name, counts] : annotations) {
    // Most frequent values first (ties by value) so the head of the list is informative.
    std::vector<std::pair<std::string, long>> v(counts.begin(), counts.end());
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    ojson c = ojson::object();
    for (const auto& [value, n] : v) c[value] = n;
    ann[name] = c;
  }
  o["annotation_value_counts"] = ann;
  add_errors(o, r);
  return o;
}

ojson summarize_huatuo(const std::filesystem::path& path, const ReadOptions& ro) {
  MeanChars q, a;
  Histogram refs;
  ReadReport r = for_each_huatuo(path, [&](HuatuoItem&& it) {
    q.add(it.question);
    a.add(it.answers.front());
    refs.add(static_cast<long>(it.answers.size()));
  }, ro);
  ojson o = common_fields(path, DataFormat::kHuatuo, r);
  o["mean_question_chars"] = q.value();
  o["mean_answer_chars"] = a.value();
  o["answers_per_item_histogram"] = refs.to_json();
  add_errors(o, r);
  return o;
}

ojson summarize_dcpt(const std::filesystem::path& path, const ReadOptions& ro) {
  MeanChars d;
  long max_chars = 0;
  DcptOptions opts;
  opts.read = ro;
  ReadReport r = for_each_dcpt(path, [&](DcptDocument&& doc) {
    long n = static_cast<long>(count_code_points(doc.text));
    d.add_count(static_cast<double>(n));
    max_chars = std::max(max_chars, n);
  }, opts);
  ojson o = common_fields(path, DataFormat::kDcpt, r);
  o["total_chars"] = static_cast<long>(d.sum);
  o["mean_document_chars"] = d.value();
  o["max_document_chars"] = max_chars;
  add_errors(o, r);
  return o;
}

ojson summarize_sft(const std::filesystem::path& path, const ReadOptions& ro) {
  Histogram turns;
  long with_system = 0;
  MeanChars user, assistant;
  ReadReport r = for_each_sft(path, [&](SftDialogue&& d) {
    turns.add(static_cast<long>(d.turns.size()));
    with_system += d.turns.front().role == "system";
    for (const auto& t : d.turns) {
      if (t.role == "user") user.add(t.text);
      if (t.role == "assistant") assistant.add(t.text);
    }
  }, ro);
  ojson o = common_fields(path, DataFormat::kSft, r);
  o["turns_histogram"] = turns.to_json();
  o["with_system"] = with_system;
  o["mean_user_chars"] = user.value();
  o["mean_assistant_chars"] = assistant.value();
  add_errors(o, r);
  return o;
}

ojson summarize_dpo(const std::filesystem::path& path, const ReadOptions& ro) {
  Histogram turns;
  long with_system = 0;
  MeanChars prompt, chosen, rejected;
  ReadReport r = for_each_dpo(path, [&](DpoPair&& p) {
    turns.add(static_cast<long>(p.prompt.size()));
    with_system += p.prompt.front().role == "system";
    prompt.add(p.prompt.back().text);
    chosen.add(p.chosen);
    rejected.add(p.rejected);
  }, ro);
  ojson o = common_fields(path, DataFormat::kDpo, r);
  o["prompt_turns_histogram"] = turns.to_json();
  o["with_system"] = with_system;
  o["mean_prompt_chars"] = prompt.value();
  o["mean_chosen_chars"] = chosen.value();
  o["mean_rejected_chars"] = rejected.value();
  add_errors(o, r);
  return o;
}

ojson summarize_rag(const std::filesystem::path& path, const ReadOptions& ro) {
  MeanChars p;
  ReadReport r = for_each_rag(path, [&](RagPassage&& x) { p.add(x.text); }, ro);
  ojson o = common_fields(path, DataFormat::kRag, r);
  o["total_chars"] = static_cast<long>(p.sum);
  o["mean_passage_chars"] = p.value();
  add_errors(o, r);
  return o;
}

}  // namespace

nlohmann::ordered_json summarize_data_file(const std::filesystem::path& path, const SummaryOptions& opts) {
  const DataFormat f = opts.format ? *opts.format : detect_format(path);
  switch (f) {
    case DataFormat::kCMExam: return summarize_cmexam(path, opts.read);
    case DataFormat::kHuatuo: return summarize_huatuo(path, opts.read);
    case DataFormat::kDcpt: return summarize_dcpt(path, opts.read);
    case DataFormat::kSft: return summarize_sft(path, opts.read);
    case DataFormat::kDpo: return summarize_dpo(path, opts.read);
    case DataFormat::kRag: return summarize_rag(path, opts.read);
  }
  return {};
}

}  // namespace qb
