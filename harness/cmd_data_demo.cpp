#include <CLI/CLI.hpp>

#include <cstdint>
#include <iostream>
#include <memory>
#include <string>

#include "data/demo_world.h"
#include "harness/commands.h"

namespace qb::cli {

// `qilin-bench data demo --out DIR [--seed S]`: writes the embedded demo world's stage
// data (docs/DEMO_WORLD.md) and prints one line per file.
void add_data_demo(CLI::App& data) {
  struct Options {
    std::string out;
    uint64_t seed = 1234;
    bool small = false;
  };
  auto opts = std::make_shared<Options>();
  auto* sub = data.add_subcommand("demo", "write the embedded demo world's data files");
  sub->add_option("--out", opts->out, "directory to write (created if missing)")->required();
  sub->add_option("--seed", opts->seed, "generator seed; the same seed writes byte-identical files")
      ->capture_default_str();
  sub->add_flag("--small", opts->small, "a small world (for quick checks), not the default sizes");
  sub->callback([opts] {
    auto sizes = opts->small ? demo::DemoSizes::small() : demo::DemoSizes{};
    auto files = demo::write_demo_world(opts->out, opts->seed, sizes);
    for (const auto& f : files)
      std::cout << f.name << "\t" << f.format << "\t" << f.stage << "\t" << f.records << " records\t"
                << f.bytes << " bytes\n";
  });
}

}  // namespace qb::cli
