// qilin-bench segment: each stdin line -> its tokens on one stdout line.
// A line ends at "\n"; a "\r" right before it belongs to the terminator, not the line.
// Output streams: it is flushed whenever the next read from stdin could block, so the
// command works both in a pipe over a large file and interactively, line by line.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"
#include "harness/commands.h"
#include "metrics/jieba_segmenter.h"
#include "metrics/segmenter.h"

namespace qb::cli {

namespace {

struct SegmentArgs {
  SegmenterOptions seg;
  bool no_hmm = false;
  std::string format = "text";
};

class StdoutBuffer {
 public:
  ~StdoutBuffer() { flush(); }
  std::string& text() { return buf_; }
  void flush() {
    size_t done = 0;
    while (done < buf_.size()) {
      const ssize_t n = ::write(1, buf_.data() + done, buf_.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        buf_.clear();
        throw std::runtime_error(std::string("writing stdout: ") + std::strerror(errno));
      }
      done += static_cast<size_t>(n);
    }
    buf_.clear();
  }

 private:
  std::string buf_;
};

void require_file(const std::string& path, const char* option) {
  if (path.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    throw error_in_file(path, std::string("no such dictionary file (") + option + ")");
}

void append_tokens(std::string& out, const std::vector<std::string_view>& tokens, bool json) {
  if (json) {
    out += nlohmann::json(std::vector<std::string>(tokens.begin(), tokens.end())).dump();
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i) out += " / ";
      out += tokens[i];
    }
  }
  out += '\n';
}

void run_segment(const SegmentArgs& args) {
  SegmenterOptions options = args.seg;
  options.hmm = !args.no_hmm;
  require_file(options.dict_path, "--dict");
  require_file(options.user_dict_path, "--user-dict");
  const std::unique_ptr<Segmenter> segmenter = make_segmenter(options);
  const auto* jieba = dynamic_cast<const JiebaSegmenter*>(segmenter.get());
  const bool json = args.format == "json";

  StdoutBuffer out;
  std::vector<TokenSpan> spans;
  std::vector<std::string_view> views;
  std::vector<std::string> owned;
  long line_no = 0;
  auto handle_line = [&](std::string_view line) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    views.clear();
    try {
      if (jieba != nullptr) {
        spans.clear();
        jieba->cut(line, spans);
        for (const TokenSpan& t : spans) views.emplace_back(line.data() + t.begin, t.end - t.begin);
      } else {
        owned = segmenter->segment(line);
        for (const std::string& t : owned) views.emplace_back(t);
      }
    } catch (const InputError& e) {
      throw error_at_line("<stdin>", line_no, e.where() + ": " + e.problem());
    }
    append_tokens(out.text(), views, json);
    if (out.text().size() >= (1 << 16)) out.flush();
  };

  std::string pending;  // the start of a line whose end has not been read yet
  std::vector<char> chunk(1 << 16);
  while (true) {
    out.flush();  // the next read may block: let a reader see what is done
    const ssize_t n = ::read(0, chunk.data(), chunk.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(std::string("reading stdin: ") + std::strerror(errno));
    }
    if (n == 0) break;
    std::string_view data(chunk.data(), static_cast<size_t>(n));
    size_t pos = 0;
    while (true) {
      const size_t eol = data.find('\n', pos);
      if (eol == std::string_view::npos) break;
      if (pending.empty()) {
        handle_line(data.substr(pos, eol - pos));
      } else {
        pending.append(data.substr(pos, eol - pos));
        handle_line(pending);
        pending.clear();
      }
      pos = eol + 1;
    }
    pending.append(data.substr(pos));
  }
  if (!pending.empty()) handle_line(pending);  // a last line without "\n"
}

}  // namespace

void add_segment(CLI::App& app) {
  auto args = std::make_shared<SegmentArgs>();
  auto* sub = app.add_subcommand(
      "segment",
      "segment each stdin line into tokens, printed joined by ' / ' (char, jieba = Python jieba 0.42.1, icu)");
  sub->add_option("--segmenter", args->seg.kind, "char, jieba or icu")
      ->check(CLI::IsMember({"char", "jieba", "icu"}))
      ->capture_default_str();
  sub->add_flag("--no-hmm", args->no_hmm, "jieba: no HMM for words missing from the dictionary (HMM=False)");
  sub->add_option("--dict", args->seg.dict_path, "jieba: main dictionary (default: Debian python3-jieba's dict.txt)");
  sub->add_option("--user-dict", args->seg.user_dict_path,
                  "jieba: extra words, one 'word [freq] [tag]' per line (jieba.load_userdict)");
  sub->add_option("--hmm-model", args->seg.hmm_model_dir,
                  "jieba: folder with finalseg's prob_start.py, prob_trans.py, prob_emit.py");
  sub->add_option("--format", args->format, "text (tokens joined by ' / ') or json (a JSON array per line)")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  sub->callback([args] { run_segment(*args); });
}

}  // namespace qb::cli
