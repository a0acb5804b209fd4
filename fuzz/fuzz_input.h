// Shared by the libFuzzer targets: the readers under test take a path, so each input is written
// to one scratch file per process (in $TMPDIR, /dev/shm when it exists) and read back from there.
// Only qb::InputError may escape a reader: it is the documented "bad input" answer (the CLI turns
// it into exit 2 with file, line and problem). Any other exception is a finding: the target
// aborts so libFuzzer saves the input.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>

#include "common/error.h"

namespace qb::fuzz {

// A scratch file named "<pid>.<name>" (the extension matters to some readers) holding `bytes`.
inline std::filesystem::path write_scratch(std::string_view bytes, const std::string& name) {
  static const std::filesystem::path dir = [] {
    if (const char* t = std::getenv("TMPDIR")) return std::filesystem::path(t);
    if (std::filesystem::is_directory("/dev/shm")) return std::filesystem::path("/dev/shm");
    return std::filesystem::temp_directory_path();
  }();
  std::filesystem::path p = dir / ("qilin-fuzz." + std::to_string(::getpid()) + "." + name);
  FILE* f = std::fopen(p.c_str(), "wb");
  if (!f) std::abort();
  if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), f) != bytes.size()) std::abort();
  std::fclose(f);
  return p;
}

// Runs `fn`; InputError is the expected answer to bad input, anything else aborts with its text.
template <class Fn>
void expect_clean(Fn&& fn) {
  try {
    fn();
  } catch (const qb::InputError& e) {
    if (std::string_view(e.what()).empty()) {
      std::fprintf(stderr, "InputError with an empty message\n");
      std::abort();
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "not an InputError: %s\n", e.what());
    std::abort();
  }
}

}  // namespace qb::fuzz
