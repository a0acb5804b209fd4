// A binary cache of jieba's parsed prefix dictionary. Parsing dict.txt (349k lines, 5 MB) and
// building the trie costs ~70 ms per process, more than scoring 6,000 pairs on two cores; the
// cache file holds the trie's flat arrays, which the next process maps read-only in ~1 ms.
//
// Where: $QILIN_CACHE_DIR, else $XDG_CACHE_HOME/qilin-bench, else $HOME/.cache/qilin-bench;
// QILIN_CACHE_DIR=off disables it. Only files of at least kMinCachedSourceBytes are cached
// (jieba's own dict.txt is 5 MB): small dictionaries parse in well under a millisecond, and
// caching every temporary one would fill the directory. One file per dictionary path
// (jieba-dict-v<format>-<fnv1a64 of the absolute path>.bin), written atomically.
// Checked on every use: magic, format, sizes, the dictionary file's size, mtime and inode at the
// time it was built (a changed dict.txt makes it stale) and a checksum of every data byte (a
// corrupt file). A stale or corrupt cache is reported on stderr and rebuilt from the text; an
// unwritable cache directory only costs the parse.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "metrics/jieba_dictionary.h"

namespace qb {

constexpr uint64_t kMinCachedSourceBytes = 1 << 20;

// The cache directory, or an empty path when caching is off.
std::filesystem::path qilin_cache_dir();

// The checksum cache files carry over their data (n a multiple of 32 bytes).
uint64_t cache_checksum(const void* data, size_t n);

// What a cache remembers of a source file; a cache whose record differs is stale.
struct CacheSourceId {
  uint64_t size = 0;
  int64_t mtime_ns = 0;
  uint64_t inode = 0;
  bool operator==(const CacheSourceId& o) const { return size == o.size && mtime_ns == o.mtime_ns && inode == o.inode; }
};
// stat() of `path`; false when it cannot be read.
bool cache_source_id(const std::string& path, CacheSourceId& id);

// The cache file for `dict_path`, or an empty path when caching is off.
std::filesystem::path jieba_dictionary_cache_file(const std::string& dict_path);

// Fills `dict` (freshly constructed) from `dict_path`: from a valid cache, else by parsing the
// text (InputError naming the file and line for a malformed entry) and writing the cache.
// Returns the 64-bit FNV-1a of the dictionary text, which names a non-default dictionary in
// segmenter signatures.
uint64_t load_jieba_dictionary(JiebaDictionary& dict, const std::string& dict_path);

}  // namespace qb
