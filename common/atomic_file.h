// Atomic writes: content goes to a temporary file beside the target, is flushed
// to disk, then renamed over the target. A crash leaves either the old file or
// the new one, never a torn one (SPEC §9).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace qb {

// Writes `content` to `path` atomically, creating parent directories.
// Throws std::runtime_error (with the path and errno text) on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

// Reads a whole file; throws InputError naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& path);

// Builds a file in memory or on disk and publishes it with commit().
// Destroying an uncommitted writer removes the temporary file.
class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::filesystem::path path);
  ~AtomicFileWriter();
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(std::string_view bytes);
  void commit();  // fsync + rename; further writes are errors
  const std::filesystem::path& temp_path() const { return tmp_; }

 private:
  std::filesystem::path path_, tmp_;
  int fd_ = -1;
};

}  // namespace qb
