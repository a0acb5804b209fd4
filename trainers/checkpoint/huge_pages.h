// Weights read from a memory-mapped checkpoint in 2 MB pages instead of 4 KB ones. A decode step
// reads every weight once; over a 7B model's 13.5 GB in 4 KB pages that is 3.3 million page-table
// entries, walked again on every pass (on a virtual machine, through two levels of tables). Measured
// (docs/BENCHMARKS.md, "7B-shaped bf16 checkpoint"): the same bf16 kernel over the same mapped files
// streams 21-27 GB/s with 4 KB pages and 35-39 GB/s with every page 2 MB. No torch in this header.
#pragma once

#include <cstddef>
#include <filesystem>

namespace qb {

// How much of one mapping is resident, and how much of that is mapped in 2 MB pages.
struct MappingResidency {
  size_t resident_bytes = 0;   // "Rss" of the mapping in /proc/self/smaps
  size_t huge_page_bytes = 0;  // "FilePmdMapped": file pages mapped 2 MB at a time
};

// The mapping that starts at `start` (as returned by mmap), read from /proc/self/smaps; zeros
// where the kernel does not say.
MappingResidency mapping_residency(const void* start);

// Asks the kernel to back a read-only use of the mapping [map, map + size) of file `path` with 2 MB
// page-cache pages and maps all of it now (MADV_HUGEPAGE, then MADV_POPULATE_READ). Where the page
// cache holds under 90 % of the file in 2 MB pages (a file just written or copied), its pages are
// written back if dirty, dropped (posix_fadvise DONTNEED: none another process maps) and read again
// from disk, this time in 2 MB pages; the next load finds them so. When that does not give 2 MB
// pages (a kernel or file system that keeps small pages for files), later calls in this process
// only map and never drop again. Must be called before anything writes into a private mapping
// (it discards the mapping's own copied pages). Returns the residency after. Does nothing, and
// returns zeros, for mappings under 64 MB or when transparent huge pages are off. With
// QILIN_HUGE_PAGES=0 in the environment it asks for 4 KB pages instead (MADV_NOHUGEPAGE: even page-
// cache pages held 2 MB at a time are mapped 4 KB at a time), maps nothing ahead, drops nothing, and
// returns zeros; any value other than 0 or 1 throws InputError naming the variable.
MappingResidency back_with_huge_pages(void* map, size_t size, const std::filesystem::path& path);

}  // namespace qb
