#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>

#include "common/error.h"
#include "harness/commands.h"
#include "suites/data_summary.h"

namespace qb::cli {

namespace {

struct InspectArgs {
  std::string file;
  std::string format;  // empty: detect from content
  bool lenient = false;
};

}  // namespace

void add_data_inspect(CLI::App& data) {
  auto args = std::make_shared<InspectArgs>();
  auto* sub = data.add_subcommand("inspect", "validate a data file and print a JSON summary");
  sub->add_option("file", args->file, "the data file (CSV, JSON, JSONL or text)")->required();
  sub->add_option("--format", args->format,
                  "data kind; detected from content when omitted (docs/FORMATS.md)")
      ->check(CLI::IsMember({"cmexam", "huatuo", "dcpt", "sft", "dpo", "rag"}));
  sub->add_flag("--lenient", args->lenient,
                "skip bad records, listing each one's error in \"errors\" and counting them in \"skipped\"");
  sub->callback([args] {
    SummaryOptions opts;
    if (!args->format.empty()) opts.format = parse_format_name(args->format);
    opts.read.lenient = args->lenient;
    std::cout << summarize_data_file(args->file, opts).dump(2) << "\n";
  });
}

}  // namespace qb::cli
