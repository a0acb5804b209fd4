#include "harness/cli_app.h"

#include <CLI/CLI.hpp>
#include <iostream>
#include <string>

#include "common/error.h"
#include "harness/commands.h"
#include "qilin_version.h"

namespace qb::cli {

int run_cli(int argc, char** argv, void (*add_commands)(CLI::App&), void (*after_parse)()) {
  CLI::App app{"qilin-bench: train, evaluate and compare medical LLM checkpoints (Qilin-Med pipeline)",
               "qilin-bench"};
  app.set_version_flag("--version", std::string("qilin-bench ") + QILIN_VERSION +
                                        " (commit " + QILIN_GIT_COMMIT + ")");
  app.require_subcommand(1);
  auto& g = global_options();
  app.add_option("-j,--threads", g.threads,
                 "compute threads (default: $QILIN_THREADS, else the number of cores)")
      ->check(CLI::Range(1, 1024));
  app.add_flag("-q,--quiet", g.quiet, "no progress output");
  app.footer("Run 'qilin-bench SUBCOMMAND --help' for a subcommand's options.");
  add_commands(app);
  // Threads are set after parsing and before any subcommand callback runs.
  if (after_parse) app.parse_complete_callback(after_parse);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a subcommand's chosen exit status (e.g. gate's 1), already explained
  } catch (const CLI::ParseError& e) {
    std::cerr << "qilin-bench: error: " << e.what() << "\n"
              << "Run 'qilin-bench --help' (or 'qilin-bench SUBCOMMAND --help') for usage.\n";
    return 2;
  } catch (const qb::InputError& e) {
    std::cerr << "qilin-bench: error: " << e.what() << "\n";
    return 2;
  } catch (const qb::NotBuiltError& e) {
    std::cerr << "qilin-bench: not built yet: " << e.what() << "\n";
    return 3;
  } catch (const std::exception& e) {
    std::cerr << "qilin-bench: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

}  // namespace qb::cli
