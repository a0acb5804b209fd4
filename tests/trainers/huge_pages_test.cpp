// Checkpoint files mapped in 2 MB pages (trainers/checkpoint/huge_pages.h). Whether a kernel maps
// files in 2 MB pages depends on its version, the file system and free memory: the test first finds
// out with a file of its own (dropped from the cache, then read through a MADV_HUGEPAGE mapping)
// and skips, saying so, where under 90 % of it comes out in 2 MB pages.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "tests/testing/testing.h"
#include "trainers/checkpoint/huge_pages.h"

namespace qb {
namespace {

namespace fs = std::filesystem;
constexpr size_t kBytes = size_t{96} << 20;

// Writes `bytes` of a non-constant pattern with write(2): the page cache then holds the file as
// the write path left it.
void write_file(const fs::path& p, size_t bytes) {
  std::string block(size_t{1} << 20, '\0');
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 131 + 7);
  std::ofstream f(p, std::ios::binary);
  for (size_t done = 0; done < bytes; done += block.size()) f.write(block.data(), static_cast<std::streamsize>(block.size()));
}

struct Mapping {
  void* addr = MAP_FAILED;
  size_t size = 0;
  Mapping(const fs::path& p, size_t n) : size(n) {
    const int fd = ::open(p.c_str(), O_RDONLY);
    addr = ::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    ::close(fd);
  }
  ~Mapping() {
    if (addr != MAP_FAILED) ::munmap(addr, size);
  }
};

// The share of a file, read from disk through a MADV_HUGEPAGE mapping, that this kernel maps in
// 2 MB pages: the best back_with_huge_pages can reach here now (the kernel's version, the file
// system, and whether free memory has 2 MB blocks left all decide it).
double best_huge_share(const fs::path& dir, std::string* why) {
  const fs::path p = dir / "probe.bin";
  write_file(p, kBytes);
  const int fd = ::open(p.c_str(), O_RDONLY);
  ::fdatasync(fd);
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
  Mapping m(p, kBytes);
  ::madvise(m.addr, kBytes, MADV_HUGEPAGE);
  for (size_t i = 0; i < kBytes; i += 4096) (void)*static_cast<volatile const char*>(static_cast<char*>(m.addr) + i);
  const MappingResidency r = mapping_residency(m.addr);
  *why = "of a " + std::to_string(kBytes >> 20) + " MB file read from disk through a MADV_HUGEPAGE mapping, only " +
         std::to_string(r.huge_page_bytes >> 20) + " MB were mapped in 2 MB pages (" + std::to_string(r.resident_bytes >> 20) +
         " MB resident): this kernel, file system or memory gives files small pages here";
  return static_cast<double>(r.huge_page_bytes) / static_cast<double>(kBytes);
}

TEST(HugePages, ResidencyOfAMappingItDoesNotKnowIsZero) {
  int local = 0;
  const MappingResidency r = mapping_residency(&local);  // inside the stack, not a mapping's start
  EXPECT_EQ(r.resident_bytes, 0u);
  EXPECT_EQ(r.huge_page_bytes, 0u);
}

TEST(HugePages, AFileJustWrittenIsMappedWholeInHugePages) {
  testing::TempDir dir;
  std::string why;
  if (best_huge_share(dir.path(), &why) < 0.9) GTEST_SKIP() << why;
  const fs::path p = dir / "weights.bin";
  write_file(p, kBytes);  // cached as the write path left it, often in small pages
  Mapping m(p, kBytes);
  const MappingResidency r = back_with_huge_pages(m.addr, kBytes, p);
  EXPECT_EQ(r.resident_bytes, kBytes);             // mapped whole, now
  EXPECT_GE(r.huge_page_bytes, kBytes / 10 * 9);   // in 2 MB pages (the tail's partial page aside)
  // The bytes are the file's.
  std::string block(4096, '\0');
  std::ifstream f(p, std::ios::binary);
  f.seekg(static_cast<std::streamoff>(kBytes / 2));
  f.read(block.data(), 4096);
  EXPECT_EQ(0, std::memcmp(block.data(), static_cast<char*>(m.addr) + kBytes / 2, 4096));
}

// QILIN_HUGE_PAGES=0: 4 KB pages even where the page cache holds the file 2 MB at a time.
TEST(HugePages, ZeroInTheEnvironmentAsksForSmallPages) {
  testing::TempDir dir;
  std::string why;
  if (best_huge_share(dir.path(), &why) < 0.9) GTEST_SKIP() << why;
  const fs::path p = dir / "probe.bin";  // cached in 2 MB pages by best_huge_share
  Mapping m(p, kBytes);
  ::setenv("QILIN_HUGE_PAGES", "0", 1);
  const MappingResidency r = back_with_huge_pages(m.addr, kBytes, p);
  ::unsetenv("QILIN_HUGE_PAGES");
  EXPECT_EQ(r.resident_bytes, 0u);  // nothing mapped ahead
  for (size_t i = 0; i < kBytes; i += 4096) (void)*static_cast<volatile const char*>(static_cast<char*>(m.addr) + i);
  const MappingResidency touched = mapping_residency(m.addr);
  EXPECT_EQ(touched.resident_bytes, kBytes);
  EXPECT_EQ(touched.huge_page_bytes, 0u);
  // The same file mapped again without the variable: 2 MB pages.
  Mapping again(p, kBytes);
  EXPECT_GE(back_with_huge_pages(again.addr, kBytes, p).huge_page_bytes, kBytes / 10 * 9);
}

TEST(HugePages, SmallMappingsAreLeftAlone) {
  testing::TempDir dir;
  const fs::path p = dir / "small.bin";
  const size_t n = size_t{8} << 20;
  write_file(p, n);
  Mapping m(p, n);
  EXPECT_EQ(back_with_huge_pages(m.addr, n, p).resident_bytes, 0u);
  // Not populated: it faults in on use, as any mapping. (The file was just written, so its pages are
  // in the cache, but none is mapped until touched.)
  EXPECT_EQ(mapping_residency(m.addr).resident_bytes, 0u);
  (void)*static_cast<volatile const char*>(m.addr);
  EXPECT_GT(mapping_residency(m.addr).resident_bytes, 0u);  // and the reading of residency sees a touch
}

}  // namespace
}  // namespace qb
