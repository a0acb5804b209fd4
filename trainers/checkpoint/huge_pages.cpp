#include "trainers/checkpoint/huge_pages.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "common/error.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14
#endif

namespace qb {

namespace {

constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kMinBytes = size_t{64} << 20;

// Cleared when dropping a file's small pages did not bring 2 MB ones back: this kernel or file
// system keeps files in small pages, and dropping again would only cost disk reads.
std::atomic<bool> g_dropping_helps{true};

// QILIN_HUGE_PAGES: unset, empty or 1 = 2 MB pages as described in huge_pages.h; 0 = 4 KB pages
// (MADV_NOHUGEPAGE, nothing mapped ahead, nothing dropped from the page cache).
bool huge_pages_wanted() {
  const char* env = std::getenv("QILIN_HUGE_PAGES");
  if (env == nullptr || *env == '\0' || std::string(env) == "1") return true;
  if (std::string(env) == "0") return false;
  throw InputError("QILIN_HUGE_PAGES", "", "must be 0 (4 KB pages) or 1 (2 MB pages), got '" + std::string(env) + "'");
}

bool transparent_huge_pages_on() {
  std::ifstream f("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  std::getline(f, line);
  return line.find("[never]") == std::string::npos && !line.empty();
}

// "7f3a00000000-7f3a80000000 r--p ..." (addresses in at least 8 hex digits): the first line of a
// mapping's entry; its fields ("Rss: 4 kB") follow until the next such line.
bool is_mapping_line(const std::string& line) {
  const std::string first = line.substr(0, line.find(' '));
  return first.find('-') != std::string::npos &&
         first.find_first_not_of("0123456789abcdef-") == std::string::npos;
}

// 90 %: the last, partial 2 MB of a file stays in small pages, and a file of 64 MB or more has at
// most 3 % there.
bool mostly_huge(const MappingResidency& r) {
  return r.resident_bytes > 0 && r.huge_page_bytes >= r.resident_bytes / 10 * 9;
}

}  // namespace

MappingResidency mapping_residency(const void* start) {
  MappingResidency r;
  std::ifstream f("/proc/self/smaps");
  std::string line;
  char head[32];
  std::snprintf(head, sizeof head, "%08lx-", static_cast<unsigned long>(reinterpret_cast<uintptr_t>(start)));
  bool in = false;
  while (std::getline(f, line)) {
    if (is_mapping_line(line)) {
      if (in) break;
      in = line.rfind(head, 0) == 0;
      continue;
    }
    if (!in) continue;
    std::istringstream s(line);
    std::string key;
    size_t kb = 0;
    s >> key >> kb;
    if (key == "Rss:") r.resident_bytes = kb << 10;
    if (key == "FilePmdMapped:") r.huge_page_bytes = kb << 10;
  }
  return r;
}

MappingResidency back_with_huge_pages(void* map, size_t size, const std::filesystem::path& path) {
  if (!huge_pages_wanted()) {
    ::madvise(map, size, MADV_NOHUGEPAGE);
    return {};
  }
  if (size < kMinBytes || !transparent_huge_pages_on()) return {};  // small: no /proc read per demo shard
  ::madvise(map, size, MADV_HUGEPAGE);
  if (::madvise(map, size, MADV_POPULATE_READ) != 0) return mapping_residency(map);  // before 5.14: fault on use
  MappingResidency r = mapping_residency(map);
  // 2 MB pages need the mapping aligned to 2 MB (kernels that can map files so align it).
  if (mostly_huge(r) || reinterpret_cast<uintptr_t>(map) % kHugePage != 0 || !g_dropping_helps.load()) return r;
  ::madvise(map, size, MADV_DONTNEED);  // our page-table entries; the pages stay in the cache
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ::fdatasync(fd);  // DONTNEED drops clean pages only: a file just written has dirty ones
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }
  ::madvise(map, size, MADV_POPULATE_READ);
  r = mapping_residency(map);
  if (!mostly_huge(r)) g_dropping_helps.store(false);
  return r;
}

}  // namespace qb
